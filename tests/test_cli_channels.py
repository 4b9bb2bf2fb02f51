"""The channel commands, against the fake platform servers: set-webhook, poll, and the worker process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.bootstrap import prepare_database
from backend.config import Settings
from backend.conversations.service import send_to_chat
from backend.db import Database
from backend.main import create_app  # noqa: F401 - the app must import without channel settings
from tests.dialog.live import wait_for
from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_api import FakeTelegramServer

runner = CliRunner()


@pytest.fixture
def telegram_env(cli_env: str, monkeypatch: pytest.MonkeyPatch, fake_telegram: FakeTelegramServer) -> str:
    for key, value in fake_telegram.settings_overrides().items():
        monkeypatch.setenv(f"ADUAN_{key.upper()}", str(value))
    monkeypatch.setenv("ADUAN_TELEGRAM_WEBHOOK_SECRET", "cli-secret")
    monkeypatch.setenv("ADUAN_BASE_URL", "https://aduan.example.id")
    from backend.config import get_settings

    get_settings.cache_clear()
    return cli_env


def aduan(*args: str) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("aduan")
    return subprocess.Popen(
        [str(exe), *args], env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_set_webhook_registers_the_url_and_secret(
    telegram_env: str, fake_telegram: FakeTelegramServer
) -> None:
    from backend.cli import app

    result = runner.invoke(app, ["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    assert fake_telegram.webhook_url == "https://aduan.example.id/webhooks/telegram"
    assert fake_telegram.webhook_secret == "cli-secret"


def test_poll_answers_updates_without_a_webhook(telegram_env: str, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.push_update(tg.text_update("bantuan", from_user=tg.user(user_id=990000001)))
    proc = aduan("telegram", "poll")
    try:
        sent = wait_for(
            lambda: [c for c in fake_telegram.sent() if str(c.params.get("chat_id")) == "990000001"],
            timeout=90,
            interval=0.2,
        )
        assert "cek KODE" in str(sent[0].params["text"])
        assert fake_telegram.calls_to("deleteWebhook")
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_the_worker_process_sends_the_outbox(telegram_env: str, fake_telegram: FakeTelegramServer) -> None:
    settings = Settings()
    prepare_database(settings)
    db = Database(settings.database_url)
    with db.session() as session:
        for n in range(5):
            send_to_chat(session, channel="telegram", chat_id="990000002", text=f"pesan {n}")
    proc = aduan("worker")
    try:
        wait_for(
            lambda: (
                len([c for c in fake_telegram.sent() if str(c.params.get("chat_id")) == "990000002"]) == 5
            ),
            timeout=60,
            interval=0.2,
        )
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0  # SIGTERM stops it cleanly
        db.dispose()
    texts = sorted(
        str(c.params["text"]) for c in fake_telegram.sent() if str(c.params.get("chat_id")) == "990000002"
    )
    assert texts == [f"pesan {n}" for n in range(5)]


def test_the_worker_needs_a_channel(cli_env: str) -> None:
    from backend.cli import app

    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2 and "no push channel" in result.output
