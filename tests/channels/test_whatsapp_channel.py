"""The WhatsApp (Twilio) adapter against the fake Twilio server, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from backend.config import Settings
from bots.channels.base import ChannelError
from bots.channels.whatsapp import (
    WhatsAppChannel,
    build_whatsapp_router,
    numbered_choice_text,
)
from bots.messages import Attachment, Button, IncomingMessage, Location, OutgoingMessage
from tests.fakes import fixtures
from tests.fakes.twilio_api import (
    BOT_NUMBER,
    CITIZEN_NUMBER,
    FakeTwilioServer,
    sign_webhook,
    whatsapp_button_params,
    whatsapp_location_params,
    whatsapp_media_params,
    whatsapp_text_params,
)

fake_twilio_server = fixtures.fake_twilio_server
fake_twilio = fixtures.fake_twilio

PUBLIC_BASE = "https://aduan.example.id"  # what Twilio sees; the app itself sits behind a proxy
PUBLIC_WEBHOOK = f"{PUBLIC_BASE}/webhooks/whatsapp"
MAX_PHOTO = 50_000


@pytest.fixture
async def channel(fake_twilio: FakeTwilioServer) -> AsyncIterator[WhatsAppChannel]:
    settings = Settings(**fake_twilio.settings_overrides(), max_photo_bytes=MAX_PHOTO, base_url=PUBLIC_BASE)
    wa = WhatsAppChannel(settings)
    yield wa
    await wa.close()


class RecordingHandler:
    def __init__(self, error: Exception | None = None) -> None:
        self.received: list[IncomingMessage] = []
        self.error = error

    async def __call__(self, message: IncomingMessage) -> None:
        self.received.append(message)
        if self.error is not None:
            raise self.error


def _public_url(request: Request) -> str:
    url = PUBLIC_BASE + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def _webhook_client(channel: WhatsAppChannel, handler: RecordingHandler) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(build_whatsapp_router(channel, handler, _public_url))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


# ---- parsing -------------------------------------------------------------------------------------


async def test_text_message_becomes_incoming_message(channel: WhatsAppChannel) -> None:
    params = whatsapp_text_params("Ada pohon tumbang di Jl. Sudirman", message_sid="SM" + "a" * 32)

    incoming = await channel.parse_form(params)

    assert incoming == IncomingMessage(
        channel="whatsapp",
        chat_id=CITIZEN_NUMBER,
        platform_message_id="SM" + "a" * 32,
        display_name="Siti Aminah",
        text="Ada pohon tumbang di Jl. Sudirman",
    )


async def test_shared_place_becomes_location_with_its_name(channel: WhatsAppChannel) -> None:
    params = whatsapp_location_params(
        -6.2088, 106.8456, address="Jl. Jend. Sudirman, Jakarta", label="Halte Dukuh Atas"
    )

    incoming = await channel.parse_form(params)

    assert incoming is not None
    assert incoming.location == Location(-6.2088, 106.8456, "Halte Dukuh Atas, Jl. Jend. Sudirman, Jakarta")
    assert incoming.text is None


async def test_pin_without_address_is_a_bare_location(channel: WhatsAppChannel) -> None:
    incoming = await channel.parse_form(whatsapp_location_params(-6.2, 106.8))

    assert incoming is not None
    assert incoming.location == Location(-6.2, 106.8)


async def test_image_is_downloaded_with_account_credentials(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    url = fake_twilio.add_media(b"\xff\xd8\xff the citizen's jpeg", "image/jpeg", name="ME0001")
    params = whatsapp_media_params([(url, "image/jpeg")], body="Sampah di got")

    incoming = await channel.parse_form(params)

    assert incoming is not None
    assert [(p.data, p.content_type, p.filename) for p in incoming.photos] == [
        (b"\xff\xd8\xff the citizen's jpeg", "image/jpeg", "ME0001.jpg")
    ]
    assert incoming.text == "Sampah di got"
    assert fake_twilio.media_downloads == ["ME0001"]  # through Twilio's redirect to storage


async def test_media_url_refuses_a_download_without_credentials(fake_twilio: FakeTwilioServer) -> None:
    url = fake_twilio.add_media(b"secret", "image/jpeg")

    async with httpx.AsyncClient(follow_redirects=True) as client:
        response = await client.get(url)

    assert response.status_code == 401


async def test_image_over_the_limit_is_dropped(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    url = fake_twilio.add_media(b"x" * (MAX_PHOTO + 1), "image/jpeg")

    incoming = await channel.parse_form(whatsapp_media_params([(url, "image/jpeg")]))

    assert incoming is not None
    assert incoming.photo_too_large
    assert incoming.photos == []


@pytest.mark.parametrize(
    ("content_type", "attachment"),
    [
        ("audio/ogg", Attachment.VOICE),
        ("video/mp4", Attachment.VIDEO),
        ("application/pdf", Attachment.DOCUMENT),
        ("image/webp", Attachment.STICKER),
        ("text/vcard", Attachment.CONTACT),
    ],
)
async def test_non_image_media_becomes_an_attachment_without_download(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer, content_type: str, attachment: Attachment
) -> None:
    url = fake_twilio.add_media(b"...", content_type)

    incoming = await channel.parse_form(whatsapp_media_params([(url, content_type)]))

    assert incoming is not None
    assert incoming.attachments == [attachment]
    assert incoming.photos == []
    assert fake_twilio.media_downloads == []


async def test_template_quick_reply_gives_button_value(channel: WhatsAppChannel) -> None:
    incoming = await channel.parse_form(whatsapp_button_params("Terima", "terima:JKT-0001"))

    assert incoming is not None
    assert incoming.button_value == "terima:JKT-0001"


async def test_status_callback_is_not_a_message(channel: WhatsAppChannel) -> None:
    params = whatsapp_text_params("")
    params["MessageStatus"] = "delivered"

    assert await channel.parse_form(params) is None


# ---- sending -------------------------------------------------------------------------------------


async def test_send_text_through_the_messages_api(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    result = await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Laporan diterima."))

    (sent,) = fake_twilio.messages
    assert (sent.to, sent.from_, sent.body, sent.media_urls) == (
        CITIZEN_NUMBER,
        BOT_NUMBER,
        "Laporan diterima.",
        [],
    )
    assert result.platform_message_id == sent.sid
    assert sent.sid.startswith("SM")


async def test_choices_are_numbered_in_the_text(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    buttons = [Button("Banjir", "cat:banjir"), Button("Sampah", "cat:sampah"), Button("Lainnya", "cat:lain")]

    await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Apa masalahnya?", buttons=buttons))

    assert fake_twilio.messages[0].body == (
        "Apa masalahnya?\n\n1. Banjir\n2. Sampah\n3. Lainnya\nBalas dengan angka."
    )


async def test_location_request_explains_the_attachment_menu(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    await channel.send(
        OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Di mana lokasinya?", request_location=True)
    )

    body = fake_twilio.messages[0].body
    assert body is not None
    assert body.startswith("Di mana lokasinya?\n\n")
    assert "📎" in body


async def test_image_goes_as_absolute_public_media_url(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    message = OutgoingMessage(
        "whatsapp", CITIZEN_NUMBER, "Laporan JKT-0001", image_path="ab/abc.jpg", image_url="/media/ab/abc.jpg"
    )

    await channel.send(message)

    (sent,) = fake_twilio.messages
    assert sent.media_urls == [f"{PUBLIC_BASE}/media/ab/abc.jpg"]
    assert sent.body == "Laporan JKT-0001"


async def test_chat_id_without_prefix_is_still_a_whatsapp_address(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    await channel.send(OutgoingMessage("whatsapp", "+6281299990000", "Halo"))

    assert fake_twilio.messages[0].to == "whatsapp:+6281299990000"


async def test_body_over_1600_characters_is_split(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    text = "\n".join(f"Baris {i:03d} " + "y" * 50 for i in range(60))  # ~3,600 characters

    result = await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, text))

    bodies = [m.body or "" for m in fake_twilio.messages]
    assert len(bodies) == 3
    assert all(len(b) <= 1600 for b in bodies)
    assert "\n".join(bodies) == text
    assert result.platform_message_id == fake_twilio.messages[-1].sid


async def test_template_carries_content_sid_and_variables(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    result = await channel.send_template(CITIZEN_NUMBER, "HX" + "b" * 32, {"1": "JKT-0001", "2": "Selesai"})

    (sent,) = fake_twilio.messages
    assert sent.content_sid == "HX" + "b" * 32
    assert json.loads(sent.content_variables or "") == {"1": "JKT-0001", "2": "Selesai"}
    assert sent.body is None
    assert result.platform_message_id == sent.sid


async def test_429_becomes_retry_after(channel: WhatsAppChannel, fake_twilio: FakeTwilioServer) -> None:
    fake_twilio.fail_next(status=429, retry_after=5)

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Halo"))

    assert caught.value.retry_after == 5
    assert not caught.value.permanent
    assert fake_twilio.messages == []


async def test_429_without_retry_after_header_still_asks_to_wait(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    fake_twilio.fail_next(status=429)

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Halo"))

    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 0


async def test_client_error_is_permanent(channel: WhatsAppChannel, fake_twilio: FakeTwilioServer) -> None:
    fake_twilio.fail_next(status=400, code=63016, message="Outside the allowed window")

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Halo"))

    assert caught.value.permanent
    assert "63016" in str(caught.value)


async def test_server_error_is_transient(channel: WhatsAppChannel, fake_twilio: FakeTwilioServer) -> None:
    fake_twilio.fail_next(status=500)

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Halo"))

    assert not caught.value.permanent
    assert caught.value.retry_after is None


async def test_wrong_credentials_are_permanent(fake_twilio: FakeTwilioServer) -> None:
    overrides = {**fake_twilio.settings_overrides(), "twilio_auth_token": "not-the-token"}
    wa = WhatsAppChannel(Settings(**overrides))
    try:
        with pytest.raises(ChannelError) as caught:
            await wa.send(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Halo"))
    finally:
        await wa.close()

    assert caught.value.permanent


def test_numbered_choice_text_without_choices_is_the_text() -> None:
    assert numbered_choice_text(OutgoingMessage("whatsapp", CITIZEN_NUMBER, "Halo")) == "Halo"


# ---- webhook -------------------------------------------------------------------------------------


async def test_signed_webhook_is_handled_and_answered_with_empty_twiml(channel: WhatsAppChannel) -> None:
    handler = RecordingHandler()
    signed = sign_webhook(
        PUBLIC_WEBHOOK, whatsapp_text_params("Jalan berlubang", message_sid="SM" + "c" * 32)
    )
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=signed.params, headers=signed.headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    assert [(m.platform_message_id, m.text) for m in handler.received] == [
        ("SM" + "c" * 32, "Jalan berlubang")
    ]


async def test_signed_location_webhook_is_handled(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    handler = RecordingHandler()
    signed = fake_twilio.inbound(PUBLIC_WEBHOOK, whatsapp_location_params(-6.19, 106.82, label="Monas"))
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=signed.params, headers=signed.headers)

    assert response.status_code == 200
    assert handler.received[0].location == Location(-6.19, 106.82, "Monas")


async def test_signed_image_webhook_downloads_the_photo(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    handler = RecordingHandler()
    url = fake_twilio.add_media(b"\xff\xd8 jpeg bytes", "image/jpeg")
    signed = fake_twilio.inbound(PUBLIC_WEBHOOK, whatsapp_media_params([(url, "image/jpeg")]))
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=signed.params, headers=signed.headers)

    assert response.status_code == 200
    assert [p.data for p in handler.received[0].photos] == [b"\xff\xd8 jpeg bytes"]


async def test_forged_signature_is_refused(channel: WhatsAppChannel) -> None:
    handler = RecordingHandler()
    signed = sign_webhook(PUBLIC_WEBHOOK, whatsapp_text_params("halo"), auth_token="somebody-elses-token")
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=signed.params, headers=signed.headers)

    assert response.status_code == 403
    assert handler.received == []


async def test_tampered_form_is_refused(channel: WhatsAppChannel, fake_twilio: FakeTwilioServer) -> None:
    handler = RecordingHandler()
    signed = fake_twilio.inbound(PUBLIC_WEBHOOK, whatsapp_text_params("halo"))
    tampered = {**signed.params, "From": "whatsapp:+6289999999999"}
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=tampered, headers=signed.headers)

    assert response.status_code == 403
    assert handler.received == []


async def test_signature_for_another_url_is_refused(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    handler = RecordingHandler()
    signed = fake_twilio.inbound("https://evil.example.com/webhooks/whatsapp", whatsapp_text_params("halo"))
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=signed.params, headers=signed.headers)

    assert response.status_code == 403
    assert handler.received == []


async def test_missing_signature_is_refused(channel: WhatsAppChannel) -> None:
    handler = RecordingHandler()
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=whatsapp_text_params("halo"))

    assert response.status_code == 403
    assert handler.received == []


async def test_webhook_answers_500_when_the_handler_fails(
    channel: WhatsAppChannel, fake_twilio: FakeTwilioServer
) -> None:
    handler = RecordingHandler(error=RuntimeError("database is down"))
    signed = fake_twilio.inbound(PUBLIC_WEBHOOK, whatsapp_text_params("halo"))
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/whatsapp", data=signed.params, headers=signed.headers)

    assert response.status_code == 500
    assert len(handler.received) == 1
