"""A live staff app for the browser tests: the whole app (lifespan on, so the web chat answers) over
real HTTP on 127.0.0.1, with its own migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.bootstrap import prepare_database
from backend.config import Settings
from backend.db import Database
from backend.main import create_app
from tests.dbs import temporary_database
from tests.fakes.http_server import BackgroundServer


@dataclass
class LiveApp:
    url: str
    settings: Settings
    db: Database


@pytest.fixture(scope="module")
def live_app(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory, nlu_model_dir: Path
) -> Iterator[LiveApp]:
    folder = tmp_path_factory.mktemp(f"staff-live-{db_kind}")
    with temporary_database(db_kind, folder) as url:
        settings = Settings(
            database_url=url,
            media_dir=folder / "media",
            nlu_model_dir=nlu_model_dir,
            region="jakarta",
            embedded_worker=False,
            demo_roster=True,
        )
        prepare_database(settings)
        db = Database(url)
        # The first start trains the NLU model: a long start-up timeout.
        server = BackgroundServer(
            create_app(settings, db=db, prepare=False), lifespan=True, start_timeout=120
        )
        server.start()
        settings.base_url = server.url
        try:
            yield LiveApp(url=server.url, settings=settings, db=db)
        finally:
            server.stop()
            db.dispose()
