"""SLA deadlines: rows in the database, so any worker can escalate what is overdue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow
from backend.officials.models import Unit


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # accept | finish
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # who must act by then
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | met | escalated | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
