"""The outbox worker: sends what the outbox holds, with retries and backoff; several may run at once.

A row is claimed with a lease in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), sent
outside any transaction, and its result recorded in another. A worker that dies mid-send leaves a lease
that expires, and another worker (or the same one after a restart) sends the row then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backend import metrics
from backend.db import utcnow
from backend.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)


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
    batch_size: int = 20
    max_attempts: int = 8
    base_backoff: float = 2.0
    max_backoff: float = 600.0
    idle_wait: float = 1.0


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
        now = self.clock()
        with self.db.session() as session:
            stmt = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel.in_(list(self.senders)),
                    or_(OutboxMessage.status == "pending", OutboxMessage.status == "sending"),
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.config.batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = list(session.scalars(stmt))
            for row in rows:
                row.status = "sending"
                row.attempts += 1
                row.next_attempt_at = now + LEASE  # the lease: if we die, the row comes back after it
            return [(r.id, r.channel, r.chat_id, dict(r.payload), r.attempts) for r in rows]

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
    from sqlalchemy import func

    return (
        session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent"))
        or 0
    )
