"""What moves between the channels and the dialog engine: plain dataclasses, no platform types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Attachment(StrEnum):
    """Inbound content the bot cannot use as a report field; the dialog answers it politely."""

    STICKER = "sticker"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    CONTACT = "contact"
    OTHER = "other"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    address: str | None = None  # e.g. WhatsApp's Address/Label


@dataclass(frozen=True)
class Photo:
    """Raw bytes as downloaded from the platform; the dialog validates and stores them."""

    data: bytes
    content_type: str | None = None
    filename: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    value: str


@dataclass
class IncomingMessage:
    channel: str  # "web" | "telegram" | "whatsapp"
    chat_id: str
    platform_message_id: str  # unique per channel: a retried webhook carries the same id
    display_name: str | None = None
    language_hint: str | None = None  # e.g. Telegram's user.language_code
    text: str | None = None
    location: Location | None = None
    photos: list[Photo] = field(default_factory=list)
    button_value: str | None = None  # the value of a pressed button (callback data)
    attachments: list[Attachment] = field(default_factory=list)
    photo_too_large: bool = False  # the platform said the file is over our limit: not downloaded


@dataclass
class OutgoingMessage:
    channel: str
    chat_id: str
    text: str
    buttons: list[Button] = field(default_factory=list)
    request_location: bool = False  # ask the client for its location (Telegram keyboard, web geolocation)
    image_path: str | None = None  # a stored photo (path under the media dir)
    image_url: str | None = None  # the same photo's public URL
