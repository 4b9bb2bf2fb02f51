"""What the monitoring pages read: reports by filter (with unit and overdue), one report, map data.

The public filters (status, category, place, dates) come from backend.public.service; staff add the
responsible unit, "overdue" (an open SLA deadline has passed) and the official's own units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from backend.escalation.models import Deadline
from backend.officials.models import Unit
from backend.public.service import FilterError, Place, ReportFilter, filtered_select
from backend.reports.lifecycle import OPEN_STATUSES
from backend.reports.models import Report, ReportEvent

LIST_LIMIT = 200


@dataclass(frozen=True)
class StaffFilter:
    base: ReportFilter
    unit_id: int | None = None
    overdue: bool = False

    @classmethod
    def parse(cls, raw: dict[str, str]) -> StaffFilter:
        base = ReportFilter.parse(raw)
        unit = (raw.get("unit") or "").strip()
        if unit and not unit.isdigit():
            raise FilterError("unit must be a unit id")
        return cls(base=base, unit_id=int(unit) if unit else None, overdue=raw.get("overdue") in ("1", "on"))

    def as_query(self) -> dict[str, str]:
        query = self.base.as_query()
        if self.unit_id is not None:
            query["unit"] = str(self.unit_id)
        if self.overdue:
            query["overdue"] = "1"
        return query


def overdue_clause(now: datetime) -> Any:
    return exists().where(
        Deadline.report_id == Report.id, Deadline.state == "open", Deadline.due_at < now
    ) & Report.status.in_([s.value for s in OPEN_STATUSES])


def staff_select(
    flt: StaffFilter,
    *,
    region: str,
    all_places: dict[int, Place],
    zone: str,
    now: datetime,
    visible: set[int] | None,
    columns: tuple[Any, ...] = (),
) -> Any:
    stmt = filtered_select(flt.base, region=region, all_places=all_places, zone=zone, columns=columns)
    if flt.unit_id is not None:
        stmt = stmt.where(Report.unit_id == flt.unit_id)
    if flt.overdue:
        stmt = stmt.where(overdue_clause(now))
    if visible is not None:
        stmt = stmt.where(Report.unit_id.in_(sorted(visible) or [-1]))
    return stmt


def search(
    session: Session,
    *,
    flt: StaffFilter,
    region: str,
    all_places: dict[int, Place],
    zone: str,
    now: datetime,
    visible: set[int] | None,
    limit: int = LIST_LIMIT,
) -> list[Report]:
    stmt = staff_select(flt, region=region, all_places=all_places, zone=zone, now=now, visible=visible)
    stmt = (
        stmt.options(lazyload(Report.area), joinedload(Report.unit).lazyload(Unit.area))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).unique())


def overdue_ids(session: Session, *, report_ids: list[int], now: datetime) -> set[int]:
    if not report_ids:
        return set()
    return set(session.scalars(select(Report.id).where(Report.id.in_(report_ids), overdue_clause(now))))


def count_open_per_area(
    session: Session,
    *,
    flt: StaffFilter,
    region: str,
    all_places: dict[int, Place],
    zone: str,
    now: datetime,
    visible: set[int] | None,
) -> dict[int, int]:
    """Open reports per kelurahan (area id), for the choropleth."""
    stmt = staff_select(
        flt,
        region=region,
        all_places=all_places,
        zone=zone,
        now=now,
        visible=visible,
        columns=(Report.area_id, func.count(Report.id)),
    )
    stmt = stmt.where(Report.status.in_([s.value for s in OPEN_STATUSES])).group_by(Report.area_id)
    return {area_id: count for area_id, count in session.execute(stmt).all() if area_id is not None}


def report_detail(session: Session, *, ticket: str) -> Report | None:
    from backend.reports.tickets import normalise_ticket

    code = normalise_ticket(ticket)
    if code is None:
        return None
    return session.scalars(
        select(Report)
        .where(Report.ticket == code)
        .options(
            lazyload(Report.area),
            selectinload(Report.photos),
            selectinload(Report.events).joinedload(ReportEvent.unit).lazyload(Unit.area),
        )
    ).first()


def units_for_filter(session: Session, *, region: str, visible: set[int] | None) -> list[Unit]:
    stmt = select(Unit).where(Unit.region == region).options(lazyload(Unit.area)).order_by(Unit.name)
    if visible is not None:
        stmt = stmt.where(Unit.id.in_(sorted(visible) or [-1]))
    return list(session.scalars(stmt))


def may_see(report: Report, visible: set[int] | None) -> bool:
    return visible is None or report.unit_id in visible
