"""Statistics per kota, kecamatan and kelurahan, computed from the reports and their events.

- received: reports made in the period;
- done: reports whose status is selesai;
- median time to finish: from the report's creation to its last move to selesai (an event);
- share within deadline: of the reports that can be judged (done, or still open past the category's
  SLA finish duration), those finished within it. Rejected reports and open reports still inside
  their deadline are not judged yet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.public.service import Place, ReportFilter, filtered_select
from backend.reports.categories import get_category
from backend.reports.lifecycle import Status, is_open
from backend.reports.models import Report, ReportEvent

LEVELS = ("kota", "kecamatan", "kelurahan")


@dataclass
class AreaStats:
    level: str
    name: str
    parent: str | None
    received: int = 0
    done: int = 0
    judged: int = 0
    on_time: int = 0
    durations: list[timedelta] = field(default_factory=list, repr=False)

    @property
    def median_hours(self) -> float | None:
        if not self.durations:
            return None
        return round(statistics.median(d.total_seconds() for d in self.durations) / 3600, 1)

    @property
    def within_deadline(self) -> float | None:
        """A share between 0 and 1, or None when nothing can be judged yet."""
        return round(self.on_time / self.judged, 3) if self.judged else None


@dataclass
class StatsTable:
    total: AreaStats
    by_level: dict[str, list[AreaStats]]


@dataclass(frozen=True)
class _Row:
    category: str
    status: str
    created_at: datetime
    area_id: int
    finished_at: datetime | None


def compute_statistics(
    session: Session,
    *,
    region: str,
    flt: ReportFilter,
    zone: str,
    all_places: dict[int, Place],
    now: datetime,
) -> StatsTable:
    finished = (
        select(ReportEvent.report_id, func.max(ReportEvent.created_at).label("finished_at"))
        .where(ReportEvent.to_status == Status.SELESAI.value)
        .group_by(ReportEvent.report_id)
        .subquery()
    )
    stmt = filtered_select(
        flt,
        region=region,
        all_places=all_places,
        zone=zone,
        columns=(Report.category, Report.status, Report.created_at, Report.area_id, finished.c.finished_at),
    ).outerjoin(finished, finished.c.report_id == Report.id)
    rows = [_Row(*r) for r in session.execute(stmt).all()]

    total = AreaStats(level="total", name="Semua", parent=None)
    buckets: dict[tuple[str, str, str | None], AreaStats] = {}
    for row in rows:
        place = all_places.get(row.area_id)
        targets = [total]
        if place is not None:
            for level, parent_level in (("kota", None), ("kecamatan", "kota"), ("kelurahan", "kecamatan")):
                name = getattr(place, level)
                if name is None:
                    continue
                parent = getattr(place, parent_level) if parent_level else None
                key = (level, name, parent)
                if key not in buckets:
                    buckets[key] = AreaStats(level=level, name=name, parent=parent)
                targets.append(buckets[key])
        for bucket in targets:
            _count(bucket, row, now)
    by_level: dict[str, list[AreaStats]] = defaultdict(list)
    for (level, _, _), stats in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][2] or "", kv[0][1])):
        by_level[level].append(stats)
    return StatsTable(total=total, by_level={level: by_level.get(level, []) for level in LEVELS})


def _count(stats: AreaStats, row: _Row, now: datetime) -> None:
    stats.received += 1
    limit = get_category(row.category).finish_within
    if row.status == Status.SELESAI.value and row.finished_at is not None:
        took = max(row.finished_at - row.created_at, timedelta(0))
        stats.done += 1
        stats.durations.append(took)
        stats.judged += 1
        stats.on_time += took <= limit
    elif is_open(row.status) and now - row.created_at > limit:
        stats.judged += 1
