"""SLA deadlines and escalation up the chain: kelurahan office -> kecamatan -> kota -> monitoring unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.escalation.models import Deadline
from backend.officials.service import escalation_chain
from backend.reports.categories import get_category
from backend.reports.hooks import ReportChange
from backend.reports.lifecycle import is_open
from backend.reports.models import Report
from backend.reports.service import SYSTEM, Actor, add_note


@dataclass(frozen=True)
class Escalation:
    ticket: str
    from_unit: str
    to_unit: str
    reason: str  # accept | finish | dispute


def open_deadlines(
    session: Session, *, report: Report, now: datetime, kinds: tuple[str, ...] = ("accept", "finish")
) -> None:
    category = get_category(report.category)
    within = {"accept": category.accept_within, "finish": category.finish_within}
    for kind in kinds:
        session.add(
            Deadline(
                report_id=report.id,
                kind=kind,
                unit_id=report.unit_id,
                due_at=now + within[kind],
                created_at=now,
            )
        )


def close_deadlines(
    session: Session, *, report: Report, now: datetime, kinds: tuple[str, ...], state: str
) -> None:
    session.execute(
        update(Deadline)
        .where(Deadline.report_id == report.id, Deadline.state == "open", Deadline.kind.in_(kinds))
        .values(state=state, closed_at=now)
    )


def on_report_change(session: Session, change: ReportChange) -> None:
    """Keep the report's deadlines in step with its life (registered as a report hook)."""
    report, event = change.report, change.event
    now = event.created_at
    if event.kind == "dibuat":
        open_deadlines(session, report=report, now=now)
    elif event.kind == "diproses":
        close_deadlines(session, report=report, now=now, kinds=("accept",), state="met")
    elif event.kind in ("selesai", "ditolak"):
        close_deadlines(session, report=report, now=now, kinds=("accept", "finish"), state="met")
    elif event.kind == "dialihkan":
        close_deadlines(session, report=report, now=now, kinds=("accept", "finish"), state="cancelled")
        open_deadlines(session, report=report, now=now)
    elif event.kind == "dibuka_kembali":
        open_deadlines(session, report=report, now=now)


def escalate(session: Session, *, report: Report, now: datetime, reason: str) -> Escalation | None:
    """Give the report to the next unit up; None when it is already at the top."""
    if report.unit is None:
        return None
    chain = escalation_chain(session, unit=report.unit)
    if not chain:
        return None
    previous, target = report.unit, chain[0]
    report.unit = target
    report.escalation_level += 1
    close_deadlines(session, report=report, now=now, kinds=("accept", "finish"), state="escalated")
    kinds = ("accept", "finish") if report.status == "menunggu" else ("finish",)
    session.flush()
    open_deadlines(session, report=report, now=now, kinds=kinds)
    add_note(
        session,
        report=report,
        kind="eskalasi",
        actor=Actor(kind="system", name=SYSTEM.name, unit=target),
        note=f"{previous.name} -> {target.name} ({reason})",
        now=now,
    )
    return Escalation(report.ticket, previous.name, target.name, reason)


def check_deadlines(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[Escalation]:
    """One escalation pass: every open deadline that has passed moves its report one level up."""
    now = now or utcnow()
    overdue = session.scalars(
        select(Deadline)
        .where(Deadline.state == "open", Deadline.due_at <= now)
        .order_by(Deadline.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Deadline)
    ).all()
    done: list[Escalation] = []
    handled: set[int] = set()
    for deadline in overdue:
        if deadline.state != "open":
            continue  # closed by an escalation earlier in this pass
        report = session.get(Report, deadline.report_id)
        if report is None or not is_open(report.status) or report.id in handled:
            deadline.state, deadline.closed_at = "cancelled", now
            continue
        if deadline.kind == "accept" and report.status != "menunggu":
            deadline.state, deadline.closed_at = "met", now
            continue
        handled.add(report.id)
        result = escalate(session, report=report, now=now, reason=deadline.kind)
        if result is None:
            deadline.state, deadline.closed_at = "escalated", now  # at the top: the monitoring unit has it
        else:
            done.append(result)
    session.flush()
    return done


def next_due(session: Session, *, report: Report) -> datetime | None:
    return session.scalar(
        select(Deadline.due_at)
        .where(Deadline.report_id == report.id, Deadline.state == "open")
        .order_by(Deadline.due_at)
        .limit(1)
    )


def accept_deadline(session: Session, *, report: Report) -> datetime | None:
    return session.scalar(
        select(Deadline.due_at)
        .where(Deadline.report_id == report.id, Deadline.state == "open", Deadline.kind == "accept")
        .limit(1)
    )
