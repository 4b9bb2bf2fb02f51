"""What the outbox holds, for the monitoring unit: messages given up on, and the backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.notifications.models import OutboxMessage


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    channel: str
    chat: str  # masked: the monitoring unit needs to see that a person was not reached, not who
    kind: str
    attempts: int
    last_error: str | None
    created_at: datetime


def mask_chat(chat_id: str) -> str:
    return chat_id if len(chat_id) <= 4 else f"…{chat_id[-4:]}"


def failed_deliveries(session: Session, *, limit: int = 200) -> list[FailedDelivery]:
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        FailedDelivery(r.id, r.channel, mask_chat(r.chat_id), r.kind, r.attempts, r.last_error, r.created_at)
        for r in rows
    ]


def outbox_counts(session: Session) -> dict[str, int]:
    """Messages per status: pending, sending, sent, failed."""
    return dict(
        session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )
