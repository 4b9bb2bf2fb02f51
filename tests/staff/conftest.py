"""A live staff app for the browser tests: the whole app (lifespan on, so the web chat answers) over
real HTTP on 127.0.0.1, with its own migrated database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from backend.bootstrap import prepare_database
from backend.config import Settings
from backend.db import Database
from backend.main import create_app
from tests.dbs import temporary_database


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
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        settings.base_url = f"http://127.0.0.1:{port}"
        app = create_app(settings, db=db, prepare=False)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 120  # the first start trains the NLU model
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        try:
            yield LiveApp(url=settings.base_url, settings=settings, db=db)
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            db.dispose()
