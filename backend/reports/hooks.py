"""The seam where other domains react to a report's life, inside the same transaction.

Notifications register here (they write outbox rows), so a report and the messages it causes are
committed together or not at all, and the reports domain never imports a channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from backend.reports.models import Report, ReportEvent


@dataclass(frozen=True)
class ReportChange:
    report: Report
    event: ReportEvent


Hook = Callable[[Session, "ReportChange"], None]
_hooks: dict[str, Hook] = {}


def on_report_change(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`; hooks run in registration order."""
    _hooks[name] = hook


def emit(session: Session, change: ReportChange) -> None:
    for hook in list(_hooks.values()):
        hook(session, change)
