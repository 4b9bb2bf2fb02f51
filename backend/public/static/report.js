// One report's small map: its marker and its kelurahan boundary, with or without a tile layer.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  var map = L.map(el, { minZoom: 9, maxZoom: 19 }).setView([lat, lon], 15);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var source = document.getElementById("boundary");
  var geometry = source ? JSON.parse(source.textContent) : null;
  if (geometry) {
    var layer = L.geoJSON(geometry, { style: { color: "#0f766e", weight: 2, fillColor: "#5eead4", fillOpacity: 0.12 } }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    el.dataset.boundariesLoaded = "1";
  }
  var icon = L.divIcon({ className: "", html: '<div class="marker s-' + el.dataset.status + '"></div>', iconSize: [22, 22], iconAnchor: [11, 11] });
  L.marker([lat, lon], { icon: icon }).addTo(map);
  el.dataset.markersLoaded = "1";
})();
