"""Reports: create (locate + route), change status, look up, and the public view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import metrics
from backend.areas.models import Area
from backend.areas.service import get_area, locate, region_title
from backend.db import utcnow
from backend.officials.models import Unit
from backend.reports.categories import get_category
from backend.reports.hooks import ReportChange, emit
from backend.reports.lifecycle import check_transition
from backend.reports.models import InformedUnit, Photo, Report, ReportEvent
from backend.reports.schemas import PublicEvent, PublicReport
from backend.reports.tickets import new_ticket, normalise_ticket
from backend.routing.service import route_report

MAX_DESCRIPTION = 4000


class ReportError(Exception):
    """A report cannot be made as asked; the message says why."""


class OutsideRegion(ReportError):
    def __init__(self, region: str) -> None:
        super().__init__(f"the location is outside {region_title(region)}")
        self.region = region


@dataclass(frozen=True)
class Actor:
    kind: str  # citizen | official | system | agent | partner
    name: str | None = None
    unit: Unit | None = None


SYSTEM = Actor(kind="system", name="Aduan")


def create_report(
    session: Session,
    *,
    region: str,
    category: str,
    description: str,
    latitude: float | None = None,
    longitude: float | None = None,
    area_id: int | None = None,
    location_text: str | None = None,
    reporter_channel: str | None = None,
    reporter_chat_id: str | None = None,
    reporter_name: str | None = None,
    reporter_language: str = "id",
    source: str = "chat",
    photos: list[Photo] | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> Report:
    """Create a located, routed report and its first event; hooks (notifications) share the transaction."""
    get_category(category)  # raises UnknownCategory
    # Reads of places, units and tickets only: the caller's pending writes join the report's one flush.
    with session.no_autoflush:
        area = _resolve_area(session, region=region, latitude=latitude, longitude=longitude, area_id=area_id)
        if area is None and latitude is None:
            raise ReportError("a report needs a location: coordinates or a known area")
        route = route_report(session, region=region, category=category, area=area)
        ticket = _unique_ticket(session)
    created = now or utcnow()
    report = Report(
        ticket=ticket,
        category=category,
        description=(description or "").strip()[:MAX_DESCRIPTION],
        latitude=latitude if latitude is not None else (area.centroid_lat if area else None),
        longitude=longitude if longitude is not None else (area.centroid_lon if area else None),
        area=area,
        location_text=location_text,
        reporter_channel=reporter_channel,
        reporter_chat_id=reporter_chat_id,
        reporter_name=reporter_name,
        reporter_language=reporter_language,
        source=source,
        status="menunggu",
        unit=route.responsible,
        created_at=created,
        updated_at=created,
    )
    session.add(report)
    for photo in photos or []:
        photo.report = report
    for unit in route.informed:
        session.add(InformedUnit(report=report, unit=unit))
    who = actor or Actor(kind="citizen", name=None)
    event = _add_event(
        session, report, kind="dibuat", to_status="menunggu", actor=who, unit=route.responsible, at=created
    )
    session.flush()
    metrics.REPORTS_CREATED.labels(category=category).inc()
    emit(session, ReportChange(report=report, event=event))
    return report


def _resolve_area(
    session: Session, *, region: str, latitude: float | None, longitude: float | None, area_id: int | None
) -> Area | None:
    if latitude is not None and longitude is not None:
        located = locate(session, region=region, lat=latitude, lon=longitude)
        if located is None:
            raise OutsideRegion(region)
        return get_area(session, area_id=located.area_id)
    if area_id is not None:
        area = get_area(session, area_id=area_id)
        if area is None or area.region != region:
            raise ReportError(f"no area {area_id} in {region}")
        return area
    return None


_TICKET_TAKEN = select(Report.id).where(Report.ticket == bindparam("ticket"))


def _unique_ticket(session: Session) -> str:
    for _ in range(20):
        ticket = new_ticket()
        if session.scalar(_TICKET_TAKEN, {"ticket": ticket}) is None:
            return ticket
    raise IntegrityError(
        "could not draw a free ticket code", None, Exception()
    )  # 31^6 codes: practically never


def change_status(
    session: Session,
    *,
    report: Report,
    to_status: str,
    actor: Actor,
    note: str | None = None,
    kind: str | None = None,
    now: datetime | None = None,
) -> ReportEvent:
    """Move a report along its life cycle (raises IllegalTransition) and record who did it."""
    target = check_transition(report.status, to_status)
    previous = report.status
    at = now or utcnow()
    report.status = target.value
    report.updated_at = at
    event = _add_event(
        session,
        report,
        kind=kind or target.value,
        from_status=previous,
        to_status=target.value,
        actor=actor,
        unit=actor.unit,
        note=note,
        at=at,
    )
    session.flush()
    emit(session, ReportChange(report=report, event=event))
    return event


def add_note(
    session: Session,
    *,
    report: Report,
    kind: str,
    actor: Actor,
    note: str | None,
    now: datetime | None = None,
) -> ReportEvent:
    """An event that does not change the status (a reply, a reroute, a rating)."""
    at = now or utcnow()
    report.updated_at = at
    event = _add_event(session, report, kind=kind, actor=actor, unit=actor.unit, note=note, at=at)
    session.flush()
    emit(session, ReportChange(report=report, event=event))
    return event


def _add_event(
    session: Session,
    report: Report,
    *,
    kind: str,
    actor: Actor,
    unit: Unit | None,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
) -> ReportEvent:
    event = ReportEvent(
        report=report,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_kind=actor.kind,
        actor_name=actor.name,
        unit=unit,
        note=note,
        created_at=at,
    )
    session.add(event)
    return event


def get_by_ticket(session: Session, *, ticket: str) -> Report | None:
    code = normalise_ticket(ticket)
    if code is None:
        return None
    return session.scalar(select(Report).where(Report.ticket == code))


def latest_event(report: Report) -> ReportEvent | None:
    return report.events[-1] if report.events else None


def photo_url(base_url: str, photo: Photo) -> str:
    """The public address of a photo: served re-encoded, without its EXIF (GPS) metadata."""
    return f"{base_url.rstrip('/')}/public/photos/{photo.id}"


def public_view(report: Report, *, base_url: str) -> PublicReport:
    area = report.area
    kec = area.ancestor("kecamatan") if area else None
    kota = area.ancestor("kota") if area else None
    return PublicReport(
        ticket=report.ticket,
        category=report.category,
        category_label=get_category(report.category).label_id,
        status=report.status,
        description=report.description,
        kelurahan=area.name if area and area.level == "kelurahan" else None,
        kecamatan=kec.name if kec else None,
        kota=kota.name if kota else None,
        latitude=report.latitude,
        longitude=report.longitude,
        photo_urls=[photo_url(base_url, p) for p in report.photos],
        created_at=report.created_at,
        updated_at=report.updated_at,
        responsible_unit=report.unit.name if report.unit else None,
        events=[
            PublicEvent(
                kind=e.kind,
                from_status=e.from_status,
                to_status=e.to_status,
                actor="warga" if e.actor_kind == "citizen" else e.actor_kind,
                unit=e.unit.name if e.unit else None,
                note=e.note if e.actor_kind != "citizen" else None,
                created_at=e.created_at,
            )
            for e in report.events
        ],
    )
