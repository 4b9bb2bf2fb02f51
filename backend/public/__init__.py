"""The public side: the map, report pages, statistics, exports and the Open311 GeoReport v2 API."""
