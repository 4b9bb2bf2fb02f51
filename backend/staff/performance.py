"""The "rapor": how each unit handles its reports, computed from the reports' events.

A report's history is cut into stints: a unit holds the report from the event that gave it to them
(dibuat, eskalasi, dialihkan) until the next such event. Per unit:

- received: stints that started at the unit;
- accepted within deadline: of the stints that started while the report was waiting (menunggu) and
  whose answer is known, the share where the unit responded (diproses, selesai or ditolak) within the
  category's accept time. A stint is known once the unit responded, lost the report, or the accept
  time passed;
- median time to accept / to finish: from the stint's start to the first response / to selesai;
- open / overdue now: the reports the unit holds now that are open / past the accept (menunggu) or
  finish (diproses) time counted from the stint's start or the last reopening;
- reopened: "belum beres" disputes while the unit held the report;
- rating: the average citizen rating given while the unit held the report.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from backend.officials.models import Unit
from backend.reports.categories import Category, get_category
from backend.reports.models import Report, ReportEvent

ASSIGNING = ("dibuat", "eskalasi", "dialihkan")
RESPONSES = ("diproses", "selesai", "ditolak")
LEVELS = {
    "kelurahan_office": "kelurahan",
    "kecamatan_office": "kecamatan",
    "kota_office": "kota",
    "agency": "instansi",
    "monitoring": "pemantau",
    "call_center": "call center",
}


@dataclass
class UnitPerformance:
    unit_id: int
    unit: str
    level: str
    received: int = 0
    accept_known: int = 0
    accepted_in_time: int = 0
    accept_hours: list[float] = field(default_factory=list)
    finish_hours: list[float] = field(default_factory=list)
    open_now: int = 0
    overdue_now: int = 0
    reopened: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def accepted_pct(self) -> float | None:
        return round(100 * self.accepted_in_time / self.accept_known, 1) if self.accept_known else None

    @property
    def median_accept_hours(self) -> float | None:
        return round(statistics.median(self.accept_hours), 2) if self.accept_hours else None

    @property
    def median_finish_hours(self) -> float | None:
        return round(statistics.median(self.finish_hours), 2) if self.finish_hours else None

    @property
    def average_rating(self) -> float | None:
        return round(statistics.fmean(self.ratings), 2) if self.ratings else None


# Each column and which way is worse: the table opens with the worst unit at the top.
COLUMNS: dict[str, tuple[str, bool]] = {
    "unit": ("Unit", False),
    "received": ("Diterima / Received", True),
    "accepted_pct": ("Diterima tepat waktu / Accepted in time (%)", False),
    "median_accept_hours": ("Median waktu terima / to accept (jam)", True),
    "median_finish_hours": ("Median waktu selesai / to finish (jam)", True),
    "open_now": ("Terbuka / Open", True),
    "overdue_now": ("Terlambat / Overdue", True),
    "reopened": ("Dibuka kembali / Reopened", True),
    "average_rating": ("Rata-rata nilai / Avg rating", False),
}


RowFor = Callable[[int | None], UnitPerformance | None]


@dataclass
class _Stint:
    unit_id: int | None
    start: datetime
    waiting: bool  # started while the report waited for acceptance
    responded_at: datetime | None = None
    finished_at: datetime | None = None
    end: datetime | None = None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def compute_performance(
    session: Session,
    *,
    region: str,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    levels: Sequence[str] = (),
) -> list[UnitPerformance]:
    """One row per unit that received a report (made in [since, until)) or holds one now."""
    units = {
        u.id: u for u in session.scalars(select(Unit).where(Unit.region == region).options(lazyload("*")))
    }
    stmt = select(Report).where(Report.unit_id.in_(list(units)) | Report.unit_id.is_(None))
    if since is not None:
        stmt = stmt.where(Report.created_at >= since)
    if until is not None:
        stmt = stmt.where(Report.created_at < until)
    reports = {r.id: r for r in session.scalars(stmt.options(lazyload(Report.area), lazyload(Report.unit)))}
    events: dict[int, list[ReportEvent]] = {rid: [] for rid in reports}
    ids = list(reports)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for event in session.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(chunk))
            .options(lazyload(ReportEvent.unit), lazyload(ReportEvent.report))
            .order_by(ReportEvent.created_at, ReportEvent.id)
        ):
            events[event.report_id].append(event)
    names = {u.name: u.id for u in units.values()}
    rows: dict[int, UnitPerformance] = {}

    def row(unit_id: int | None) -> UnitPerformance | None:
        if unit_id is None or unit_id not in units:
            return None
        if unit_id not in rows:
            unit = units[unit_id]
            rows[unit_id] = UnitPerformance(unit_id, unit.name, LEVELS.get(unit.kind, unit.kind))
        return rows[unit_id]

    for report_id, report in reports.items():
        _walk(report, events[report_id], names, now, row)
    wanted = set(levels)
    return [r for r in rows.values() if not wanted or r.level in wanted]


def _walk(
    report: Report, events: list[ReportEvent], names: dict[str, int], now: datetime, row: RowFor
) -> None:
    category = get_category(report.category)
    stints: list[_Stint] = []
    status = "menunggu"
    window_start: datetime | None = None
    for index, event in enumerate(events):
        at = event.created_at
        current = stints[-1] if stints else None
        if event.kind in ASSIGNING:
            unit_id = (
                event.unit_id if event.kind != "dialihkan" else _reroute_target(events, index, names, report)
            )
            if current is not None:
                current.end = at
            stints.append(_Stint(unit_id, at, waiting=event.kind == "dialihkan" or status == "menunggu"))
            window_start = at
        elif event.kind == "dibuka_kembali" and current is not None:
            if (target := row(current.unit_id)) is not None:
                target.reopened += 1
            window_start = at
        elif (
            event.kind == "dinilai"
            and current is not None
            and (event.note or "").isdigit()
            and (target := row(current.unit_id)) is not None
        ):
            target.ratings.append(int(event.note or 0))
        if current is not None and event.to_status in RESPONSES and event.kind not in ASSIGNING:
            if current.responded_at is None:
                current.responded_at = at
            if event.to_status == "selesai" and current.finished_at is None:
                current.finished_at = at
        if event.to_status:
            status = event.to_status
    for stint in stints:
        _count(stint, category, now, row)
    if stints and status in ("menunggu", "diproses") and (target := row(stints[-1].unit_id)):
        target.open_now += 1
        limit = category.accept_within if status == "menunggu" else category.finish_within
        if window_start is not None and now > window_start + limit:
            target.overdue_now += 1


def _count(stint: _Stint, category: Category, now: datetime, row: RowFor) -> None:
    target: UnitPerformance | None = row(stint.unit_id)
    if target is None:
        return
    target.received += 1
    deadline = stint.start + category.accept_within
    if stint.responded_at is not None:
        target.accept_hours.append(_hours(stint.responded_at - stint.start))
    if stint.finished_at is not None:
        target.finish_hours.append(_hours(stint.finished_at - stint.start))
    if not stint.waiting:
        return
    if stint.responded_at is not None:
        target.accept_known += 1
        target.accepted_in_time += int(stint.responded_at <= deadline)
    elif (stint.end is not None and stint.end <= now) or now > deadline:
        target.accept_known += 1


def _reroute_target(
    events: list[ReportEvent], index: int, names: dict[str, int], report: Report
) -> int | None:
    """Who got a rerouted report: named in the note ("A -> B: why"), else the next unit that acted
    on it (or the next escalation's "from" side), else the report's unit now."""
    note = events[index].note or ""
    if "->" in note:
        name = note.split("->", 1)[1].split(":", 1)[0].strip()
        if name in names:
            return names[name]
    for later in events[index + 1 :]:
        if later.kind == "eskalasi" and later.note and "->" in later.note:
            return names.get(later.note.split("->", 1)[0].strip(), report.unit_id)
        if later.kind in ASSIGNING:
            break
        if later.actor_kind == "official" and later.unit_id is not None:
            return later.unit_id
    return report.unit_id


def sort_rows(
    rows: list[UnitPerformance], *, key: str = "accepted_pct", reverse: bool | None = None
) -> list[UnitPerformance]:
    """Sort by a column; by default the worst first, with empty values last."""
    if key not in COLUMNS:
        key = "accepted_pct"
    higher_is_worse = COLUMNS[key][1]
    descending = higher_is_worse if reverse is None else reverse
    if key == "unit":
        return sorted(rows, key=lambda r: r.unit.casefold(), reverse=bool(reverse))
    sign = -1 if descending else 1
    present = [r for r in rows if getattr(r, key) is not None]
    empty = [r for r in rows if getattr(r, key) is None]
    present.sort(key=lambda r: (sign * getattr(r, key), -r.overdue_now, r.unit))
    return present + sorted(empty, key=lambda r: (-r.overdue_now, r.unit))


def performance_csv(rows: Sequence[UnitPerformance]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["unit", "level", *[c for c in COLUMNS if c != "unit"]])
    for r in rows:
        values = [getattr(r, c) for c in COLUMNS if c != "unit"]
        writer.writerow([r.unit, r.level, *["" if v is None else v for v in values]])
    return out.getvalue()
