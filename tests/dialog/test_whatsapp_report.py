"""A whole report over WhatsApp: signed Twilio webhooks in, replies out through the worker to fake Twilio."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.config import Settings
from backend.conversations.models import InboundMessage
from backend.main import create_app
from backend.notifications.models import OutboxMessage
from backend.reports.models import Report
from tests.dialog.live import wait_for
from tests.dialog.test_telegram_report import count
from tests.fakes import twilio_api as tw
from tests.fakes.twilio_api import FakeTwilioServer
from tests.images import jpeg

BASE_URL = "https://aduan.example.id"
WEBHOOK = f"{BASE_URL}/webhooks/whatsapp"


@pytest.fixture
def whatsapp_app(
    own_database_url: str, tmp_path: Path, nlu_model_dir: Path, fake_twilio: FakeTwilioServer
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=own_database_url,
        media_dir=tmp_path / "media",
        nlu_model_dir=nlu_model_dir,
        base_url=BASE_URL,
        embedded_worker=True,
        **fake_twilio.settings_overrides(),
    )
    with TestClient(create_app(settings, prepare=False)) as client:
        yield client


def number() -> str:
    return f"whatsapp:+62812{uuid.uuid4().int % 10**8:08d}"


def sid() -> str:
    return f"SM{uuid.uuid4().hex}"


def post(client: TestClient, fake: FakeTwilioServer, params: dict[str, str], forge: bool = False) -> int:
    signed = fake.inbound(WEBHOOK, params)
    headers = (
        {"X-Twilio-Signature": "forged" + signed.headers["X-Twilio-Signature"][6:]}
        if forge
        else signed.headers
    )
    return client.post("/webhooks/whatsapp", data=params, headers=headers).status_code


def bodies_to(fake: FakeTwilioServer, to: str) -> list[str]:
    return [m.body or "" for m in fake.messages if m.to == to]


def test_a_whole_report_over_whatsapp(
    whatsapp_app: TestClient, fake_twilio: FakeTwilioServer, own_database_url: str
) -> None:
    me = number()
    assert (
        post(
            whatsapp_app,
            fake_twilio,
            tw.whatsapp_text_params("ada yg parkir liar di trotoar bikin macet", from_=me, message_sid=sid()),
        )
        == 200
    )
    asked = wait_for(lambda: bodies_to(fake_twilio, me))
    if "jenis apa" in asked[-1]:  # the category was not certain: pick it by its number, as a person would
        line = next(x for x in asked[-1].splitlines() if "Parkir liar" in x)
        assert (
            post(
                whatsapp_app,
                fake_twilio,
                tw.whatsapp_text_params(line.split(".")[0], from_=me, message_sid=sid()),
            )
            == 200
        )
        asked = wait_for(lambda: bodies_to(fake_twilio, me)[1:])
    assert "lokasi" in asked[-1].lower()
    assert (
        post(
            whatsapp_app,
            fake_twilio,
            tw.whatsapp_location_params(-6.1754, 106.8272, from_=me, message_sid=sid()),
        )
        == 200
    )
    wait_for(
        lambda: (
            "Ceritakan" in bodies_to(fake_twilio, me)[-1] or "Kirim foto" in bodies_to(fake_twilio, me)[-1]
        )
    )
    media_url = fake_twilio.add_media(jpeg(), "image/jpeg")
    assert (
        post(
            whatsapp_app,
            fake_twilio,
            tw.whatsapp_media_params([(media_url, "image/jpeg")], from_=me, message_sid=sid()),
        )
        == 200
    )
    summary = wait_for(lambda: [b for b in bodies_to(fake_twilio, me) if "Periksa laporan" in b])[0]
    # WhatsApp has no inline buttons: the choices are numbered and a digit picks one.
    assert "1." in summary and "Kirim" in summary
    assert fake_twilio.media_downloads, "the photo is downloaded with the account's credentials"
    assert post(whatsapp_app, fake_twilio, tw.whatsapp_text_params("1", from_=me, message_sid=sid())) == 200
    done = wait_for(lambda: [b for b in bodies_to(fake_twilio, me) if "Nomor tiket" in b])[0]
    ticket = done.split("Nomor tiket: ")[1].split()[0]
    assert (
        count(
            own_database_url,
            Report,
            Report.ticket == ticket,
            Report.reporter_chat_id == me,
            Report.category == "parkir_liar",
        )
        == 1
    )


def test_forged_twilio_signature_is_refused_and_nothing_is_stored(
    whatsapp_app: TestClient, fake_twilio: FakeTwilioServer, own_database_url: str
) -> None:
    me, message_sid = number(), sid()
    params = tw.whatsapp_text_params("banjir di kel. bangka", from_=me, message_sid=message_sid)
    assert post(whatsapp_app, fake_twilio, params, forge=True) == 403
    assert whatsapp_app.post("/webhooks/whatsapp", data=params).status_code == 403
    assert count(own_database_url, InboundMessage, InboundMessage.platform_message_id == message_sid) == 0
    assert bodies_to(fake_twilio, me) == []


def test_a_retried_twilio_webhook_changes_nothing(
    whatsapp_app: TestClient, fake_twilio: FakeTwilioServer, own_database_url: str
) -> None:
    me = number()
    media_url = fake_twilio.add_media(jpeg(), "image/jpeg")
    first = tw.whatsapp_media_params(
        [(media_url, "image/jpeg")],
        body="sampah numpuk di kel. bangka udah seminggu",
        from_=me,
        message_sid=sid(),
    )
    assert post(whatsapp_app, fake_twilio, first) == 200
    assert post(whatsapp_app, fake_twilio, first) == 200
    send = tw.whatsapp_text_params("1", from_=me, message_sid=sid())
    assert post(whatsapp_app, fake_twilio, send) == 200
    assert post(whatsapp_app, fake_twilio, send) == 200
    wait_for(lambda: [b for b in bodies_to(fake_twilio, me) if "Nomor tiket" in b])
    wait_for(
        lambda: (
            count(
                own_database_url, OutboxMessage, OutboxMessage.chat_id == me, OutboxMessage.status != "sent"
            )
            == 0
        )
    )
    assert len(bodies_to(fake_twilio, me)) == 2
    assert count(own_database_url, Report, Report.reporter_chat_id == me) == 1
