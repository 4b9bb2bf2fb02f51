"""A whole report over Telegram: webhook in, replies out through the worker to a fake Bot API server."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.config import Settings
from backend.conversations.models import InboundMessage
from backend.db import Database
from backend.main import create_app
from backend.notifications.models import OutboxMessage
from backend.reports.models import Report
from tests.dialog.live import wait_for
from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_api import FakeTelegramServer
from tests.images import jpeg

SECRET = "webhook-secret-for-tests"


@pytest.fixture
def telegram_app(
    own_database_url: str, tmp_path: Path, nlu_model_dir: Path, fake_telegram: FakeTelegramServer
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=own_database_url,
        media_dir=tmp_path / "media",
        nlu_model_dir=nlu_model_dir,
        telegram_webhook_secret=SECRET,
        embedded_worker=True,
        **fake_telegram.settings_overrides(),
    )
    with TestClient(create_app(settings, prepare=False)) as client:
        yield client


def post(client: TestClient, update: dict[str, Any], secret: str = SECRET) -> int:
    return client.post("/webhooks/telegram", json=update, headers=tg.webhook_headers(secret)).status_code


def texts_to(fake: FakeTelegramServer, chat_id: int, start: int = 0) -> list[str]:
    calls = [c for c in fake.sent() if str(c.params.get("chat_id")) == str(chat_id)]
    return [str(c.params.get("text") or c.params.get("caption") or "") for c in calls[start:]]


def count(url: str, model: Any, *conditions: Any) -> int:
    db = Database(url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    finally:
        db.dispose()


def test_a_whole_report_over_telegram(
    telegram_app: TestClient, fake_telegram: FakeTelegramServer, own_database_url: str
) -> None:
    citizen = tg.user(user_id=880000001, first_name="Rina")
    assert post(telegram_app, tg.text_update("ada pohon tumbang nutup jalan", from_user=citizen)) == 200
    wait_for(lambda: texts_to(fake_telegram, 880000001))
    ask = fake_telegram.sent()[-1]
    assert "lokasi" in str(ask.params["text"]).lower()
    assert "request_location" in str(ask.params.get("reply_markup"))

    assert post(telegram_app, tg.location_update(-6.2443, 106.8003, from_user=citizen)) == 200
    wait_for(lambda: len(texts_to(fake_telegram, 880000001)) >= 2)
    assert "Kirim foto" in texts_to(fake_telegram, 880000001)[-1]  # the first message already described it
    photo = fake_telegram.add_file(jpeg(800, 600))
    small = fake_telegram.add_file(jpeg(80, 60))
    update = tg.photo_update(
        [tg.photo_size(small, 80, 60), tg.photo_size(photo, 800, 600)], from_user=citizen
    )
    assert post(telegram_app, update) == 200
    wait_for(lambda: len(texts_to(fake_telegram, 880000001)) >= 3)
    summary = fake_telegram.sent()[-1]
    assert "Periksa laporan" in str(summary.params["text"])
    assert "confirm:send" in str(summary.params.get("reply_markup"))
    assert any(d for d in fake_telegram.downloads if photo.file_path in str(d)), (
        "the largest size is downloaded"
    )

    assert post(telegram_app, tg.callback_update("confirm:send", from_user=citizen)) == 200
    done = wait_for(lambda: [t for t in texts_to(fake_telegram, 880000001) if "Nomor tiket" in t])
    ticket = done[0].split("Nomor tiket: ")[1].split()[0]
    assert (
        count(
            own_database_url,
            Report,
            Report.ticket == ticket,
            Report.reporter_chat_id == "880000001",
            Report.category == "pohon_tumbang",
        )
        == 1
    )


def test_forged_secret_is_refused_and_nothing_is_stored(
    telegram_app: TestClient, own_database_url: str, fake_telegram: FakeTelegramServer
) -> None:
    update = tg.text_update("banjir di kel. bangka", from_user=tg.user(user_id=880000002))
    assert post(telegram_app, update, secret="wrong") == 403
    assert telegram_app.post("/webhooks/telegram", json=update).status_code == 403
    platform_id = str(update["update_id"])
    assert count(own_database_url, InboundMessage, InboundMessage.platform_message_id == platform_id) == 0
    assert texts_to(fake_telegram, 880000002) == []


def test_a_retried_telegram_update_creates_no_second_reply_or_report(
    telegram_app: TestClient, fake_telegram: FakeTelegramServer, own_database_url: str
) -> None:
    citizen = tg.user(user_id=880000003)
    photo = fake_telegram.add_file(jpeg())
    first = tg.photo_update(
        [tg.photo_size(photo, 64, 48)],
        caption="sampah numpuk di kel. bangka udah seminggu",
        from_user=citizen,
    )
    assert post(telegram_app, first) == 200
    wait_for(lambda: texts_to(fake_telegram, 880000003))
    assert post(telegram_app, first) == 200  # Telegram retries the same update
    press = tg.callback_update("confirm:send", from_user=citizen)
    assert post(telegram_app, press) == 200
    assert post(telegram_app, press) == 200
    wait_for(lambda: [t for t in texts_to(fake_telegram, 880000003) if "Nomor tiket" in t])
    wait_for(
        lambda: (
            count(
                own_database_url,
                OutboxMessage,
                OutboxMessage.chat_id == "880000003",
                OutboxMessage.status != "sent",
            )
            == 0
        )
    )
    assert len(texts_to(fake_telegram, 880000003)) == 2
    assert count(own_database_url, OutboxMessage, OutboxMessage.chat_id == "880000003") == 2
    assert count(own_database_url, Report, Report.reporter_chat_id == "880000003") == 1


def test_stickers_and_voice_get_a_clear_answer(
    telegram_app: TestClient, fake_telegram: FakeTelegramServer
) -> None:
    citizen = tg.user(user_id=880000004)
    assert post(telegram_app, tg.sticker_update(from_user=citizen)) == 200
    assert "stiker" in wait_for(lambda: texts_to(fake_telegram, 880000004))[0]
    assert post(telegram_app, tg.voice_update(from_user=citizen)) == 200
    assert "pesan suara" in wait_for(lambda: texts_to(fake_telegram, 880000004, start=1))[0]
