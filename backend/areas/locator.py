"""Point -> kelurahan, with shapely's STRtree over the real polygons (built once per process)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

# A point up to ~110 m outside every polygon (a coastline, a GPS wobble) still counts as the nearest one.
NEAREST_TOLERANCE_DEG = 0.001


@dataclass(frozen=True)
class LocatedArea:
    area_id: int
    kelurahan: str
    kecamatan: str | None
    kota: str | None

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "kelurahan": self.kelurahan,
            "kecamatan": self.kecamatan,
            "kota": self.kota,
            "area_id": self.area_id,
        }


class AreaLocator:
    def __init__(self, areas: list[LocatedArea], geometries: list[BaseGeometry]) -> None:
        if len(areas) != len(geometries):
            raise ValueError("one geometry per area")
        self._areas = areas
        self._geoms = np.array(geometries, dtype=object)
        shapely.prepare(self._geoms)
        self._tree = STRtree(self._geoms)

    def __len__(self) -> int:
        return len(self._areas)

    def locate(self, lat: float, lon: float) -> LocatedArea | None:
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            return self._areas[int(hits[0])]
        near = self._tree.query_nearest(point, max_distance=NEAREST_TOLERANCE_DEG)
        return self._areas[int(near[0])] if len(near) else None

    def locate_many(self, lats: np.ndarray, lons: np.ndarray) -> list[LocatedArea | None]:
        """Vectorised lookup: one STRtree query for the whole batch."""
        points = shapely.points(lons, lats)
        point_idx, geom_idx = self._tree.query(points, predicate="intersects")
        found: list[LocatedArea | None] = [None] * len(points)
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            if found[p] is None:
                found[p] = self._areas[g]
        for i, value in enumerate(found):
            if value is None:
                found[i] = self.locate(float(lats[i]), float(lons[i]))
        return found

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the whole region."""
        return tuple(shapely.total_bounds(self._geoms).tolist())  # type: ignore[return-value]
