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
_hooks: list[Hook] = []


def on_report_change(hook: Hook) -> Hook:
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def emit(session: Session, change: ReportChange) -> None:
    for hook in list(_hooks):
        hook(session, change)
