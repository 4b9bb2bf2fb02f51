"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432, user postgres)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.orm import Session

from backend.bootstrap import prepare_database
from backend.config import Settings, get_settings
from backend.db import Database
from backend.main import create_app
from backend.wiring import install_report_hooks
from tests.browser import ARGS, CHROMIUM
from tests.dbs import ConnectionDatabase, temporary_database

DB_KINDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def nlu_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-model")


@pytest.fixture(scope="session", params=DB_KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per kind for the whole run, with Jakarta and the demo roster loaded."""
    with temporary_database(db_kind, tmp_path_factory.mktemp(db_kind)) as url:
        prepare_database(Settings(database_url=url, region="jakarta", demo_roster=True))
        yield url


@pytest.fixture(scope="module")
def own_database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A prepared database for one test module whose app commits for real (webhooks with the embedded
    worker), so that what it leaves behind never reaches the shared database of the other tests."""
    with temporary_database(db_kind, tmp_path_factory.mktemp(f"own-{db_kind}")) as url:
        prepare_database(Settings(database_url=url, region="jakarta", demo_roster=True))
        yield url


@pytest.fixture(scope="session")
def prepared_db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def report_hooks(tmp_path: Path) -> None:
    """Deadlines and notifications follow every report change, as in the app."""
    install_report_hooks(Settings(base_url="http://testserver", media_dir=tmp_path / "media"))


@pytest.fixture
def test_db(prepared_db: Database) -> Iterator[ConnectionDatabase]:
    connection = prepared_db.engine.connect()
    outer = connection.begin()
    try:
        yield ConnectionDatabase(connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(test_db: ConnectionDatabase) -> Iterator[Session]:
    with test_db.session() as s:
        yield s


@pytest.fixture
def settings(database_url: str, tmp_path: Path, nlu_model_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        nlu_model_dir=nlu_model_dir,
        base_url="http://testserver",
        region="jakarta",
        embedded_worker=False,
    )


@pytest.fixture
def app(settings: Settings, test_db: ConnectionDatabase) -> FastAPI:
    return create_app(settings, db=test_db, prepare=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def fresh_database_url(db_kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the run's current kind, for tests whose code commits (CLI, workers)."""
    with temporary_database(db_kind, tmp_path) as url:
        yield url


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, fresh_database_url: str, tmp_path: Path, nlu_model_dir: Path
) -> str:
    """Point the `aduan` command at a fresh database through its ADUAN_ settings."""
    monkeypatch.setenv("ADUAN_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("ADUAN_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("ADUAN_NLU_MODEL_DIR", str(nlu_model_dir))
    monkeypatch.setenv("ADUAN_REGION", "jakarta")
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's package, which `make test` installs), one per browser-test module.

    Not one per run: Playwright's sync API holds an event loop open on this thread while it lives, and
    the other tests (TestClient, pytest-asyncio) need to run their own."""
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's chromium: apt-get install -y chromium chromium-driver")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


# The fake Telegram Bot API and Twilio servers (real HTTP on 127.0.0.1).
from tests.fakes.fixtures import fake_telegram, fake_telegram_server, fake_twilio, fake_twilio_server  # noqa: E402

__all__ = ["fake_telegram", "fake_telegram_server", "fake_twilio", "fake_twilio_server"]
