"""Who may act on a report: its responsible unit, and the units above it in the escalation chain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.officials.models import Official
from backend.officials.service import escalation_chain
from backend.reports.models import Report


class NotAllowed(Exception):
    def __init__(self, official: Official, report: Report) -> None:
        super().__init__(f"{official.name} ({official.unit.name}) may not act on {report.ticket}")
        self.official = official
        self.report = report


def can_act(session: Session, *, official: Official, report: Report) -> bool:
    if report.unit is None or not official.active:
        return False
    if official.unit_id == report.unit_id:
        return True
    return any(unit.id == official.unit_id for unit in escalation_chain(session, unit=report.unit))


def require_can_act(session: Session, *, official: Official, report: Report) -> None:
    if not can_act(session, official=official, report=report):
        raise NotAllowed(official, report)
