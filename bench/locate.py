"""Point-in-kelurahan lookups per second on random points inside Jakarta (one core).

Run: `.venv/bin/python bench/locate.py [--points 200000]`. Uses a throw-away SQLite database.
Target (issue 2): at least 50,000 lookups per second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import shapely

from backend.areas.service import build_locator
from backend.bootstrap import prepare_database
from backend.config import Settings
from backend.db import Database


def random_points_inside(
    locator_bounds: tuple[float, float, float, float],
    union: shapely.Geometry,
    n: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    min_lon, min_lat, max_lon, max_lat = locator_bounds
    lats: list[float] = []
    lons: list[float] = []
    shapely.prepare(union)
    while len(lats) < n:
        cand_lon = rng.uniform(min_lon, max_lon, n)
        cand_lat = rng.uniform(min_lat, max_lat, n)
        inside = shapely.contains_xy(union, cand_lon, cand_lat)
        lons.extend(cand_lon[inside].tolist())
        lats.extend(cand_lat[inside].tolist())
    return np.array(lats[:n]), np.array(lons[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=200_000)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        prepare_database(Settings(database_url=url, demo_roster=False))
        db = Database(url)
        with db.session() as session:
            started = time.perf_counter()
            locator = build_locator(session, region="jakarta")
            build_s = time.perf_counter() - started
        db.dispose()
    # Random points over mainland Jakarta (the islands of Kepulauan Seribu are tiny and far away).
    mainland = (106.68, -6.38, 106.98, -6.08)
    union = shapely.union_all(list(locator._geoms))
    rng = np.random.default_rng(42)
    lats, lons = random_points_inside(mainland, union, args.points, rng)

    n_single = min(args.points, 50_000)
    started = time.perf_counter()
    misses = sum(1 for i in range(n_single) if locator.locate(float(lats[i]), float(lons[i])) is None)
    single_s = time.perf_counter() - started

    started = time.perf_counter()
    batch = locator.locate_many(lats, lons)
    batch_s = time.perf_counter() - started

    print(f"locator build: {build_s * 1000:.0f} ms for {len(locator)} kelurahan polygons")
    print(f"single lookups: {n_single / single_s:,.0f} per second ({n_single} points, {misses} misses)")
    print(
        f"batched lookups: {len(batch) / batch_s:,.0f} per second ({len(batch)} points, "
        f"{sum(1 for x in batch if x is None)} misses)"
    )
    print("target: 50,000 per second on one core")


if __name__ == "__main__":
    main()
