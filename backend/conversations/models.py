"""Conversations with people on any channel: their state, every inbound message, and the transcript."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, utcnow


class Conversation(Base):
    """One chat (channel + chat id). The dialog's state lives here, never in process memory."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_conversations_channel_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="id")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # bot: the bot answers; waiting: a person was asked for; human: an agent holds the chat
    mode: Mapped[str] = mapped_column(String(16), default="bot")
    handover_reason: Mapped[str | None] = mapped_column(String(32))
    handover_requested_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    invite_failures: Mapped[int] = mapped_column(default=0)  # wrong invite codes in a row
    invite_blocked_until: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboundMessage(Base):
    """Every message received, with the platform's own id: a retried webhook is recognised and ignored."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "platform_message_id", name="uq_inbound_messages_channel_platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    platform_message_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranscriptEntry(Base):
    """What was said in a conversation, both ways; the web chat reads its messages from here."""

    __tablename__ = "transcript"
    __table_args__ = (Index("ix_transcript_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    author: Mapped[str] = mapped_column(String(16), default="bot")  # citizen | bot | agent | system
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    request_location: Mapped[bool] = mapped_column(default=False)
    image_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
