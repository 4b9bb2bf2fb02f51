"""Public queries: reports by filter (map, exports, Open311), the places they are in, public rows.

Nothing here reads the reporter's fields: what leaves this module is safe to publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, lazyload, object_session, selectinload

from backend.areas.models import Area
from backend.escalation.models import Deadline
from backend.officials.models import Unit
from backend.reports.categories import get_category, load_taxonomy
from backend.reports.lifecycle import Status, is_open
from backend.reports.models import Report, ReportEvent
from backend.reports.tickets import normalise_ticket

OFFICIAL_ACTORS = ("official", "agent")
MAX_ROWS = 10_000


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ReportFilter:
    """The filters of /peta, the exports and the statistics. Dates are local days (the region's zone)."""

    category: str | None = None
    status: str | None = None  # a life-cycle status, or "open" / "closed"
    kota: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def parse(cls, raw: dict[str, str | None]) -> ReportFilter:
        """Build from query parameters; empty values mean "any"."""
        values = {f.name: (raw.get(f.name) or "").strip() or None for f in fields(cls)}
        category = values["category"]
        if category is not None and category not in load_taxonomy():
            raise FilterError(f"unknown category {category!r}")
        status = values["status"]
        if status is not None and status not in {*(s.value for s in Status), "open", "closed"}:
            raise FilterError(
                f"unknown status {status!r}: use menunggu, diproses, selesai, ditolak, open, closed"
            )
        dates: dict[str, date | None] = {}
        for key in ("date_from", "date_to"):
            text = values[key]
            try:
                dates[key] = date.fromisoformat(text) if text else None
            except ValueError as exc:
                raise FilterError(f"{key} must be a date like 2024-01-31") from exc
        if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
            raise FilterError("date_from is after date_to")
        return cls(
            category=category,
            status=status,
            kota=values["kota"],
            kecamatan=values["kecamatan"],
            kelurahan=values["kelurahan"],
            date_from=dates["date_from"],
            date_to=dates["date_to"],
        )

    def as_query(self) -> dict[str, str]:
        return {f.name: str(v) for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @property
    def has_place(self) -> bool:
        return bool(self.kota or self.kecamatan or self.kelurahan)


@dataclass(frozen=True)
class Place:
    area_id: int
    kelurahan: str | None
    kecamatan: str | None
    kota: str | None

    def label(self) -> str:
        return ", ".join(p for p in (self.kelurahan, self.kecamatan, self.kota) if p)


def places(session: Session, *, region: str) -> dict[int, Place]:
    """Every area of the region with the names of its kelurahan, kecamatan and kota (no geometry read)."""
    rows = session.execute(
        select(Area.id, Area.level, Area.name, Area.parent_id).where(Area.region == region)
    ).all()
    by_id = {r.id: r for r in rows}
    out: dict[int, Place] = {}
    for row in rows:
        names: dict[str, str] = {}
        node = row
        while node is not None:
            names.setdefault(node.level, node.name)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        out[row.id] = Place(row.id, names.get("kelurahan"), names.get("kecamatan"), names.get("kota"))
    return out


def area_choices(all_places: dict[int, Place]) -> dict[str, list[str]]:
    """Sorted distinct names per level, for the filter form."""
    return {
        level: sorted({n for p in all_places.values() if (n := getattr(p, level))})
        for level in ("kota", "kecamatan", "kelurahan")
    }


def _matching_area_ids(all_places: dict[int, Place], flt: ReportFilter) -> set[int]:
    def same(a: str | None, b: str | None) -> bool:
        return b is None or (a is not None and a.casefold() == b.casefold())

    return {
        p.area_id
        for p in all_places.values()
        if same(p.kota, flt.kota) and same(p.kecamatan, flt.kecamatan) and same(p.kelurahan, flt.kelurahan)
    }


def local_day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def filtered_select(
    flt: ReportFilter, *, region: str, all_places: dict[int, Place], zone: str, columns: Sequence[Any] = ()
) -> Select[Any]:
    """SELECT reports (or the given columns) of the region matching the filter."""
    stmt = select(*columns) if columns else select(Report)
    stmt = stmt.join(Area, Area.id == Report.area_id).where(Area.region == region)
    if flt.category:
        stmt = stmt.where(Report.category == flt.category)
    if flt.status == "open":
        stmt = stmt.where(Report.status.in_([Status.MENUNGGU.value, Status.DIPROSES.value]))
    elif flt.status == "closed":
        stmt = stmt.where(Report.status.in_([Status.SELESAI.value, Status.DITOLAK.value]))
    elif flt.status:
        stmt = stmt.where(Report.status == flt.status)
    if flt.has_place:
        stmt = stmt.where(Report.area_id.in_(sorted(_matching_area_ids(all_places, flt)) or [-1]))
    if flt.date_from:
        stmt = stmt.where(Report.created_at >= local_day_start(flt.date_from, zone))
    if flt.date_to:
        stmt = stmt.where(Report.created_at < local_day_start(flt.date_to + timedelta(days=1), zone))
    return stmt


def _light(stmt: Select[Any]) -> Select[Any]:
    # Areas carry their polygons: never load them with a list of reports (names come from places()).
    return stmt.options(
        lazyload(Report.area),
        joinedload(Report.unit).lazyload(Unit.area),
        selectinload(Report.photos),
    )


def search_reports(
    session: Session,
    *,
    region: str,
    flt: ReportFilter,
    zone: str,
    all_places: dict[int, Place] | None = None,
    limit: int = MAX_ROWS,
) -> list[Report]:
    all_places = all_places if all_places is not None else places(session, region=region)
    stmt = filtered_select(flt, region=region, all_places=all_places, zone=zone)
    stmt = _light(stmt).order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)
    return list(session.scalars(stmt).unique())


def reports_by_tickets(session: Session, *, region: str, tickets: Sequence[str]) -> list[Report]:
    codes = [c for t in tickets if (c := normalise_ticket(t))]
    if not codes:
        return []
    stmt = select(Report).join(Area, Area.id == Report.area_id).where(Area.region == region)
    stmt = _light(stmt.where(Report.ticket.in_(codes))).order_by(Report.created_at.desc())
    return list(session.scalars(stmt).unique())


def report_for_page(session: Session, *, region: str, ticket: str) -> Report | None:
    code = normalise_ticket(ticket)
    if code is None:
        return None
    stmt = select(Report).join(Area, Area.id == Report.area_id).where(Area.region == region)
    stmt = _light(stmt.where(Report.ticket == code)).options(
        selectinload(Report.events).joinedload(ReportEvent.unit).lazyload(Unit.area)
    )
    return session.scalars(stmt).unique().first()


def open_or_closed(status: str) -> str:
    """Open311's two states: menunggu and diproses are open; selesai and ditolak are closed."""
    return "open" if is_open(status) else "closed"


def expected_at(report: Report, due: dict[int, datetime] | None = None) -> datetime:
    """The current finish deadline: the report's open `finish` deadline row (it moves with escalation and
    reopening); for a closed report, when it was due when it closed; else created_at + the category SLA."""
    if due is None:
        due = (
            finish_deadlines(object_session(report), report_ids=[report.id]) if object_session(report) else {}
        )
    return due.get(report.id) or report.created_at + get_category(report.category).finish_within


def finish_deadlines(session: Session | None, *, report_ids: Sequence[int]) -> dict[int, datetime]:
    """The latest finish deadline of each report, in one query."""
    if session is None or not report_ids:
        return {}
    rows = session.execute(
        select(Deadline.report_id, func.max(Deadline.due_at))
        .where(
            Deadline.report_id.in_(list(report_ids)),
            Deadline.kind == "finish",
            Deadline.state.in_(("open", "met", "escalated")),
        )
        .group_by(Deadline.report_id)
    ).all()
    return {report_id: (due if due.tzinfo else due.replace(tzinfo=UTC)) for report_id, due in rows}


def latest_official_note(session: Session, *, report_ids: Sequence[int]) -> dict[int, str]:
    """The newest note written by an official (or call-center agent) on each report."""
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportEvent.report_id, ReportEvent.note)
        .where(
            ReportEvent.report_id.in_(list(report_ids)),
            ReportEvent.actor_kind.in_(OFFICIAL_ACTORS),
            ReportEvent.note.is_not(None),
            ReportEvent.note != "",
        )
        .order_by(ReportEvent.report_id, ReportEvent.created_at, ReportEvent.id)
    ).all()
    return {r.report_id: r.note for r in rows}  # the last one per report wins


def public_photo_url(base_url: str, photo_id: int) -> str:
    return f"{base_url.rstrip('/')}/public/photos/{photo_id}"


def report_page_url(base_url: str, ticket: str) -> str:
    return f"{base_url.rstrip('/')}/laporan/{ticket}"


@dataclass(frozen=True)
class PublicRow:
    """One report as the map, the exports and Open311 show it."""

    ticket: str
    category: str
    category_label: str
    status: str
    open311_status: str
    description: str
    kelurahan: str | None
    kecamatan: str | None
    kota: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    responsible_unit: str | None
    created_at: datetime
    updated_at: datetime
    expected_at: datetime
    status_notes: str | None
    photo_urls: list[str]
    url: str


def public_rows(
    session: Session, reports: Sequence[Report], *, all_places: dict[int, Place], base_url: str
) -> list[PublicRow]:
    notes = latest_official_note(session, report_ids=[r.id for r in reports])
    due = finish_deadlines(session, report_ids=[r.id for r in reports])
    rows = []
    for r in reports:
        place = all_places.get(r.area_id) if r.area_id is not None else None
        rows.append(
            PublicRow(
                ticket=r.ticket,
                category=r.category,
                category_label=get_category(r.category).label_id,
                status=r.status,
                open311_status=open_or_closed(r.status),
                description=r.description,
                kelurahan=place.kelurahan if place else None,
                kecamatan=place.kecamatan if place else None,
                kota=place.kota if place else None,
                location_text=r.location_text,
                latitude=r.latitude,
                longitude=r.longitude,
                responsible_unit=r.unit.name if r.unit else None,
                created_at=r.created_at,
                updated_at=r.updated_at,
                expected_at=expected_at(r, due),
                status_notes=notes.get(r.id),
                photo_urls=[public_photo_url(base_url, p.id) for p in r.photos],
                url=report_page_url(base_url, r.ticket),
            )
        )
    return rows


def reports_in_window(
    session: Session,
    *,
    region: str,
    start: datetime,
    end: datetime,
    categories: Sequence[str] = (),
    open_states: Sequence[str] = (),
    limit: int = 1000,
) -> list[Report]:
    """Reports made in [start, end], newest first; `open_states` holds "open" and/or "closed"."""
    stmt = select(Report).join(Area, Area.id == Report.area_id).where(Area.region == region)
    stmt = stmt.where(Report.created_at >= start, Report.created_at <= end)
    if categories:
        stmt = stmt.where(Report.category.in_(list(categories)))
    wanted = {s for s in Status if open_or_closed(s.value) in set(open_states)}
    if open_states:
        stmt = stmt.where(Report.status.in_(sorted(s.value for s in wanted)))
    stmt = _light(stmt).order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)
    return list(session.scalars(stmt).unique())
