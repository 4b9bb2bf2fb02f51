"""WhatsApp through Twilio: signed webhook in, twilio's REST client out, never blocking the loop.

Outbound goes through twilio's own client (`messages.create_async`) with an async HTTP client
built on httpx (`HttpxTwilioClient`), which also lets tests and private gateways replace
https://api.twilio.com with `settings.twilio_api_url`.

WhatsApp (through Twilio, outside templates) has no inline buttons: the choices are numbered in the
text. The channel stays stateless; the dialog keeps the last buttons of a conversation and turns a
reply "2" into the second button's value.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from fastapi import APIRouter, Request, Response
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from backend.config import Settings
from bots.channels.base import Channel, ChannelError, InboundHandler, SendResult, split_text
from bots.messages import Attachment, IncomingMessage, Location, OutgoingMessage, Photo

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
TWILIO_API = "https://api.twilio.com"
MAX_BODY = 1600  # Twilio's limit of one message body
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
DEFAULT_RETRY_AFTER = 1.0  # Twilio's 429 seldom says how long to wait


@dataclass(frozen=True)
class WhatsAppTexts:
    """The few words the adapter adds itself; the app may pass them from the texts catalog."""

    reply_with_number: str = "Balas dengan angka."
    share_location: str = "Untuk mengirim lokasi: ketuk 📎 (lampiran), lalu pilih Lokasi."


def numbered_choice_text(message: OutgoingMessage, texts: WhatsAppTexts | None = None) -> str:
    """The message text as WhatsApp shows it: choices numbered 1..n, a location hint if asked.

    "Pilih kategori:\n\n1. Banjir\n2. Sampah\nBalas dengan angka." -- a reply "2" means the second
    button (the dialog maps it, from the buttons it stored for the conversation).
    """
    texts = texts or WhatsAppTexts()
    parts = [message.text.rstrip()] if message.text.strip() else []
    if message.buttons:
        lines = [f"{i}. {button.label}" for i, button in enumerate(message.buttons, start=1)]
        parts.append("\n".join([*lines, texts.reply_with_number]))
    if message.request_location:
        parts.append(texts.share_location)
    return "\n\n".join(parts)


def _whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def _split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    return split_text(text, limit)


def _attachment_for(content_type: str) -> Attachment:
    kind = content_type.split("/")[0]
    if content_type == "image/webp":
        return Attachment.STICKER  # WhatsApp stickers arrive as WebP images
    if kind == "audio":
        return Attachment.VOICE  # voice notes (audio/ogg) and audio files alike
    if kind == "video":
        return Attachment.VIDEO
    if content_type in ("text/vcard", "text/x-vcard"):
        return Attachment.CONTACT
    return Attachment.DOCUMENT


class TwilioRateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"twilio: 429, retry after {retry_after}s")
        self.retry_after = retry_after


class HttpxTwilioClient(AsyncHttpClient):
    """twilio's async HTTP client interface over httpx, with an optional replacement API base URL.

    A 429 is raised as TwilioRateLimited with the Retry-After header, which twilio's own
    TwilioRestException does not keep.
    """

    def __init__(self, api_url: str | None = None, timeout: float = 30.0) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), True, timeout)
        self._api_url = api_url.rstrip("/") if api_url else None
        self._client = httpx.AsyncClient(timeout=timeout)

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if self._api_url and uri.startswith(TWILIO_API):
            uri = self._api_url + uri[len(TWILIO_API) :]
        response = await self._client.request(
            method,
            uri,
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout if timeout is not None else self.timeout,
            follow_redirects=allow_redirects,
        )
        if response.status_code == 429:
            try:
                retry_after = float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER))
            except ValueError:
                retry_after = DEFAULT_RETRY_AFTER
            raise TwilioRateLimited(retry_after)
        return TwilioResponse(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()


class WhatsAppChannel(Channel):
    """Parses Twilio's WhatsApp webhook form and sends through Twilio's Messages API."""

    name = CHANNEL

    def __init__(self, settings: Settings, *, texts: WhatsAppTexts | None = None) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.whatsapp_from):
            raise ValueError(
                "ADUAN_TWILIO_ACCOUNT_SID, ADUAN_TWILIO_AUTH_TOKEN and ADUAN_WHATSAPP_FROM must all be "
                "set: the WhatsApp channel is off"
            )
        self.settings = settings
        self.texts = texts or WhatsAppTexts()
        self._account_sid = settings.twilio_account_sid
        self._auth_token = settings.twilio_auth_token.get_secret_value()
        self.from_ = _whatsapp_address(settings.whatsapp_from)
        self.validator = RequestValidator(self._auth_token)
        self._http_client = HttpxTwilioClient(settings.twilio_api_url)
        self.client = Client(self._account_sid, self._auth_token, http_client=self._http_client)
        self._media_http = httpx.AsyncClient(timeout=30.0, follow_redirects=True)

    async def close(self) -> None:
        await self._http_client.close()
        await self._media_http.aclose()

    # ---- inbound -------------------------------------------------------------------------------

    def is_authentic(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """X-Twilio-Signature check over the public URL Twilio posted to and the form fields."""
        return bool(signature) and self.validator.validate(url, dict(params), signature)

    async def parse_form(self, form: Mapping[str, str]) -> IncomingMessage | None:
        """Turn Twilio's inbound message form into an IncomingMessage (downloading images).

        None for what is not an inbound message (a delivery status callback).
        """
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        sender = form.get("From")
        if not sid or not sender or "MessageStatus" in form:
            return None
        incoming = IncomingMessage(
            channel=CHANNEL,
            chat_id=sender,  # "whatsapp:+62...": exactly what `send` needs as To
            platform_message_id=sid,
            display_name=form.get("ProfileName") or None,
            text=(form.get("Body") or "").strip() or None,
            button_value=form.get("ButtonPayload") or None,
        )
        latitude, longitude = form.get("Latitude"), form.get("Longitude")
        if latitude and longitude:
            address = ", ".join(p for p in (form.get("Label"), form.get("Address")) if p)
            try:
                incoming.location = Location(float(latitude), float(longitude), address or None)
            except ValueError:
                logger.warning("whatsapp: unreadable location %r, %r in %s", latitude, longitude, sid)
        try:
            num_media = int(form.get("NumMedia") or 0)
        except ValueError:
            num_media = 0
        for i in range(num_media):
            url = form.get(f"MediaUrl{i}")
            content_type = (form.get(f"MediaContentType{i}") or "application/octet-stream").lower()
            if not url:
                continue
            if content_type.startswith("image/") and content_type != "image/webp":
                data = await self._download(url)
                if data is None:
                    incoming.photo_too_large = True
                else:
                    extension = mimetypes.guess_extension(content_type) or ""
                    filename = f"{url.rstrip('/').rsplit('/', 1)[-1]}{extension}"
                    incoming.photos.append(Photo(data=data, content_type=content_type, filename=filename))
            else:
                incoming.attachments.append(_attachment_for(content_type))
        return incoming

    async def _download(self, url: str) -> bytes | None:
        """Fetch a media file with the account's credentials; None when over max_photo_bytes.

        Twilio redirects to storage on another host; httpx drops the credentials for that hop.
        """
        limit = self.settings.max_photo_bytes
        async with self._media_http.stream("GET", url, auth=(self._account_sid, self._auth_token)) as resp:
            resp.raise_for_status()
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                return None
            data = bytearray()
            async for chunk in resp.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    return None
        return bytes(data)

    # ---- outbound ------------------------------------------------------------------------------

    async def send(self, message: OutgoingMessage) -> SendResult:
        body = numbered_choice_text(message, self.texts)
        media_url = self._public_media_url(message)
        chunks = _split_body(body) if body else [""]
        sid: str | None = None
        for i, chunk in enumerate(chunks):
            fields: dict[str, Any] = {}
            if chunk:
                fields["body"] = chunk
            if media_url and i == 0:
                fields["media_url"] = [media_url]
            sid = await self._create(message.chat_id, **fields)
        return SendResult(sid)

    async def send_template(
        self, chat_id: str, content_sid: str, variables: Mapping[str, str] | None = None
    ) -> SendResult:
        """An approved template (Content SID "HX..."), for a person outside the 24-hour window."""
        fields: dict[str, Any] = {"content_sid": content_sid}
        if variables:
            fields["content_variables"] = json.dumps({str(k): str(v) for k, v in variables.items()})
        return SendResult(await self._create(chat_id, **fields))

    def _public_media_url(self, message: OutgoingMessage) -> str | None:
        if message.image_url:
            # Twilio fetches the image itself, so the URL must be absolute and public.
            return urljoin(self.settings.base_url.rstrip("/") + "/", message.image_url)
        if message.image_path:
            logger.warning("whatsapp: image %s has no public URL, sending text only", message.image_path)
        return None

    async def _create(self, chat_id: str, **fields: Any) -> str | None:
        try:
            created = await self.client.messages.create_async(
                to=_whatsapp_address(chat_id), from_=self.from_, **fields
            )
        except TwilioRateLimited as exc:
            raise ChannelError(str(exc), retry_after=exc.retry_after) from exc
        except TwilioRestException as exc:
            detail = f"twilio: {exc.status} {exc.code}: {exc.msg}"
            if exc.status == 429:
                raise ChannelError(detail, retry_after=DEFAULT_RETRY_AFTER) from exc
            # 4xx: invalid number, not a WhatsApp user, outside the 24-hour window (63016), ...
            raise ChannelError(detail, permanent=400 <= exc.status < 500) from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"twilio: {type(exc).__name__}: {exc}") from exc
        return created.sid


def build_whatsapp_router(
    channel: WhatsAppChannel, handle: InboundHandler, public_url_for: Callable[[Request], str]
) -> APIRouter:
    """`POST /webhooks/whatsapp`: verify X-Twilio-Signature, parse, hand to the inbound pipeline.

    `public_url_for(request)` gives the URL Twilio posted to, as Twilio saw it (behind a proxy:
    settings.base_url + request.url.path, plus the query string if any). 403 when the signature
    does not match; 500 when parsing or the handler fails (Twilio retries); else 200 with empty TwiML.
    """
    router = APIRouter()

    @router.post("/webhooks/whatsapp", include_in_schema=False)
    async def whatsapp_webhook(request: Request) -> Response:
        form = await request.form()
        params = {key: value for key, value in form.items() if isinstance(value, str)}
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not channel.is_authentic(public_url_for(request), params, signature):
            return Response(status_code=403)
        try:
            message = await channel.parse_form(params)
            if message is not None:
                await handle(message)
        except Exception:
            logger.exception("whatsapp: message %s failed, Twilio will retry", params.get("MessageSid"))
            return Response(status_code=500)
        return Response(EMPTY_TWIML, media_type="text/xml")

    return router
