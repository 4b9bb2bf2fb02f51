"""Telegram through python-telegram-bot: parse updates, send messages (updates arrive in telegram_inbound).

Only the Bot object of PTB is used (as `ExtBot`, for its rate limiter): no `Application`, no
`ConversationHandler`. Conversation state lives in the database; this module only translates.

platform_message_id is `str(update_id)`: Telegram gives every update of a bot its own update_id (a
message, a button press, ...) and a webhook retry or a repeated getUpdates delivers the same
update_id again, so it is exactly the key the inbound pipeline deduplicates on. A message_id is
only unique within one chat, and a button press (callback_query) has no message of its own.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from backend.config import Settings
from bots.channels.base import Channel, ChannelError, SendResult, split_text
from bots.messages import Attachment, IncomingMessage, Location, OutgoingMessage, Photo

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_TEXT = 4096  # Bot API limit of a message text
MAX_CAPTION = 1024  # Bot API limit of a photo caption
MAX_CALLBACK_DATA = 64  # bytes, Bot API limit of an inline button's callback_data


@dataclass(frozen=True)
class TelegramTexts:
    """The few words the adapter itself shows; the app may pass them from the texts catalog."""

    location_button: str = "📍 Kirim lokasi saya"


def file_base_url(api_url: str) -> str:
    """The Bot API file URL that goes with an API URL: `.../bot` -> `.../file/bot`.

    Both Telegram and a self-hosted Bot API server serve files under `/file/bot<token>/<path>`;
    a `{token}` placeholder (PTB's format, e.g. `.../bot{token}/test`) is kept where it is.
    """
    head, sep, tail = api_url.rpartition("/bot")
    if not sep:
        return f"{api_url.rstrip('/')}/file/bot"
    return f"{head}/file/bot{tail}"


def _chat_id(value: str) -> int | str:
    return int(value) if value.lstrip("-").isdigit() else value


def retry_seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def to_channel_error(exc: TelegramError) -> ChannelError:
    """Telegram's errors in the worker's terms: wait and retry, retry later, or give up."""
    if isinstance(exc, RetryAfter):
        return ChannelError(f"telegram: {exc.message}", retry_after=retry_seconds(exc.retry_after))
    if isinstance(exc, Forbidden | BadRequest | InvalidToken | ChatMigrated | EndPointNotFound):
        # Blocked by the user, chat not found, bad markup, wrong token: a retry cannot help.
        return ChannelError(f"telegram: {exc.message}", permanent=True)
    return ChannelError(f"telegram: {exc.message}")  # TimedOut, NetworkError, 5xx: transient


def _split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    return split_text(text, limit)


class TelegramChannel(Channel):
    """Sends through the Bot API and turns Telegram updates into IncomingMessage."""

    name = CHANNEL

    def __init__(
        self, settings: Settings, *, rate_limit: bool = True, texts: TelegramTexts | None = None
    ) -> None:
        if settings.telegram_token is None:
            raise ValueError("ADUAN_TELEGRAM_TOKEN is not set: the Telegram channel is off")
        self.settings = settings
        self.texts = texts or TelegramTexts()
        self.bot: Bot = ExtBot(
            settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_api_url,
            base_file_url=file_base_url(settings.telegram_api_url),
            request=HTTPXRequest(connection_pool_size=64),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
            rate_limiter=_rate_limiter() if rate_limit else None,
        )
        self._started = False
        self._start_lock = asyncio.Lock()

    async def start(self) -> None:
        """Initialize the bot (one getMe call and the rate limiter); idempotent."""
        if self._started:
            return
        async with self._start_lock:
            if not self._started:
                try:
                    await self.bot.initialize()
                except TelegramError as exc:
                    raise to_channel_error(exc) from exc
                self._started = True

    async def close(self) -> None:
        if self._started:
            await self.bot.shutdown()
            self._started = False

    # ---- inbound -------------------------------------------------------------------------------

    async def parse_update(self, data: dict[str, Any]) -> IncomingMessage | None:
        """Turn one Update's JSON into an IncomingMessage; None for updates the bot ignores.

        Downloads the photo (network) and answers a button press, so it may raise TelegramError.
        """
        await self.start()
        update = Update.de_json(data, self.bot)
        return await self.parse(update)

    async def parse(self, update: Update) -> IncomingMessage | None:
        if update.callback_query is not None:
            return await self._parse_callback(update.update_id, update.callback_query)
        if update.message is not None:
            return await self._parse_message(update.update_id, update.message)
        return None  # edited messages, channel posts, ...: not part of a conversation

    async def _parse_callback(self, update_id: int, query: CallbackQuery) -> IncomingMessage | None:
        try:
            await query.answer()  # stops the button's spinner on the citizen's phone
        except TelegramError as exc:
            logger.warning("telegram: could not answer callback query %s: %s", query.id, exc)
        if query.data is None:
            return None
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        return IncomingMessage(
            channel=CHANNEL,
            chat_id=str(chat_id),
            platform_message_id=str(update_id),
            display_name=query.from_user.full_name,
            language_hint=query.from_user.language_code,
            button_value=query.data,
        )

    async def _parse_message(self, update_id: int, message: Message) -> IncomingMessage:
        sender = message.from_user
        incoming = IncomingMessage(
            channel=CHANNEL,
            chat_id=str(message.chat.id),
            platform_message_id=str(update_id),
            display_name=sender.full_name if sender else message.chat.full_name,
            language_hint=sender.language_code if sender else None,
            text=message.text or message.caption,  # a photo's caption is the citizen's description
        )
        if message.venue is not None:
            venue = message.venue
            address = ", ".join(part for part in (venue.title, venue.address) if part)
            incoming.location = Location(venue.location.latitude, venue.location.longitude, address or None)
        elif message.location is not None:
            incoming.location = Location(message.location.latitude, message.location.longitude)

        if message.photo:
            largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
            await self._add_photo(incoming, largest.file_id, largest.file_size, "image/jpeg")
        elif message.sticker is not None:
            incoming.attachments.append(Attachment.STICKER)
        elif message.voice is not None:
            incoming.attachments.append(Attachment.VOICE)
        elif message.audio is not None:
            incoming.attachments.append(Attachment.AUDIO)
        elif message.video is not None or message.video_note is not None or message.animation is not None:
            incoming.attachments.append(Attachment.VIDEO)
        elif message.document is not None:
            document = message.document
            if (document.mime_type or "").startswith("image/"):
                # A photo sent "as a file" (uncompressed): still the citizen's photo.
                await self._add_photo(
                    incoming, document.file_id, document.file_size, document.mime_type, document.file_name
                )
            else:
                incoming.attachments.append(Attachment.DOCUMENT)
        elif message.contact is not None:
            incoming.attachments.append(Attachment.CONTACT)
        elif incoming.text is None and incoming.location is None:
            incoming.attachments.append(Attachment.OTHER)  # poll, dice, game, ...
        return incoming

    async def _add_photo(
        self,
        incoming: IncomingMessage,
        file_id: str,
        file_size: int | None,
        content_type: str | None,
        filename: str | None = None,
    ) -> None:
        limit = self.settings.max_photo_bytes
        if file_size is not None and file_size > limit:
            incoming.photo_too_large = True  # Telegram told us the size: no need to fetch it
            return
        try:
            tg_file = await self.bot.get_file(file_id)
        except BadRequest as exc:
            if "too big" in exc.message.lower():  # over the Bot API's own 20 MB download limit
                incoming.photo_too_large = True
                return
            raise
        if tg_file.file_size is not None and tg_file.file_size > limit:
            incoming.photo_too_large = True
            return
        data = bytes(await tg_file.download_as_bytearray())
        if len(data) > limit:
            incoming.photo_too_large = True
            return
        name = filename or (Path(tg_file.file_path).name if tg_file.file_path else None)
        incoming.photos.append(Photo(data=data, content_type=content_type, filename=name))

    # ---- outbound ------------------------------------------------------------------------------

    async def send(self, message: OutgoingMessage) -> SendResult:
        await self.start()
        chat_id = _chat_id(message.chat_id)
        markup = self._markup(message)
        photo = self._photo_source(message)
        try:
            if photo is not None and len(message.text) <= MAX_CAPTION:
                sent = await self.bot.send_photo(
                    chat_id, photo, caption=message.text or None, reply_markup=markup
                )
                return SendResult(str(sent.message_id))
            if photo is not None:
                await self.bot.send_photo(chat_id, photo)  # text too long for a caption: sent after
            chunks = _split_text(message.text)
            for chunk in chunks[:-1]:
                await self.bot.send_message(chat_id, chunk)
            sent = await self.bot.send_message(chat_id, chunks[-1], reply_markup=markup)
            return SendResult(str(sent.message_id))
        except TelegramError as exc:
            raise to_channel_error(exc) from exc

    def _markup(self, message: OutgoingMessage) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
        for button in message.buttons:
            if len(button.value.encode()) > MAX_CALLBACK_DATA:
                raise ChannelError(
                    f"telegram: button value over {MAX_CALLBACK_DATA} bytes: {button.value[:80]!r}",
                    permanent=True,
                )
        if message.request_location:
            # One message holds one keyboard: with a location request, the choices become reply
            # keyboard buttons, and a press on one arrives as text equal to its label.
            rows = [[KeyboardButton(self.texts.location_button, request_location=True)]]
            rows += [[KeyboardButton(button.label)] for button in message.buttons]
            return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
        if not message.buttons:
            return None
        labels = [button.label for button in message.buttons]
        inline = [InlineKeyboardButton(b.label, callback_data=b.value) for b in message.buttons]
        if len(inline) <= 3 and sum(len(label) for label in labels) <= 30:
            return InlineKeyboardMarkup([inline])  # e.g. Kirim / Ubah / Batal on one row
        return InlineKeyboardMarkup([[button] for button in inline])

    def _photo_source(self, message: OutgoingMessage) -> Path | str | None:
        if message.image_path:
            path = Path(message.image_path)
            if not path.is_absolute() and not path.exists():
                path = self.settings.media_dir / path
            if path.is_file():
                return path
            logger.warning("telegram: image %s not found, sending without it", message.image_path)
        return message.image_url  # Telegram fetches a public URL itself


def _rate_limiter() -> AIORateLimiter | None:
    """PTB's limiter: 30 messages/s per bot and 20/min per group; it waits instead of failing.

    Its max_retries stays 0: a 429 reaches the worker as ChannelError(retry_after=...), which puts
    the message back in the outbox for later instead of holding a worker task asleep.
    """
    try:
        return AIORateLimiter()
    except RuntimeError:  # python-telegram-bot[rate-limiter] (aiolimiter) not installed
        logger.warning("telegram: aiolimiter is not installed, sending without PTB's rate limiter")
        return None
