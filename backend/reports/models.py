"""Reports, their photos and their history of events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.areas.models import Area
from backend.db import Base, utcnow
from backend.officials.models import Unit


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(12), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    location_text: Mapped[str | None] = mapped_column(Text)
    # The reporter: never shown publicly.
    reporter_channel: Mapped[str | None] = mapped_column(String(32))
    reporter_chat_id: Mapped[str | None] = mapped_column(String(128))
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_language: Mapped[str] = mapped_column(String(8), default="id")
    source: Mapped[str] = mapped_column(String(64), default="chat")
    status: Mapped[str] = mapped_column(String(16), default="menunggu")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    rating: Mapped[int | None]  # the citizen's 1-5 verdict on the result
    disputes: Mapped[int] = mapped_column(default=0)  # times the citizen said "not fixed"
    escalation_level: Mapped[int] = mapped_column(default=0)  # steps taken up the chain
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    area: Mapped[Area | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(back_populates="report", order_by="Photo.id")
    events: Mapped[list[ReportEvent]] = relationship(back_populates="report", order_by="ReportEvent.id")
    informed: Mapped[list[InformedUnit]] = relationship(back_populates="report")


class Photo(Base):
    """A stored image file, addressed by its sha256; attached to a report once one exists."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    path: Mapped[str] = mapped_column(String(300))
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report | None] = relationship(back_populates="photos")


class ReportEvent(Base):
    """One line of a report's history: who did what, when, with what note."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))  # citizen | official | system | agent | partner
    actor_name: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship(back_populates="events")
    unit: Mapped[Unit | None] = relationship()


class InformedUnit(Base):
    """A unit told about a report without being responsible for it (e.g. the agency for the category)."""

    __tablename__ = "report_informed_units"
    __table_args__ = (UniqueConstraint("report_id", "unit_id", name="uq_report_informed_units_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))

    report: Mapped[Report] = relationship(back_populates="informed")
    unit: Mapped[Unit] = relationship()


class Follower(Base):
    """A chat that hears of a report's changes: its reporter, and citizens who support it ("dukung")."""

    __tablename__ = "report_followers"
    __table_args__ = (UniqueConstraint("report_id", "channel", "chat_id", name="uq_report_followers_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16), default="supporter")  # reporter | supporter
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
