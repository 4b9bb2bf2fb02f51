// The public map: kelurahan boundaries and clustered report markers, with or without a tile layer.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomControl: true, minZoom: 9, maxZoom: 19 }).setView([-6.2, 106.83], 11);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var labels = { menunggu: "Menunggu / Waiting", diproses: "Diproses / In progress", selesai: "Selesai / Done", ditolak: "Ditolak / Rejected" };

  function text(tag, value, cls) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (cls) { node.className = cls; }
    return node;
  }

  function popup(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/laporan/" + encodeURIComponent(props.ticket);
    link.textContent = props.ticket + " · " + props.category_label;
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(text("span", labels[props.status] || props.status, "badge s-" + props.status));
    box.appendChild(text("div", [props.kelurahan, props.kecamatan].filter(Boolean).join(", ")));
    if (props.description) { box.appendChild(text("div", props.description.slice(0, 140))); }
    return box;
  }

  var coreBounds = window.aduanCoreBounds;  // bounds.js

  fetch(el.dataset.boundaries).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: { color: "#0f766e", weight: 1, fillColor: "#5eead4", fillOpacity: 0.08 },
      onEachFeature: function (feature, lyr) {
        lyr.bindTooltip(feature.properties.kelurahan + " (" + (feature.properties.kecamatan || "") + ")", { sticky: true });
      }
    }).addTo(map);
    layer.bringToBack();
    if (!el.dataset.fitted && layer.getLayers().length) { map.fitBounds(coreBounds(layer)); }
    el.dataset.boundariesLoaded = String(layer.getLayers().length);
  }).catch(function (e) { el.dataset.boundariesLoaded = "error"; console.error(e); });

  fetch(el.dataset.reports).then(function (r) { return r.json(); }).then(function (data) {
    var cluster = L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false });
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var icon = L.divIcon({ className: "", html: '<div class="marker s-' + f.properties.status + '"></div>', iconSize: [22, 22], iconAnchor: [11, 11] });
      cluster.addLayer(L.marker([c[1], c[0]], { icon: icon, title: f.properties.ticket }).bindPopup(popup(f.properties)));
    });
    map.addLayer(cluster);
    if (data.features.length && el.dataset.reports.indexOf("?") > 0) {
      map.fitBounds(cluster.getBounds(), { maxZoom: 15, padding: [20, 20] });
      el.dataset.fitted = "1";
    }
    el.dataset.markersLoaded = String(data.features.length);
  }).catch(function (e) { el.dataset.markersLoaded = "error"; console.error(e); });
})();
