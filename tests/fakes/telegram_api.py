"""A fake Telegram Bot API server on 127.0.0.1 (builders of realistic Update JSON: telegram_updates).

It answers like Telegram (`{"ok": true, "result": ...}` / `{"ok": false, "error_code": ...}`), records
every call, serves registered files under the file base path, feeds getUpdates from a queue the test
fills, and can be told to fail the next calls (429 with parameters.retry_after, 403, 400).

    with FakeTelegramServer() as tg:
        bot = Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
        ...
        assert tg.calls_to("sendMessage")[0].params["text"] == "Halo"
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.http_server import BackgroundServer

DEFAULT_TOKEN = "123456:TEST-fake-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Aduan",
    "username": "aduan_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Parameters PTB sends JSON-encoded; everything else is a plain string (as Telegram receives it).
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class ApiCall:
    method: str  # as Telegram spells it, e.g. "sendMessage"
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200  # what the fake answered


@dataclass(frozen=True)
class FakeFile:
    file_id: str
    file_unique_id: str
    file_size: int
    file_path: str
    data: bytes


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None
    methods: frozenset[str] | None


_METHOD_NAMES = {
    name.lower(): name
    for name in (
        "getMe",
        "sendMessage",
        "sendPhoto",
        "getFile",
        "answerCallbackQuery",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "getUpdates",
        "editMessageReplyMarkup",
        "editMessageText",
        "close",
        "logOut",
    )
}


class FakeTelegramServer:
    """The Bot API subset the Aduan channel uses, over real HTTP. Thread-safe for the test's reads."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._http = BackgroundServer(self._build_app())
        self.calls: list[ApiCall] = []
        self.downloads: list[str] = []  # file paths served
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._failures: list[_Failure] = []
        self._stall_after: int | None = None
        self._files_by_id: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._updates: list[dict[str, Any]] = []
        self._message_ids = itertools.count(1)

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
        """Forget calls, files, queued updates, failures and the webhook (for a shared server)."""
        with self._lock:
            self._stall_after = None
            self.calls.clear()
            self.downloads.clear()
            self._failures.clear()
            self._files_by_id.clear()
            self._files_by_path.clear()
            self._updates.clear()
            self.webhook_url = None
            self.webhook_secret = None

    # ---- what a test configures --------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def base_url(self) -> str:
        """For `Bot(base_url=...)` and ADUAN_TELEGRAM_API_URL: PTB appends the token."""
        return f"{self._http.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._http.url}/file/bot"

    def settings_overrides(self) -> dict[str, Any]:
        """Keyword arguments for backend.config.Settings that point the Telegram channel here."""
        return {"telegram_token": self.token, "telegram_api_url": self.base_url}

    def fail_next(
        self,
        count: int = 1,
        *,
        error_code: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer the next `count` calls (of `methods`, default: any but getMe) with an error.

        429 carries `parameters.retry_after` (default 3) as Telegram's flood control does.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 3
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: chat not found",
            }.get(error_code, "Internal Server Error")
        wanted = frozenset(m.lower() for m in methods) if methods is not None else None
        with self._lock:
            for _ in range(count):
                self._failures.append(_Failure(error_code, description, retry_after, wanted))

    def add_file(
        self, data: bytes, *, file_path: str | None = None, file_size: int | None = None
    ) -> FakeFile:
        """Register bytes that getFile and the file download will serve.

        `file_size` may claim more than `len(data)`, to make an over-the-limit photo without the bytes.
        """
        key = uuid.uuid4().hex
        fake = FakeFile(
            file_id=f"AgAC{key}",
            file_unique_id=f"AQAD{key[:12]}",
            file_size=len(data) if file_size is None else file_size,
            file_path=file_path or f"photos/file_{key[:8]}.jpg",
            data=data,
        )
        with self._lock:
            self._files_by_id[fake.file_id] = fake
            self._files_by_path[fake.file_path] = fake
        return fake

    def push_update(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates."""
        with self._lock:
            self._updates.extend(updates)

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent(self) -> list[ApiCall]:
        """The successful sendMessage/sendPhoto calls, in order."""
        with self._lock:
            return [c for c in self.calls if c.method in ("sendMessage", "sendPhoto") and c.status == 200]

    # ---- the HTTP side -----------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            ]
        )

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        path = request.path_params["path"]
        with self._lock:
            fake = self._files_by_path.get(path)
            self.downloads.append(path)
        if fake is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(fake.data, media_type="application/octet-stream")

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        raw_method = request.path_params["method"]
        method = _METHOD_NAMES.get(raw_method.lower(), raw_method)
        params, files = await _read_params(request)

        if method == "sendMessage" and self._take_stall():
            # Telegram never answers this one: the sender hangs and nothing is delivered.
            self._record(ApiCall(method, params, files, 0))
            await asyncio.sleep(3600)
        failure = self._take_failure(method)
        if failure is not None:
            self._record(ApiCall(method, params, files, failure.error_code))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.error_code,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return JSONResponse(body, status_code=failure.error_code)

        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            self._record(ApiCall(method, params, files, 404))
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        status, result = await handler(params, files)
        self._record(ApiCall(method, params, files, status))
        if status != 200:
            return JSONResponse({"ok": False, "error_code": status, "description": result}, status)
        return JSONResponse({"ok": True, "result": result})

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)

    def stall_after(self, delivered: int) -> None:
        """Let `delivered` more sendMessage calls through, then never answer the next ones."""
        with self._lock:
            self._stall_after = delivered

    def _take_stall(self) -> bool:
        with self._lock:
            if self._stall_after is None:
                return False
            if self._stall_after > 0:
                self._stall_after -= 1
                return False
            return True

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            for i, failure in enumerate(self._failures):
                applies = (
                    method.lower() in failure.methods
                    if failure.methods is not None
                    else method.lower() != "getme"
                )
                if applies:
                    return self._failures.pop(i)
        return None

    # ---- methods: each returns (status, result-or-description) --------------------------------

    async def _m_getme(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> tuple[int, Any]:
        return 200, BOT_USER

    async def _m_sendmessage(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> tuple[int, Any]:
        if not params.get("text"):
            return 400, "Bad Request: message text is empty"
        if len(params["text"]) > 4096:
            return 400, "Bad Request: message is too long"
        message = self._bot_message(params)
        message["text"] = params["text"]
        return 200, message

    async def _m_sendphoto(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> tuple[int, Any]:
        if "photo" not in params and "photo" not in files:
            return 400, "Bad Request: there is no photo in the request"
        if len(params.get("caption") or "") > 1024:
            return 400, "Bad Request: message caption is too long"
        message = self._bot_message(params)
        key = uuid.uuid4().hex
        message["photo"] = [
            {"file_id": f"AgAC{key}s", "file_unique_id": f"s{key[:10]}", "width": 90, "height": 90},
            {"file_id": f"AgAC{key}m", "file_unique_id": f"m{key[:10]}", "width": 800, "height": 800},
        ]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return 200, message

    async def _m_getfile(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> tuple[int, Any]:
        with self._lock:
            fake = self._files_by_id.get(str(params.get("file_id")))
        if fake is None:
            return 400, "Bad Request: invalid file_id"
        return 200, {
            "file_id": fake.file_id,
            "file_unique_id": fake.file_unique_id,
            "file_size": fake.file_size,
            "file_path": fake.file_path,
        }

    async def _m_answercallbackquery(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, Any]:
        if not params.get("callback_query_id"):
            return 400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
        return 200, True

    async def _m_setwebhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> tuple[int, Any]:
        with self._lock:
            self.webhook_url = params.get("url") or None
            self.webhook_secret = params.get("secret_token") or None
        return 200, True

    async def _m_deletewebhook(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, Any]:
        with self._lock:
            self.webhook_url = None
            self.webhook_secret = None
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                self._updates.clear()
        return 200, True

    async def _m_getwebhookinfo(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, Any]:
        with self._lock:
            pending = len(self._updates)
            return 200, {
                "url": self.webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": pending,
            }

    async def _m_getupdates(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> tuple[int, Any]:
        if self.webhook_url:
            return (
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        # Long polling, capped so that stopping the server is never held up for long.
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                if offset:
                    # An offset confirms every update before it: Telegram forgets them.
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            if ready or time.monotonic() >= deadline:
                return 200, ready
            await asyncio.sleep(0.02)

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id", "")
        try:
            chat: dict[str, Any] = {"id": int(chat_id), "type": "private", "first_name": "Warga"}
        except ValueError:
            chat = {"id": -1001, "type": "channel", "title": str(chat_id)}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": chat,
            "date": int(time.time()),
        }
        if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
            message["reply_markup"] = params["reply_markup"]
        return message


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params, files
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = UploadedFile(value.filename, value.content_type, await value.read())
            elif key in _JSON_PARAMS:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
            else:
                params[key] = value
    return params, files
