"""The escalation pass on a timer: the worker runs it every minute (`aduan sla check` runs it once)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from backend.db import utcnow
from backend.escalation.callcenter import queue_disputed_reports, release_idle_conversations
from backend.escalation.service import Escalation, check_deadlines

log = logging.getLogger(__name__)


def run_sla_check(db: Any, *, now: datetime | None = None) -> list[Escalation]:
    with db.session() as session:
        return check_deadlines(session, now=now)


def run_callcenter_upkeep(db: Any, *, idle_after: timedelta, now: datetime | None = None) -> None:
    """Idle held conversations back to the queue; reports disputed twice put their reporter in it."""
    now = now or utcnow()
    with db.session() as session:
        release_idle_conversations(session, now, idle_after)
        queue_disputed_reports(session, now=now)


async def run_sla_loop(
    db: Any, stop: asyncio.Event, interval: float, idle_after: timedelta | None = None
) -> None:
    while not stop.is_set():
        try:
            if idle_after is not None:
                await asyncio.to_thread(run_callcenter_upkeep, db, idle_after=idle_after)
            done = await asyncio.to_thread(run_sla_check, db)
            for item in done:
                log.info(
                    "escalated %s: %s -> %s (%s)", item.ticket, item.from_unit, item.to_unit, item.reason
                )
        except Exception:  # the loop must outlive a database hiccup
            log.exception("SLA check failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
