"""The Telegram adapter against the fake Bot API server, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from bots.channels.base import ChannelError
from bots.channels.telegram import TelegramChannel, file_base_url
from bots.channels.telegram_inbound import build_telegram_router, run_polling, set_webhook
from bots.messages import Attachment, Button, IncomingMessage, Location, OutgoingMessage
from tests.fakes import fixtures
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_updates import (
    CITIZEN_ID,
    audio_update,
    callback_update,
    contact_update,
    document_update,
    location_update,
    message_update,
    photo_size,
    photo_update,
    sticker_update,
    text_update,
    user,
    venue_update,
    video_update,
    voice_update,
    webhook_headers,
)

fake_telegram_server = fixtures.fake_telegram_server
fake_telegram = fixtures.fake_telegram

SECRET = "s3cret-Token_value"
MAX_PHOTO = 50_000


@pytest.fixture
async def channel(fake_telegram: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[TelegramChannel]:
    settings = Settings(
        **fake_telegram.settings_overrides(), max_photo_bytes=MAX_PHOTO, media_dir=tmp_path / "media"
    )
    tg = TelegramChannel(settings)
    yield tg
    await tg.close()


class RecordingHandler:
    def __init__(self, error: Exception | None = None) -> None:
        self.received: list[IncomingMessage] = []
        self.error = error

    async def __call__(self, message: IncomingMessage) -> None:
        self.received.append(message)
        if self.error is not None:
            raise self.error


def _webhook_client(channel: TelegramChannel, handler: RecordingHandler) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(build_telegram_router(channel, handler, SECRET))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


# ---- parsing -------------------------------------------------------------------------------------


async def test_text_message_becomes_incoming_message_keyed_by_update_id(channel: TelegramChannel) -> None:
    update = text_update("Ada banjir di Kampung Melayu", update_id=900_001, message_id=42)

    incoming = await channel.parse_update(update)

    assert incoming == IncomingMessage(
        channel="telegram",
        chat_id=str(CITIZEN_ID),
        platform_message_id="900001",
        display_name="Budi Santoso",
        language_hint="id",
        text="Ada banjir di Kampung Melayu",
    )


async def test_start_deep_link_arrives_as_text(channel: TelegramChannel) -> None:
    incoming = await channel.parse_update(text_update("/start AB12CD"))

    assert incoming is not None
    assert incoming.text == "/start AB12CD"


async def test_english_speaker_gets_language_hint(channel: TelegramChannel) -> None:
    sender = user(first_name="Anna", last_name=None, language_code="en")
    incoming = await channel.parse_update(text_update("pothole here", from_user=sender))

    assert incoming is not None
    assert (incoming.display_name, incoming.language_hint) == ("Anna", "en")


async def test_location_message_becomes_location(channel: TelegramChannel) -> None:
    incoming = await channel.parse_update(location_update(-6.2146, 106.8451))

    assert incoming is not None
    assert incoming.location == Location(-6.2146, 106.8451)
    assert incoming.text is None


async def test_venue_keeps_its_name_and_address(channel: TelegramChannel) -> None:
    update = venue_update(-6.1754, 106.8272, "Monas", "Gambir, Jakarta Pusat")

    incoming = await channel.parse_update(update)

    assert incoming is not None
    assert incoming.location == Location(-6.1754, 106.8272, "Monas, Gambir, Jakarta Pusat")


async def test_photo_largest_size_is_downloaded_with_its_bytes(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    small = fake_telegram.add_file(b"small-thumbnail", file_path="photos/file_1.jpg")
    large = fake_telegram.add_file(b"\xff\xd8\xff\xe0 the large jpeg", file_path="photos/file_2.jpg")
    update = photo_update(
        [photo_size(small, 90, 68), photo_size(large, 1280, 960)], caption="Sampah menumpuk"
    )

    incoming = await channel.parse_update(update)

    assert incoming is not None
    assert [p.data for p in incoming.photos] == [b"\xff\xd8\xff\xe0 the large jpeg"]
    assert incoming.photos[0].content_type == "image/jpeg"
    assert incoming.photos[0].filename == "file_2.jpg"
    assert incoming.text == "Sampah menumpuk"
    assert [c.params["file_id"] for c in fake_telegram.calls_to("getFile")] == [large.file_id]
    assert fake_telegram.downloads == ["photos/file_2.jpg"]


async def test_photo_over_the_limit_is_not_downloaded(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    huge = fake_telegram.add_file(b"pretend", file_size=MAX_PHOTO + 1)
    incoming = await channel.parse_update(photo_update([photo_size(huge, 4000, 3000)]))

    assert incoming is not None
    assert incoming.photo_too_large
    assert incoming.photos == []
    assert fake_telegram.calls_to("getFile") == []
    assert fake_telegram.downloads == []


async def test_photo_whose_file_turns_out_too_large_is_not_downloaded(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    big = fake_telegram.add_file(b"x", file_size=MAX_PHOTO * 2)
    size = photo_size(big, 1280, 960)
    del size["file_size"]  # Telegram may leave the size out of the update

    incoming = await channel.parse_update(photo_update([size]))

    assert incoming is not None
    assert incoming.photo_too_large
    assert fake_telegram.downloads == []


async def test_image_sent_as_file_is_a_photo(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    png = fake_telegram.add_file(b"\x89PNG...", file_path="documents/file_7.png")
    update = document_update("jalan_rusak.png", "image/png", file=png)

    incoming = await channel.parse_update(update)

    assert incoming is not None
    assert [(p.data, p.content_type, p.filename) for p in incoming.photos] == [
        (b"\x89PNG...", "image/png", "jalan_rusak.png")
    ]
    assert incoming.attachments == []


async def test_button_press_gives_value_and_is_answered(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    update = callback_update("cat:banjir", update_id=900_777)

    incoming = await channel.parse_update(update)

    assert incoming is not None
    assert incoming.button_value == "cat:banjir"
    assert incoming.chat_id == str(CITIZEN_ID)
    assert incoming.platform_message_id == "900777"
    assert incoming.language_hint == "id"
    answered = fake_telegram.calls_to("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answered] == [update["callback_query"]["id"]]


async def test_button_press_still_parsed_when_answering_fails(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.fail_next(error_code=400, methods=["answerCallbackQuery"])

    incoming = await channel.parse_update(callback_update("kirim"))

    assert incoming is not None
    assert incoming.button_value == "kirim"


@pytest.mark.parametrize(
    ("update", "attachment"),
    [
        (sticker_update(), Attachment.STICKER),
        (voice_update(), Attachment.VOICE),
        (audio_update(), Attachment.AUDIO),
        (video_update(), Attachment.VIDEO),
        (document_update("laporan.pdf", "application/pdf"), Attachment.DOCUMENT),
        (contact_update(), Attachment.CONTACT),
        (message_update({"dice": {"emoji": "🎲", "value": 3}}), Attachment.OTHER),
    ],
    ids=["sticker", "voice", "audio", "video", "document", "contact", "dice"],
)
async def test_content_the_form_cannot_use_becomes_an_attachment(
    channel: TelegramChannel,
    fake_telegram: FakeTelegramServer,
    update: dict[str, Any],
    attachment: Attachment,
) -> None:
    incoming = await channel.parse_update(update)

    assert incoming is not None
    assert incoming.attachments == [attachment]
    assert incoming.photos == []
    assert fake_telegram.calls_to("getFile") == []


async def test_edited_message_is_ignored(channel: TelegramChannel) -> None:
    update = text_update("ralat")
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = update["edited_message"]["date"]

    assert await channel.parse_update(update) is None


# ---- sending -------------------------------------------------------------------------------------


async def test_send_text_returns_telegram_message_id(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    result = await channel.send(OutgoingMessage("telegram", "777000111", "Laporan diterima."))

    (call,) = fake_telegram.calls_to("sendMessage")
    assert call.params["chat_id"] == "777000111"
    assert call.params["text"] == "Laporan diterima."
    assert "reply_markup" not in call.params
    assert result.platform_message_id is not None
    assert result.platform_message_id.isdigit()


async def test_short_choices_sit_on_one_row_of_inline_buttons(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    buttons = [Button("Kirim", "kirim"), Button("Ubah", "ubah"), Button("Batal", "batal")]
    await channel.send(OutgoingMessage("telegram", "777000111", "Ringkasan laporan", buttons=buttons))

    (call,) = fake_telegram.calls_to("sendMessage")
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Kirim", "callback_data": "kirim"},
                {"text": "Ubah", "callback_data": "ubah"},
                {"text": "Batal", "callback_data": "batal"},
            ]
        ]
    }


async def test_longer_choices_get_one_row_each(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    labels = ["Banjir / genangan", "Sampah", "Jalan rusak", "Lampu jalan mati", "Lainnya"]
    buttons = [Button(label, f"cat:{i}") for i, label in enumerate(labels)]
    await channel.send(OutgoingMessage("telegram", "777000111", "Kategori?", buttons=buttons))

    keyboard = fake_telegram.calls_to("sendMessage")[0].params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [[f"cat:{i}"] for i in range(5)]


async def test_button_value_over_64_bytes_is_refused_before_sending(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    buttons = [Button("Jalan", "j" * 62 + "éé")]  # 64 characters, 66 bytes

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("telegram", "777000111", "Pilih", buttons=buttons))

    assert caught.value.permanent
    assert fake_telegram.calls_to("sendMessage") == []


async def test_location_request_is_a_reply_keyboard(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    await channel.send(OutgoingMessage("telegram", "777000111", "Di mana lokasinya?", request_location=True))

    markup = fake_telegram.calls_to("sendMessage")[0].params["reply_markup"]
    assert markup["keyboard"] == [[{"text": "📍 Kirim lokasi saya", "request_location": True}]]
    assert markup["one_time_keyboard"] is True
    assert markup["resize_keyboard"] is True


async def test_photo_is_uploaded_with_caption_and_buttons(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    (media / "ab").mkdir(parents=True)
    (media / "ab" / "abcdef.jpg").write_bytes(b"\xff\xd8 stored photo")
    message = OutgoingMessage(
        "telegram",
        "777000111",
        "Laporan JKT-0001",
        buttons=[Button("Terima", "terima")],
        image_path="ab/abcdef.jpg",
    )

    result = await channel.send(message)

    (call,) = fake_telegram.calls_to("sendPhoto")
    assert call.files["photo"].data == b"\xff\xd8 stored photo"
    assert call.params["caption"] == "Laporan JKT-0001"
    assert call.params["reply_markup"]["inline_keyboard"] == [[{"text": "Terima", "callback_data": "terima"}]]
    assert fake_telegram.calls_to("sendMessage") == []
    assert result.platform_message_id is not None


async def test_text_too_long_for_a_caption_follows_the_photo(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"jpeg")
    text = "Uraian panjang. " * 100  # 1600 characters > 1024
    message = OutgoingMessage(
        "telegram", "777000111", text, buttons=[Button("Terima", "terima")], image_path=str(photo)
    )

    result = await channel.send(message)

    assert [c.method for c in fake_telegram.sent()] == ["sendPhoto", "sendMessage"]
    photo_call, text_call = fake_telegram.sent()
    assert "caption" not in photo_call.params
    assert text_call.params["text"] == text
    assert "reply_markup" in text_call.params
    assert result.platform_message_id is not None


async def test_text_over_4096_characters_is_split(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    text = "\n".join(f"Baris {i:04d} " + "x" * 40 for i in range(150))  # ~7,500 characters

    await channel.send(OutgoingMessage("telegram", "777000111", text, buttons=[Button("OK", "ok")]))

    calls = fake_telegram.calls_to("sendMessage")
    assert len(calls) == 2
    assert "\n".join(c.params["text"] for c in calls) == text
    assert "reply_markup" not in calls[0].params
    assert "reply_markup" in calls[1].params


async def test_flood_control_429_becomes_retry_after(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.fail_next(retry_after=7)

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("telegram", "777000111", "Halo"))

    assert caught.value.retry_after == 7
    assert not caught.value.permanent
    # the next call goes through
    assert (await channel.send(OutgoingMessage("telegram", "777000111", "Halo"))).platform_message_id


@pytest.mark.parametrize("error_code", [403, 400])
async def test_blocked_bot_or_bad_request_is_permanent(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer, error_code: int
) -> None:
    fake_telegram.fail_next(error_code=error_code)

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("telegram", "777000111", "Halo"))

    assert caught.value.permanent
    assert caught.value.retry_after is None


async def test_server_error_is_transient(channel: TelegramChannel, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.fail_next(error_code=502, description="Bad Gateway")

    with pytest.raises(ChannelError) as caught:
        await channel.send(OutgoingMessage("telegram", "777000111", "Halo"))

    assert not caught.value.permanent


async def test_sending_goes_through_ptb_rate_limiter(channel: TelegramChannel) -> None:
    pytest.importorskip("aiolimiter")
    from telegram.ext import AIORateLimiter

    assert isinstance(channel.bot.rate_limiter, AIORateLimiter)  # type: ignore[attr-defined]


# ---- webhook -------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, webhook_headers("wrong"), webhook_headers(SECRET + "x")])
async def test_webhook_without_the_right_secret_is_refused(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer, headers: dict[str, str]
) -> None:
    handler = RecordingHandler()
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/telegram", json=callback_update("x"), headers=headers)

    assert response.status_code == 403
    assert handler.received == []
    assert fake_telegram.calls == []  # not even parsed: no answerCallbackQuery, no getMe


async def test_webhook_with_the_secret_hands_the_message_over_once(channel: TelegramChannel) -> None:
    handler = RecordingHandler()
    update = text_update("Lampu jalan mati", update_id=123_456)
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/telegram", json=update, headers=webhook_headers(SECRET))

    assert response.status_code == 200
    assert [(m.platform_message_id, m.text) for m in handler.received] == [("123456", "Lampu jalan mati")]


async def test_webhook_answers_500_when_the_handler_fails(channel: TelegramChannel) -> None:
    handler = RecordingHandler(error=RuntimeError("database is down"))
    async with _webhook_client(channel, handler) as client:
        response = await client.post(
            "/webhooks/telegram", json=text_update("halo"), headers=webhook_headers(SECRET)
        )

    assert response.status_code == 500
    assert len(handler.received) == 1


async def test_webhook_ignores_updates_outside_a_conversation(channel: TelegramChannel) -> None:
    handler = RecordingHandler()
    update = {"update_id": 5, "my_chat_member": None}
    async with _webhook_client(channel, handler) as client:
        response = await client.post("/webhooks/telegram", json=update, headers=webhook_headers(SECRET))

    assert response.status_code == 200
    assert handler.received == []


async def test_webhook_refuses_a_body_that_is_not_an_update(channel: TelegramChannel) -> None:
    handler = RecordingHandler()
    async with _webhook_client(channel, handler) as client:
        response = await client.post(
            "/webhooks/telegram", content=b"not json", headers=webhook_headers(SECRET)
        )

    assert response.status_code == 400
    assert handler.received == []


async def test_empty_configured_secret_refuses_everything(channel: TelegramChannel) -> None:
    handler = RecordingHandler()
    app = FastAPI()
    app.include_router(build_telegram_router(channel, handler, ""))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/webhooks/telegram", json=text_update("x"), headers=webhook_headers(""))

    assert response.status_code == 403
    assert handler.received == []


# ---- webhook registration and polling ----------------------------------------------------------------


async def test_set_webhook_registers_url_and_secret(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    await set_webhook(channel, "https://aduan.example.id/webhooks/telegram", SECRET)

    assert fake_telegram.webhook_url == "https://aduan.example.id/webhooks/telegram"
    assert fake_telegram.webhook_secret == SECRET
    (call,) = fake_telegram.calls_to("setWebhook")
    assert call.params["allowed_updates"] == ["message", "callback_query"]


async def test_polling_deletes_the_webhook_and_delivers_updates_in_order(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    await set_webhook(channel, "https://aduan.example.id/webhooks/telegram", SECRET)
    fake_telegram.push_update(
        text_update("satu", update_id=700_001),
        callback_update("cat:sampah", update_id=700_002),
        location_update(-6.2, 106.8, update_id=700_003),
    )
    stop = asyncio.Event()
    received: list[IncomingMessage] = []

    async def handle(message: IncomingMessage) -> None:
        received.append(message)
        if len(received) == 3:
            stop.set()

    await asyncio.wait_for(run_polling(channel, handle, stop=stop, poll_timeout=1), timeout=10)

    assert [m.platform_message_id for m in received] == ["700001", "700002", "700003"]
    assert received[1].button_value == "cat:sampah"
    assert fake_telegram.webhook_url is None
    assert fake_telegram.calls_to("deleteWebhook")
    offsets = [c.params.get("offset") for c in fake_telegram.calls_to("getUpdates")]
    assert offsets[0] is None


async def test_polling_confirms_handled_updates_with_the_offset(
    channel: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.push_update(text_update("a", update_id=800_001))
    stop = asyncio.Event()
    seen: list[str] = []

    async def handle(message: IncomingMessage) -> None:
        seen.append(message.platform_message_id)
        if message.platform_message_id == "800002":
            stop.set()
        else:
            fake_telegram.push_update(text_update("b", update_id=800_002))

    await asyncio.wait_for(run_polling(channel, handle, stop=stop, poll_timeout=1), timeout=10)

    assert seen == ["800001", "800002"]
    offsets = [c.params.get("offset") for c in fake_telegram.calls_to("getUpdates")]
    assert "800002" in offsets


async def test_polling_stops_promptly_while_waiting(channel: TelegramChannel) -> None:
    stop = asyncio.Event()

    async def handle(message: IncomingMessage) -> None:
        raise AssertionError("no update was queued")

    task = asyncio.create_task(run_polling(channel, handle, stop=stop, poll_timeout=30))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, timeout=3)


def test_file_url_follows_the_api_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base_url("https://api.telegram.org/bot{token}/test") == (
        "https://api.telegram.org/file/bot{token}/test"
    )
