"""The officials' loop across platforms: an official on Telegram, a citizen on WhatsApp, through the fakes."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.config import Settings
from backend.db import Database
from backend.main import create_app
from backend.officials.service import create_invite, require_unit
from backend.reports.service import get_by_ticket
from tests.dialog.live import wait_for
from tests.fakes import telegram_updates as tg
from tests.fakes import twilio_api as tw
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.twilio_api import FakeTwilioServer
from tests.images import jpeg

SECRET = "platform-secret"
BASE_URL = "https://aduan.example.id"


@pytest.fixture
def both(
    own_database_url: str,
    tmp_path: Path,
    nlu_model_dir: Path,
    fake_telegram: FakeTelegramServer,
    fake_twilio: FakeTwilioServer,
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=own_database_url,
        media_dir=tmp_path / "media",
        nlu_model_dir=nlu_model_dir,
        base_url=BASE_URL,
        telegram_webhook_secret=SECRET,
        embedded_worker=True,
        chat_burst=10,
        **fake_telegram.settings_overrides(),
        **fake_twilio.settings_overrides(),
    )
    with TestClient(create_app(settings, prepare=False)) as client:
        yield client


def telegram_texts(fake: FakeTelegramServer, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text") or c.params.get("caption") or "")
        for c in fake.sent()
        if str(c.params.get("chat_id")) == str(chat_id)
    ]


def whatsapp_texts(fake: FakeTwilioServer, number: str) -> list[str]:
    return [m.body or "" for m in fake.messages if m.to == number]


def test_official_on_telegram_citizen_on_whatsapp(
    both: TestClient, own_database_url: str, fake_telegram: FakeTelegramServer, fake_twilio: FakeTwilioServer
) -> None:
    db = Database(own_database_url)
    with db.session() as session:
        code = create_invite(
            session,
            unit=require_unit(session, region="jakarta", name="Kelurahan Bangka"),
            role="lurah",
            name="Lurah Bangka",
        )
    db.dispose()
    lurah = tg.user(user_id=881000000 + uuid.uuid4().int % 100000, first_name="Lurah")
    lurah_id = lurah["id"]

    def telegram(update: dict) -> None:
        response = both.post("/webhooks/telegram", json=update, headers=tg.webhook_headers(SECRET))
        assert response.status_code == 200

    citizen = f"whatsapp:+62813{uuid.uuid4().int % 10**8:08d}"

    def whatsapp(params: dict) -> None:
        signed = fake_twilio.inbound(f"{BASE_URL}/webhooks/whatsapp", params)
        assert both.post("/webhooks/whatsapp", data=params, headers=signed.headers).status_code == 200

    def sid() -> str:
        return f"SM{uuid.uuid4().hex}"

    telegram(tg.text_update(f"/start {code}", from_user=lurah))  # Telegram's deep link
    assert "Selamat bergabung" in wait_for(lambda: telegram_texts(fake_telegram, lurah_id))[-1]

    media = fake_twilio.add_media(jpeg(), "image/jpeg")
    whatsapp(
        tw.whatsapp_media_params(
            [(media, "image/jpeg")],
            body="sampah numpuk di kel. bangka udah seminggu",
            from_=citizen,
            message_sid=sid(),
        )
    )
    wait_for(lambda: whatsapp_texts(fake_twilio, citizen))
    whatsapp(tw.whatsapp_text_params("1", from_=citizen, message_sid=sid()))  # 1. Kirim
    ticket = wait_for(lambda: [t for t in whatsapp_texts(fake_twilio, citizen) if "Nomor tiket" in t])[0]
    ticket = ticket.split("Nomor tiket: ")[1].split()[0]

    notice = wait_for(
        lambda: [
            c
            for c in fake_telegram.sent()
            if str(c.params.get("chat_id")) == str(lurah_id)
            and ticket in str(c.params.get("text") or c.params.get("caption") or "")
        ]
    )[0]
    markup = str(notice.params.get("reply_markup"))
    assert f"off:terima:{ticket}" in markup and f"off:tolak:{ticket}" in markup
    telegram(tg.callback_update(f"off:terima:{ticket}", from_user=lurah))
    wait_for(lambda: any("diterima Kelurahan Bangka" in t for t in whatsapp_texts(fake_twilio, citizen)))

    telegram(tg.text_update(f"balas {ticket} di depan rumah nomor berapa?", from_user=lurah))
    wait_for(lambda: any("nomor berapa" in t for t in whatsapp_texts(fake_twilio, citizen)))
    whatsapp(tw.whatsapp_text_params("depan rumah nomor 12", from_=citizen, message_sid=sid()))
    wait_for(lambda: any("nomor 12" in t for t in telegram_texts(fake_telegram, lurah_id)))

    telegram(tg.text_update(f"selesai {ticket} sudah diangkut", from_user=lurah))
    photo = fake_telegram.add_file(jpeg(color="green"))
    telegram(tg.photo_update([tg.photo_size(photo, 64, 48)], from_user=lurah))
    wait_for(lambda: any("Foto hasil dilampirkan" in t for t in telegram_texts(fake_telegram, lurah_id)))
    done = wait_for(lambda: [t for t in whatsapp_texts(fake_twilio, citizen) if "dinyatakan selesai" in t])[0]
    assert "1." in done and "2." in done  # Sudah beres / Belum beres, numbered
    whatsapp(tw.whatsapp_text_params("1", from_=citizen, message_sid=sid()))  # fixed
    wait_for(lambda: any("Beri nilai" in t for t in whatsapp_texts(fake_twilio, citizen)))
    whatsapp(tw.whatsapp_text_params("4", from_=citizen, message_sid=sid()))  # the 4th button: 4/5
    wait_for(lambda: any("4/5" in t for t in telegram_texts(fake_telegram, lurah_id)))

    db = Database(own_database_url)
    with db.session() as session:
        report = get_by_ticket(session, ticket=ticket)
        assert report is not None and report.status == "selesai" and report.rating == 4
        assert len(report.photos) == 2
    db.dispose()
