"""What reacts to a report's change in this process: deadlines first, then the people to tell.

Called by every composition root (the app, the worker, the CLI commands that change reports) and by
the tests, so a report and its consequences are always committed together.
"""

from __future__ import annotations

from backend.config import Settings
from backend.escalation.callcenter import use_texts
from backend.escalation.service import on_report_change as keep_deadlines
from backend.reports.hooks import on_report_change


def install_report_hooks(settings: Settings) -> None:
    from bots.notify import Notifier  # the one place where the backend reaches the bots' texts
    from bots.texts import t

    on_report_change("deadlines", keep_deadlines)
    on_report_change("notifications", Notifier(settings))
    use_texts(t)
