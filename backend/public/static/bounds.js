// Shared by the public map and the staff map: the bounds of the middle 90% of a layer's areas, so that
// far islands (Kepulauan Seribu) do not shrink the city to a dot.
window.aduanCoreBounds = function (layer) {
  "use strict";
  var lats = [], lons = [];
  layer.getLayers().forEach(function (l) { var c = l.getBounds().getCenter(); lats.push(c.lat); lons.push(c.lng); });
  lats.sort(function (a, b) { return a - b; });
  lons.sort(function (a, b) { return a - b; });
  var lo = Math.floor(lats.length * 0.05), hi = Math.max(lo, Math.ceil(lats.length * 0.95) - 1);
  return window.L.latLngBounds([lats[lo], lons[lo]], [lats[hi], lons[hi]]).pad(0.08);
};
