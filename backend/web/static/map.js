// The staff map: kelurahan shaded by open reports (choropleth) and a marker per report.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { minZoom: 9, maxZoom: 19 }).setView([-6.2, 106.83], 11);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  function shade(n) { return n >= 5 ? "#dc2626" : n >= 2 ? "#fb923c" : n >= 1 ? "#fde68a" : "#f7f7f7"; }
  function link(ticket) {
    var a = document.createElement("a");
    a.href = "/dashboard/laporan/" + encodeURIComponent(ticket);
    a.textContent = ticket;
    return a;
  }

  var coreBounds = window.aduanCoreBounds;  // bounds.js

  Promise.all([
    fetch(el.dataset.boundaries).then(function (r) { return r.json(); }),
    fetch(el.dataset.data, { credentials: "same-origin" }).then(function (r) { return r.json(); })
  ]).then(function (both) {
    var shapes = both[0], data = both[1], open = data.open_per_area || {};
    var layer = L.geoJSON(shapes, {
      style: function (f) {
        var n = open[String(f.properties.area_id)] || 0;
        return { color: "#475569", weight: 0.6, fillColor: shade(n), fillOpacity: n ? 0.65 : 0.25 };
      },
      onEachFeature: function (f, lyr) {
        var n = open[String(f.properties.area_id)] || 0;
        lyr.bindTooltip(f.properties.kelurahan + " (" + (f.properties.kecamatan || "") + "): " + n + " terbuka / open", { sticky: true });
      }
    }).addTo(map);
    if (layer.getLayers().length) { map.fitBounds(coreBounds(layer)); }
    el.dataset.boundariesLoaded = String(layer.getLayers().length);
    var markers = L.featureGroup();
    data.markers.forEach(function (m) {
      var cls = "marker s-" + m.status + (m.overdue ? " late" : "");
      var icon = L.divIcon({ className: "", html: '<div class="' + cls + '"></div>', iconSize: [16, 16], iconAnchor: [8, 8] });
      var box = document.createElement("div");
      box.appendChild(link(m.ticket));
      box.appendChild(document.createTextNode(" · " + m.category + " · " + m.status + (m.overdue ? " · terlambat" : "")));
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(m.unit || ""));
      markers.addLayer(L.marker([m.lat, m.lon], { icon: icon, title: m.ticket }).bindPopup(box));
    });
    markers.addTo(map);
    if (data.markers.length && el.dataset.data.indexOf("=") > 0) { map.fitBounds(markers.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
    el.dataset.markersLoaded = String(data.markers.length);
  }).catch(function (e) { el.dataset.markersLoaded = "error"; console.error(e); });
})();
