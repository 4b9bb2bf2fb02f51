"""A fake Twilio REST API on 127.0.0.1, and signed WhatsApp webhook forms as Twilio posts them.

    with FakeTwilioServer() as tw:
        settings = Settings(**tw.settings_overrides())
        ...  # WhatsAppChannel(settings).send(...)
        assert tw.messages[0].body == "Halo"

The server checks HTTP basic auth (account SID : auth token) like Twilio, records each message
created, can answer the next calls with 429 (or any error), and serves media files the way Twilio
does: `GET /media/{name}` needs the account's credentials and redirects to the file's storage URL.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from types import TracebackType
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.fakes.http_server import BackgroundServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
BOT_NUMBER = "whatsapp:+14155238886"
CITIZEN_NUMBER = "whatsapp:+6281234567890"


@dataclass(frozen=True)
class SentTwilioMessage:
    sid: str
    to: str | None
    from_: str | None
    body: str | None
    media_urls: list[str]
    content_sid: str | None
    content_variables: str | None
    params: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    code: int
    message: str
    retry_after: int | None


class FakeTwilioServer:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.whatsapp_from = BOT_NUMBER
        self._lock = threading.Lock()
        self._http = BackgroundServer(self._build_app())
        self.messages: list[SentTwilioMessage] = []
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) of every API request
        self.media_downloads: list[str] = []
        self._media: dict[str, tuple[bytes, str]] = {}
        self._blobs: dict[str, str] = {}  # storage key -> media name
        self._failures: list[_Failure] = []
        self._sids = itertools.count(1)

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._http.start()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.requests.clear()
            self.media_downloads.clear()
            self._media.clear()
            self._blobs.clear()
            self._failures.clear()

    # ---- what a test configures --------------------------------------------------------------

    @property
    def url(self) -> str:
        """The REST API base, in place of https://api.twilio.com (ADUAN_TWILIO_API_URL)."""
        return self._http.url

    def settings_overrides(self) -> dict[str, Any]:
        return {
            "twilio_account_sid": self.account_sid,
            "twilio_auth_token": self.auth_token,
            "twilio_api_url": self.url,
            "whatsapp_from": self.whatsapp_from,
        }

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 429,
        code: int | None = None,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` Messages.json calls with an error (default 429, Twilio code 20429)."""
        default_code, default_message = {
            429: (20429, "Too Many Requests"),
            400: (21211, "The 'To' number is not a valid phone number."),
            401: (20003, "Authenticate"),
            500: (20500, "Internal Server Error"),
        }.get(status, (status, "Error"))
        with self._lock:
            for _ in range(count):
                self._failures.append(
                    _Failure(status, code or default_code, message or default_message, retry_after)
                )

    def add_media(self, data: bytes, content_type: str = "image/jpeg", name: str | None = None) -> str:
        """Register a media file; returns its MediaUrl (fetching it needs the account's credentials)."""
        name = name or f"ME{secrets.token_hex(16)}"
        with self._lock:
            self._media[name] = (data, content_type)
        return f"{self.url}/media/{name}"

    def inbound(self, url: str, params: dict[str, str]) -> SignedWebhook:
        """Sign a webhook form for `url` with this account's token, as Twilio does."""
        return sign_webhook(url, params, self.auth_token)

    # ---- the HTTP side -----------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/2010-04-01/Accounts/{sid}/Messages.json", self._create_message, methods=["POST"]),
                Route("/media/{name}", self._media_file, methods=["GET"]),
                Route("/media-blob/{key}", self._media_blob, methods=["GET"]),
            ]
        )

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(password, self.auth_token)

    def _log(self, request: Request, status: int) -> None:
        with self._lock:
            self.requests.append((request.method, request.url.path, status))

    async def _create_message(self, request: Request) -> Response:
        if not self._authorized(request) or request.path_params["sid"] != self.account_sid:
            self._log(request, 401)
            return _error(401, 20003, "Authenticate")
        form = await request.form()
        params: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            params.setdefault(key, []).append(str(value))
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            self._log(request, failure.status)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
            return _error(failure.status, failure.code, failure.message, headers)

        def one(key: str) -> str | None:
            values = params.get(key)
            return values[0] if values else None

        to, from_, body = one("To"), one("From"), one("Body")
        media_urls = params.get("MediaUrl", [])
        content_sid = one("ContentSid")
        if not to:
            self._log(request, 400)
            return _error(400, 21604, "A 'To' phone number is required.")
        if not from_:
            self._log(request, 400)
            return _error(400, 21603, "A 'From' phone number is required.")
        if to.startswith("whatsapp:") != from_.startswith("whatsapp:"):
            self._log(request, 400)
            return _error(400, 21910, "Invalid From and To pair. From and To should be of the same channel")
        if not body and not media_urls and not content_sid:
            self._log(request, 400)
            return _error(400, 21619, "A text message body or media urls must be specified.")
        if body and len(body) > 1600:
            self._log(request, 400)
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")

        sid = f"SM{next(self._sids):032x}"
        sent = SentTwilioMessage(
            sid=sid,
            to=to,
            from_=from_,
            body=body,
            media_urls=media_urls,
            content_sid=content_sid,
            content_variables=one("ContentVariables"),
            params=params,
        )
        with self._lock:
            self.messages.append(sent)
        self._log(request, 201)
        now = formatdate(usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return JSONResponse(
            {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": body or "",
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": from_,
                "messaging_service_sid": None,
                "num_media": str(len(media_urls)),
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
                "to": to,
                "uri": uri,
            },
            status_code=201,
        )

    async def _media_file(self, request: Request) -> Response:
        if not self._authorized(request):
            self._log(request, 401)
            return _error(401, 20003, "Authenticate")
        name = request.path_params["name"]
        with self._lock:
            known = name in self._media
            key = secrets.token_urlsafe(12)
            if known:
                self._blobs[key] = name
        if not known:
            self._log(request, 404)
            return _error(404, 20404, "The requested resource was not found")
        self._log(request, 307)
        # Twilio answers a media URL with a redirect to short-lived storage that needs no auth.
        return RedirectResponse(f"/media-blob/{key}", status_code=307)

    async def _media_blob(self, request: Request) -> Response:
        with self._lock:
            name = self._blobs.get(request.path_params["key"])
            media = self._media.get(name) if name else None
            if name:
                self.media_downloads.append(name)
        if media is None:
            return Response(status_code=404)
        data, content_type = media
        return Response(data, media_type=content_type)


def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
        headers=headers,
    )


# ---- inbound webhooks, signed like Twilio ----------------------------------------------------------


@dataclass(frozen=True)
class SignedWebhook:
    url: str
    params: dict[str, str]
    headers: dict[str, str]


def sign_webhook(url: str, params: dict[str, str], auth_token: str = AUTH_TOKEN) -> SignedWebhook:
    """X-Twilio-Signature over the full URL Twilio posted to and the form parameters."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    return SignedWebhook(url, params, {"X-Twilio-Signature": signature})


_inbound_sids = itertools.count(1)


def _base_params(
    message_type: str,
    *,
    from_: str,
    profile_name: str,
    to: str,
    account_sid: str,
    message_sid: str | None,
    num_media: int = 0,
    body: str = "",
) -> dict[str, str]:
    sid = message_sid or f"SM{next(_inbound_sids):032x}"
    return {
        "SmsMessageSid": sid,
        "NumMedia": str(num_media),
        "ProfileName": profile_name,
        "MessageType": message_type,
        "SmsSid": sid,
        "WaId": from_.removeprefix("whatsapp:+"),
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": "2010-04-01",
    }


def whatsapp_text_params(
    body: str,
    *,
    from_: str = CITIZEN_NUMBER,
    profile_name: str = "Siti Aminah",
    to: str = BOT_NUMBER,
    account_sid: str = ACCOUNT_SID,
    message_sid: str | None = None,
) -> dict[str, str]:
    return _base_params(
        "text",
        body=body,
        from_=from_,
        profile_name=profile_name,
        to=to,
        account_sid=account_sid,
        message_sid=message_sid,
    )


def whatsapp_location_params(
    latitude: float,
    longitude: float,
    *,
    address: str | None = None,
    label: str | None = None,
    from_: str = CITIZEN_NUMBER,
    profile_name: str = "Siti Aminah",
    to: str = BOT_NUMBER,
    account_sid: str = ACCOUNT_SID,
    message_sid: str | None = None,
) -> dict[str, str]:
    """A shared location (pin); a shared place also carries Address and Label."""
    params = _base_params(
        "location",
        from_=from_,
        profile_name=profile_name,
        to=to,
        account_sid=account_sid,
        message_sid=message_sid,
    )
    params["Latitude"] = str(latitude)
    params["Longitude"] = str(longitude)
    if address is not None:
        params["Address"] = address
    if label is not None:
        params["Label"] = label
    return params


def whatsapp_media_params(
    media: list[tuple[str, str]],
    *,
    body: str = "",
    from_: str = CITIZEN_NUMBER,
    profile_name: str = "Siti Aminah",
    to: str = BOT_NUMBER,
    account_sid: str = ACCOUNT_SID,
    message_sid: str | None = None,
) -> dict[str, str]:
    """Media messages: `media` is [(MediaUrl, MediaContentType), ...]; `body` is the caption."""
    first_type = media[0][1] if media else ""
    message_type = {"image": "image", "audio": "audio", "video": "video"}.get(
        first_type.split("/")[0], "document"
    )
    if first_type == "image/webp":
        message_type = "sticker"
    params = _base_params(
        message_type,
        body=body,
        from_=from_,
        profile_name=profile_name,
        to=to,
        account_sid=account_sid,
        message_sid=message_sid,
        num_media=len(media),
    )
    for i, (url, content_type) in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = content_type
    return params


def whatsapp_button_params(
    text: str,
    payload: str,
    *,
    from_: str = CITIZEN_NUMBER,
    profile_name: str = "Siti Aminah",
    to: str = BOT_NUMBER,
    account_sid: str = ACCOUNT_SID,
    message_sid: str | None = None,
) -> dict[str, str]:
    """A press on a quick-reply button of a template message."""
    params = _base_params(
        "button",
        body=text,
        from_=from_,
        profile_name=profile_name,
        to=to,
        account_sid=account_sid,
        message_sid=message_sid,
    )
    params["ButtonText"] = text
    params["ButtonPayload"] = payload
    return params
