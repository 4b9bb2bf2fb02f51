"""The web chat: the embedded default channel. A JSON/multipart API and a small page at /chat."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from backend.conversations.service import messages_after
from bots.inbound import InboundPipeline
from bots.messages import Attachment, IncomingMessage, Location, Photo

CHANNEL = "web"
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAGE = Path(__file__).parent / "static" / "chat.html"


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": detail})


def build_web_router(pipeline: InboundPipeline, max_photo_bytes: int) -> APIRouter:
    router = APIRouter(tags=["web chat"])

    @router.get("/chat", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(PAGE, media_type="text/html; charset=utf-8")

    @router.post("/chat/web/messages")
    async def post_message(
        request: Request,
        session: Annotated[
            str, Form(description="The browser's chat session id (8-64 letters, digits, _ or -)")
        ],
        text: Annotated[str | None, Form()] = None,
        latitude: Annotated[float | None, Form()] = None,
        longitude: Annotated[float | None, Form()] = None,
        button: Annotated[str | None, Form(description="The value of a pressed button")] = None,
        message_id: Annotated[
            str | None, Form(description="Client's id for this message; a retry reuses it")
        ] = None,
        photo: Annotated[UploadFile | None, File()] = None,
    ) -> JSONResponse:
        if not SESSION_RE.match(session or ""):
            return _error(422, "bad_session", "session must be 8-64 letters, digits, _ or -")
        if (latitude is None) != (longitude is None):
            return _error(422, "bad_location", "send both latitude and longitude")
        if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # type: ignore[operator]
            return _error(422, "bad_location", "latitude/longitude out of range")
        message = IncomingMessage(
            channel=CHANNEL,
            chat_id=session,
            platform_message_id=(message_id or uuid.uuid4().hex)[:128],
            language_hint=_language_hint(request),
            text=text,
            location=Location(latitude, longitude)
            if latitude is not None and longitude is not None
            else None,
            button_value=button or None,
        )
        if photo is not None and photo.filename:
            data = await photo.read(max_photo_bytes + 1)
            if len(data) > max_photo_bytes:
                message.photo_too_large = True
            elif (photo.content_type or "").startswith(
                ("image/", "application/octet-stream")
            ) or not photo.content_type:
                message.photos.append(
                    Photo(data=data, content_type=photo.content_type, filename=photo.filename)
                )
            else:
                message.attachments.append(_attachment_kind(photo.content_type))
        outcome = await pipeline.receive(message)
        return JSONResponse(
            {
                "replies": [
                    {
                        "seq": r["seq"],
                        "text": r["text"],
                        "buttons": r["buttons"],
                        "request_location": r["request_location"],
                        "image_url": r["image_url"],
                    }
                    for r in outcome.replies
                ],
                "duplicate": outcome.duplicate,
            }
        )

    @router.get("/chat/web/messages")
    def get_messages(
        request: Request,
        session: Annotated[str, Query()],
        after: Annotated[int, Query(ge=0)] = 0,
    ) -> JSONResponse:
        if not SESSION_RE.match(session or ""):
            return _error(422, "bad_session", "session must be 8-64 letters, digits, _ or -")
        with request.app.state.db.session() as db_session:
            entries = messages_after(db_session, channel=CHANNEL, chat_id=session, after=after)
            return JSONResponse(
                {
                    "messages": [
                        {
                            "seq": e.id,
                            "text": e.text,
                            "buttons": e.buttons,
                            "request_location": e.request_location,
                            "image_url": e.image_url,
                            "author": e.author,
                        }
                        for e in entries
                    ]
                }
            )

    return router


def _language_hint(request: Request) -> str | None:
    accept = request.headers.get("accept-language", "")
    return accept.split(",")[0].strip()[:8] or None


def _attachment_kind(content_type: str | None) -> Attachment:
    kind = (content_type or "").split("/")[0]
    return {"audio": Attachment.VOICE, "video": Attachment.VIDEO}.get(kind, Attachment.DOCUMENT)
