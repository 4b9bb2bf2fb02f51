"""First start of a database: migrate, load the region, seed the demo roster."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from backend.areas.service import count_areas, load_shipped_region, place_records
from backend.config import Settings, get_settings
from backend.db import Database
from backend.migrate import upgrade
from backend.officials.service import ensure_units, seed_demo_roster
from backend.staff.service import seed_demo_staff
from nlu.base import PlaceRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bootstrapped:
    areas_loaded: dict[str, int]
    units_created: int
    officials_added: int
    demo_staff: list[tuple[str, str, str]]  # (email, role, password) of demo accounts made just now


def prepare_database(settings: Settings, db: Database | None = None) -> Bootstrapped:
    """Idempotent: migrations, then the shipped region and the demo roster when the database has none."""
    upgrade(settings.database_url)
    own = db is None
    database = db or Database(settings.database_url)
    try:
        with database.session() as session:
            loaded: dict[str, int] = {}
            if count_areas(session, region=settings.region) == 0:
                log.info("loading the %s boundaries", settings.region)
                loaded = load_shipped_region(session, region=settings.region)
            units = ensure_units(session, region=settings.region)
            added = seed_demo_roster(session, region=settings.region) if settings.demo_roster else 0
            staff = seed_demo_staff(session, settings.region) if settings.demo_roster else []
        return Bootstrapped(areas_loaded=loaded, units_created=units, officials_added=added, demo_staff=staff)
    finally:
        if own:
            database.dispose()


def print_demo_staff(done: Bootstrapped, base_url: str) -> None:
    """On first start the main job shows the demo accounts' credentials (they are not stored in clear)."""
    if not done.demo_staff:
        return
    print(f"Demo staff accounts for {base_url.rstrip('/')}/dashboard (shown once, keep them):", flush=True)
    for email, role, password in done.demo_staff:
        print(f"  {role:<10} {email:<32} {password}", flush=True)


def place_records_for_cli(settings: Settings | None = None) -> list[PlaceRecord]:
    """The region's place names from a ready database (prepared on the way if needed)."""
    settings = settings or get_settings()
    prepare_database(settings)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            return place_records(session, region=settings.region)
    finally:
        database.dispose()
