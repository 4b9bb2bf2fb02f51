"""Fixtures of the public-side tests: a partner's Open311 key, and a live server for real clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from backend.bootstrap import prepare_database
from backend.config import Settings
from backend.db import Database
from backend.main import create_app
from backend.public.open311 import add_key
from tests.dbs import temporary_database
from tests.fakes.http_server import BackgroundServer


@pytest.fixture
def partner_key(session: Session) -> str:
    _row, key = add_key(session, name="Twitter desk")
    return key


@dataclass
class LiveSite:
    url: str
    settings: Settings
    db: Database


@pytest.fixture(scope="module")
def live_site(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The whole app over real HTTP on 127.0.0.1, on its own migrated database with Jakarta loaded."""
    folder: Path = tmp_path_factory.mktemp(f"live-{db_kind}")
    with temporary_database(db_kind, folder) as url:
        settings = Settings(
            database_url=url,
            media_dir=folder / "media",
            nlu_model_dir=folder / "nlu",
            region="jakarta",
            embedded_worker=False,
            demo_roster=True,
        )
        prepare_database(settings)
        db = Database(url)
        app = create_app(settings, db=db, prepare=False)
        server = BackgroundServer(app, lifespan=True, start_timeout=120)
        server.start()
        settings.base_url = server.url
        try:
            yield LiveSite(url=server.url, settings=settings, db=db)
        finally:
            server.stop()
            db.dispose()
