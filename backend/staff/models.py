"""Staff accounts and their browser sessions, the audit log, canned replies, and who holds a chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow
from backend.officials.models import Official, Unit

STAFF_ROLES = ("admin", "monitoring", "agent", "official")


class StaffAccount(Base):
    """A person who logs in to /dashboard. An official's account is tied to an Official of their unit,
    so the report page acts through the same service functions (and permission checks) as the chat."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # admin | monitoring | agent | official
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)  # wrong passwords in a row
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded when used (a unit's area carries its polygon: never join it into every login check).
    unit: Mapped[Unit | None] = relationship()
    official: Mapped[Official | None] = relationship()


class StaffSession(Base):
    """A logged-in browser. The cookie holds a random token; only its sha256 is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    account: Mapped[StaffAccount] = relationship(lazy="joined", innerjoin=True)


class AuditLog(Base):
    """Who did what, to which conversation or report, when: every call-center and staff step."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # the account's e-mail, or "system"
    action: Mapped[str] = mapped_column(String(48))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedReply(Base):
    """A short code and the answer it stands for; admins edit them, agents insert them."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConversationHold(Base):
    """The agent holding a conversation. One row per conversation at most: the unique key is what
    makes a second agent's take-over fail, on SQLite and PostgreSQL alike."""

    __tablename__ = "conversation_holds"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_agent_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[StaffAccount] = relationship()
