"""The outbox worker: sends what the outbox holds, with retries and backoff; several may run at once.

A row is claimed with a lease in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), sent
outside any transaction, and its result recorded in another. A worker that dies mid-send leaves a lease
that expires, and another worker (or the same one after a restart) sends the row then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from backend import metrics
from backend.db import utcnow
from backend.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

CLAIM_LOCK_KEY = 7_250_431  # pg_advisory_xact_lock key of the outbox claim


class SendFailed(Exception):
    """A send failed: `retry_after` when the platform asked to wait; `permanent` when a retry is useless."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


# A sender takes (chat_id, payload) and returns the platform's message id.
Sender = Callable[[str, dict[str, Any]], Awaitable[str | None]]


@dataclass
class WorkerConfig:
    batch_size: int = 50
    max_attempts: int = 8
    base_backoff: float = 2.0
    max_backoff: float = 600.0
    idle_wait: float = 1.0
    lease_seconds: float = 60.0
    # Platform limits, shared by every worker through the claimed_at column (see _claim).
    rate_per_second: dict[str, float] = field(default_factory=lambda: {"telegram": 30.0, "whatsapp": 50.0})
    chat_rate_per_second: float = 1.0
    chat_burst: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> WorkerConfig:
        return cls(
            max_attempts=settings.outbox_max_attempts,
            lease_seconds=settings.outbox_lease_seconds,
            rate_per_second={"telegram": settings.telegram_rate_per_second, "whatsapp": 50.0},
            chat_rate_per_second=settings.chat_rate_per_second,
            chat_burst=settings.chat_burst,
        )


class OutboxWorker:
    def __init__(
        self,
        db: Any,
        senders: dict[str, Sender],
        config: WorkerConfig | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.senders = senders
        self.config = config or WorkerConfig()
        self.clock = clock
        self.wakeup = asyncio.Event()

    def notify(self) -> None:
        """Something was queued: look now instead of at the next tick."""
        self.wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("outbox pass failed")
                sent = 0
            if sent == 0:
                self.wakeup.clear()
                waiters = [asyncio.ensure_future(self.wakeup.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(
                    waiters, timeout=self.config.idle_wait, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()

    async def run_once(self) -> int:
        """Claim a batch, send it, record the results; returns how many rows were handled."""
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        await asyncio.gather(
            *(
                self._deliver(row_id, channel, chat_id, payload, attempts)
                for row_id, channel, chat_id, payload, attempts in claimed
            )
        )
        return len(claimed)

    def _claim(self) -> list[tuple[int, str, str, dict[str, Any], int]]:
        """Take the rows that may be sent now, within each platform's limits, oldest first per chat.

        Claims are serialised (an advisory lock on PostgreSQL, the write lock on SQLite), so the limits
        hold across any number of workers: each counts what all workers claimed in the last moments.
        """
        now = self.clock()
        config = self.config
        with self.db.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})
            candidates = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel.in_(list(self.senders)),
                        OutboxMessage.status.in_(("pending", "sending")),
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.id)
                    .limit(config.batch_size * 4)
                    .with_for_update(skip_locked=True)
                )
            )
            if not candidates:
                return []
            budget = {ch: self._channel_budget(session, ch, now) for ch in {r.channel for r in candidates}}
            busy = self._busy_chats(session, now)
            taken: list[OutboxMessage] = []
            for row in candidates:
                key = (row.channel, row.chat_id)
                if budget[row.channel] <= 0 or key in busy or len(taken) >= config.batch_size:
                    continue
                busy.add(key)  # one row per chat per pass keeps each chat's messages in order
                budget[row.channel] -= 1
                row.status = "sending"
                row.attempts += 1
                row.claimed_at = now
                row.next_attempt_at = now + timedelta(seconds=config.lease_seconds)  # the lease
                taken.append(row)
            return [(r.id, r.channel, r.chat_id, dict(r.payload), r.attempts) for r in taken]

    def _channel_budget(self, session: Session, channel: str, now: datetime) -> int:
        rate = self.config.rate_per_second.get(channel)
        if rate is None:
            return self.config.batch_size
        recent = (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.channel == channel, OutboxMessage.claimed_at > now - timedelta(seconds=1)
                )
            )
            or 0
        )
        return max(0, int(rate) - recent)

    def _busy_chats(self, session: Session, now: datetime) -> set[tuple[str, str]]:
        """Chats that reached their burst in the window, or have a message in flight."""
        window = timedelta(seconds=self.config.chat_burst / self.config.chat_rate_per_second)
        rows = session.execute(
            select(OutboxMessage.channel, OutboxMessage.chat_id, func.count())
            .where(OutboxMessage.claimed_at > now - window)
            .group_by(OutboxMessage.channel, OutboxMessage.chat_id)
        ).all()
        busy = {(ch, chat) for ch, chat, n in rows if n >= self.config.chat_burst}
        in_flight = session.execute(
            select(OutboxMessage.channel, OutboxMessage.chat_id).where(
                OutboxMessage.status == "sending", OutboxMessage.next_attempt_at > now
            )
        ).all()
        return busy | {(ch, chat) for ch, chat in in_flight}

    async def _deliver(
        self, row_id: int, channel: str, chat_id: str, payload: dict[str, Any], attempts: int
    ) -> None:
        try:
            platform_id = await self.senders[channel](chat_id, payload)
        except SendFailed as exc:
            await asyncio.to_thread(self._record_failure, row_id, channel, attempts, exc)
            return
        except Exception as exc:
            await asyncio.to_thread(self._record_failure, row_id, channel, attempts, SendFailed(repr(exc)))
            return
        await asyncio.to_thread(self._record_sent, row_id, channel, platform_id)

    def _record_sent(self, row_id: int, channel: str, platform_id: str | None) -> None:
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(status="sent", sent_at=self.clock(), platform_message_id=platform_id, last_error=None)
            )
        metrics.NOTIFICATIONS_SENT.labels(channel=channel).inc()

    def _record_failure(self, row_id: int, channel: str, attempts: int, exc: SendFailed) -> None:
        give_up = exc.permanent or attempts >= self.config.max_attempts
        delay = (
            exc.retry_after
            if exc.retry_after is not None
            else min(self.config.max_backoff, self.config.base_backoff * 2 ** (attempts - 1))
        )
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(
                    status="failed" if give_up else "pending",
                    next_attempt_at=self.clock() + timedelta(seconds=delay),
                    last_error=str(exc)[:2000],
                )
            )
        if give_up:
            metrics.NOTIFICATIONS_FAILED.labels(channel=channel).inc()
            log.warning("outbox %s to %s failed for good: %s", row_id, channel, exc)


def pending_count(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent"))
        or 0
    )
