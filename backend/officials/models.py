"""Units (offices and agencies), the officials in them, their chat identities and invite codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.areas.models import Area
from backend.db import Base, utcnow

UNIT_KINDS = ("kelurahan_office", "kecamatan_office", "kota_office", "agency", "monitoring", "call_center")
ROLES = ("lurah", "camat", "walikota", "agency_staff", "monitoring", "agent", "admin")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("region", "name", name="uq_units_region_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str | None] = mapped_column(
        String(64)
    )  # agency code (bina_marga, damkar, ...) for kind=agency
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area | None] = relationship()
    officials: Mapped[list[Official]] = relationship(back_populates="unit")


class Official(Base):
    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="officials")
    identities: Mapped[list[ChatIdentity]] = relationship(back_populates="official")


class ChatIdentity(Base):
    """A chat account bound to an official: (channel, chat id) is unique."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_chat_identities_channel_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    official: Mapped[Official] = relationship(back_populates="identities")


class InviteCode(Base):
    """A one-time code that binds a chat account to a new official of a unit. Stored as a hash."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
