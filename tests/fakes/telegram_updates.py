"""Builders of realistic Telegram Update JSON (messages, locations, photos, buttons, stickers, voice...),
as Telegram sends them to a webhook or through getUpdates; the fake server is in telegram_api.
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from tests.fakes.telegram_api import BOT_USER, FakeFile

_update_ids = itertools.count(500_000_001)
_message_ids = itertools.count(1001)

CITIZEN_ID = 777000111


def user(
    user_id: int = CITIZEN_ID,
    *,
    first_name: str = "Budi",
    last_name: str | None = "Santoso",
    username: str | None = "budisantoso",
    language_code: str | None = "id",
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        data["last_name"] = last_name
    if username:
        data["username"] = username
    if language_code:
        data["language_code"] = language_code
    return data


def message_update(
    content: dict[str, Any],
    *,
    from_user: dict[str, Any] | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    """An Update carrying a private-chat Message with the given content fields."""
    sender = from_user or user()
    chat = {"id": sender["id"], "type": "private", "first_name": sender["first_name"]}
    if "last_name" in sender:
        chat["last_name"] = sender["last_name"]
    if "username" in sender:
        chat["username"] = sender["username"]
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "message": {
            "message_id": message_id if message_id is not None else next(_message_ids),
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            **content,
        },
    }


def text_update(text: str, **kwargs: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return message_update(content, **kwargs)


def location_update(latitude: float, longitude: float, **kwargs: Any) -> dict[str, Any]:
    return message_update({"location": {"latitude": latitude, "longitude": longitude}}, **kwargs)


def venue_update(
    latitude: float, longitude: float, title: str, address: str, **kwargs: Any
) -> dict[str, Any]:
    location = {"latitude": latitude, "longitude": longitude}
    venue = {"location": location, "title": title, "address": address}
    return message_update({"location": location, "venue": venue}, **kwargs)


def photo_size(file: FakeFile, width: int, height: int) -> dict[str, Any]:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.file_size,
        "width": width,
        "height": height,
    }


def photo_update(sizes: list[dict[str, Any]], *, caption: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """A photo message; `sizes` as Telegram sends them, smallest first (see `photo_size`)."""
    content: dict[str, Any] = {"photo": sizes}
    if caption is not None:
        content["caption"] = caption
    return message_update(content, **kwargs)


def callback_update(
    data: str,
    *,
    from_user: dict[str, Any] | None = None,
    message_text: str = "Pilih kategori:",
    message_id: int | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    """A press on an inline button of a message the bot sent earlier."""
    sender = from_user or user()
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "callback_query": {
            "id": str(uuid.uuid4().int)[:19],
            "from": sender,
            "chat_instance": "-5481516234908171234",
            "data": data,
            "message": {
                "message_id": message_id if message_id is not None else next(_message_ids),
                "from": BOT_USER,
                "chat": {"id": sender["id"], "type": "private", "first_name": sender["first_name"]},
                "date": int(time.time()),
                "text": message_text,
            },
        },
    }


def _file_fields(prefix: str, file_size: int) -> dict[str, Any]:
    key = uuid.uuid4().hex
    return {"file_id": f"{prefix}{key}", "file_unique_id": f"AgAD{key[:12]}", "file_size": file_size}


def sticker_update(emoji: str = "👍", **kwargs: Any) -> dict[str, Any]:
    sticker = {
        **_file_fields("CAACAgIAAxkBAAI", 23_140),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": "HotCherry",
    }
    return message_update({"sticker": sticker}, **kwargs)


def voice_update(duration: int = 4, **kwargs: Any) -> dict[str, Any]:
    voice = {**_file_fields("AwACAgUAAxkBAAI", 15_872), "duration": duration, "mime_type": "audio/ogg"}
    return message_update({"voice": voice}, **kwargs)


def audio_update(duration: int = 180, **kwargs: Any) -> dict[str, Any]:
    audio = {
        **_file_fields("CQACAgUAAxkBAAI", 2_841_210),
        "duration": duration,
        "mime_type": "audio/mpeg",
        "title": "Lagu",
    }
    return message_update({"audio": audio}, **kwargs)


def video_update(duration: int = 12, **kwargs: Any) -> dict[str, Any]:
    video = {
        **_file_fields("BAACAgUAAxkBAAI", 1_936_412),
        "width": 848,
        "height": 480,
        "duration": duration,
        "mime_type": "video/mp4",
    }
    return message_update({"video": video}, **kwargs)


def document_update(
    file_name: str = "laporan.pdf",
    mime_type: str = "application/pdf",
    *,
    file: FakeFile | None = None,
    caption: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A file sent as a document; pass a registered `file` to make it downloadable."""
    fields = (
        {"file_id": file.file_id, "file_unique_id": file.file_unique_id, "file_size": file.file_size}
        if file is not None
        else _file_fields("BQACAgUAAxkBAAI", 88_320)
    )
    content: dict[str, Any] = {"document": {**fields, "file_name": file_name, "mime_type": mime_type}}
    if caption is not None:
        content["caption"] = caption
    return message_update(content, **kwargs)


def contact_update(phone_number: str = "+6281234567890", **kwargs: Any) -> dict[str, Any]:
    return message_update({"contact": {"phone_number": phone_number, "first_name": "Ibu Ani"}}, **kwargs)


def webhook_headers(secret: str) -> dict[str, str]:
    """The header Telegram sends with every webhook delivery when setWebhook had a secret_token."""
    return {"X-Telegram-Bot-Api-Secret-Token": secret}
