"""Conversations: find or open one, record what was said, and queue what is sent to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend import metrics
from backend.conversations.models import Conversation, InboundMessage, TranscriptEntry
from backend.db import utcnow
from backend.notifications.models import OutboxMessage

# Channels whose messages are read from the transcript instead of being pushed to a platform.
PULL_CHANNELS = frozenset({"web"})


# The hot path builds these statements once: building a select costs about as much as running it here.
_BY_CHAT = select(Conversation).where(
    Conversation.channel == bindparam("channel"), Conversation.chat_id == bindparam("chat_id")
)
_BY_CHAT_LOCKED = _BY_CHAT.with_for_update()
_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
_NEW_CONVERSATION = {
    name: insert(Conversation.__table__).on_conflict_do_nothing(index_elements=["channel", "chat_id"])
    for name, insert in _INSERTS.items()
}
_NEW_INBOUND = {
    name: insert(InboundMessage.__table__)
    .on_conflict_do_nothing(index_elements=["channel", "platform_message_id"])
    .returning(InboundMessage.__table__.c.id)
    for name, insert in _INSERTS.items()
}

# A line of the transcript is never changed: a plain INSERT, cheaper than the ORM's unit of work.
_NEW_TRANSCRIPT_LINE = TranscriptEntry.__table__.insert().returning(TranscriptEntry.__table__.c.id)


def conversation_for(
    session: Session, *, channel: str, chat_id: str, display_name: str | None = None, lock: bool = False
) -> Conversation:
    """The conversation of this chat, created on first contact. `lock` serialises two messages of one chat."""
    stmt = _BY_CHAT_LOCKED if lock else _BY_CHAT
    key = {"channel": channel, "chat_id": chat_id}
    conversation = session.scalar(stmt, key)
    if conversation is None:
        # Two first messages of one chat may race: the unique pair decides, and both read the winner.
        now = utcnow()
        session.execute(
            _NEW_CONVERSATION[_dialect(session)],
            {
                "channel": channel,
                "chat_id": chat_id,
                "display_name": display_name,
                "state": {},
                "language": "id",
                "mode": "bot",
                "failures": 0,
                "invite_failures": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
        conversation = session.scalar(stmt, key)
        assert conversation is not None
    elif display_name and conversation.display_name != display_name:
        conversation.display_name = display_name
    return conversation


def record_inbound(
    session: Session,
    *,
    conversation: Conversation,
    platform_message_id: str,
    summary: str,
    now: datetime | None = None,
) -> bool:
    """Store an inbound message once. False when this platform id was seen before (a retried webhook)."""
    channel = conversation.channel
    received = now or utcnow()
    inserted = session.execute(
        _NEW_INBOUND[_dialect(session)],
        {
            "channel": channel,
            "platform_message_id": platform_message_id,
            "conversation_id": conversation.id,
            "received_at": received,
        },
    ).scalar()
    if inserted is None:
        return False
    session.execute(
        _NEW_TRANSCRIPT_LINE,
        {
            "conversation_id": conversation.id,
            "direction": "in",
            "author": "citizen",
            "text": summary,
            "buttons": [],
            "request_location": False,
            "image_url": None,
            "created_at": received,
        },
    )
    conversation.last_inbound_at = received  # after the INSERT, which would flush it early
    metrics.INBOUND_MESSAGES.labels(channel=channel).inc()
    return True


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@dataclass(frozen=True)
class SentMessage:
    """A line of the transcript just written (its id is the web chat's `seq`)."""

    id: int
    text: str
    buttons: list[dict[str, str]]
    request_location: bool
    image_url: str | None


def send_to_chat(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    request_location: bool = False,
    image_path: str | None = None,
    image_url: str | None = None,
    kind: str = "reply",
    author: str = "bot",
    conversation: Conversation | None = None,
    extra: dict[str, Any] | None = None,
) -> SentMessage:
    """Say something to a person: it joins the transcript, and the outbox when the platform needs a push.

    The caller's transaction commits both with the change that caused them, so nothing is lost.
    """
    conversation = conversation or conversation_for(session, channel=channel, chat_id=chat_id)
    buttons = list(buttons or [])
    line_id = session.execute(
        _NEW_TRANSCRIPT_LINE,
        {
            "conversation_id": conversation.id,
            "direction": "out",
            "author": author,
            "text": text,
            "buttons": buttons,
            "request_location": request_location,
            "image_url": image_url,
            "created_at": utcnow(),
        },
    ).scalar_one()
    if channel not in PULL_CHANNELS:
        payload: dict[str, Any] = {
            "text": text,
            "buttons": buttons,
            "request_location": request_location,
            "image_path": image_path,
            "image_url": image_url,
            **(extra or {}),
        }
        session.add(OutboxMessage(channel=channel, chat_id=chat_id, kind=kind, payload=payload))
    return SentMessage(line_id, text, buttons, request_location, image_url)


def messages_after(
    session: Session, *, channel: str, chat_id: str, after: int, limit: int = 200
) -> list[TranscriptEntry]:
    """What was sent to a chat after transcript entry `after` (the web chat polls this)."""
    conversation = session.scalar(
        select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
    )
    if conversation is None:
        return []
    return list(
        session.scalars(
            select(TranscriptEntry)
            .where(
                TranscriptEntry.conversation_id == conversation.id,
                TranscriptEntry.direction == "out",
                TranscriptEntry.id > after,
            )
            .order_by(TranscriptEntry.id)
            .limit(limit)
        )
    )


def request_human(
    session: Session, *, conversation: Conversation, reason: str, now: datetime | None = None
) -> bool:
    """Put the conversation in the call-center queue; False when it was already waiting or held."""
    if conversation.mode != "bot":
        return False
    conversation.mode = "waiting"
    conversation.handover_reason = reason
    conversation.handover_requested_at = now or utcnow()
    return True
