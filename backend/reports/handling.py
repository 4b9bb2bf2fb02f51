"""What officials and citizens do with an existing report. Each step is an event in its history."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from geopy.distance import geodesic
from sqlalchemy import Float, bindparam, select
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.officials.models import Official, Unit
from backend.officials.permissions import require_can_act
from backend.reports.lifecycle import OPEN_STATUSES, REJECT_REASONS
from backend.reports.models import Follower, Photo, Report
from backend.reports.service import Actor, ReportError, add_note, change_status

NEARBY_METRES = 100
NEARBY_WINDOW = timedelta(hours=48)
DISPUTES_BEFORE_ESCALATION = 2


def official_actor(official: Official) -> Actor:
    return Actor(kind="official", name=official.name, unit=official.unit)


def accept(session: Session, *, report: Report, official: Official, now: datetime | None = None) -> None:
    require_can_act(session, official=official, report=report)
    change_status(session, report=report, to_status="diproses", actor=official_actor(official), now=now)


def reply(
    session: Session, *, report: Report, official: Official, text: str, now: datetime | None = None
) -> None:
    """A message from the official to the citizen; the citizen's answers come back to this report."""
    require_can_act(session, official=official, report=report)
    if not text.strip():
        raise ReportError("empty message")
    add_note(
        session, report=report, kind="balasan", actor=official_actor(official), note=text.strip(), now=now
    )


def finish(
    session: Session,
    *,
    report: Report,
    official: Official,
    note: str,
    photos: list[Photo] | None = None,
    now: datetime | None = None,
) -> None:
    require_can_act(session, official=official, report=report)
    for photo in photos or []:
        photo.report = report
    change_status(
        session,
        report=report,
        to_status="selesai",
        actor=official_actor(official),
        note=note.strip() or None,
        now=now,
    )


def attach_result_photo(
    session: Session, *, report: Report, official: Official, photo: Photo, now: datetime | None = None
) -> None:
    require_can_act(session, official=official, report=report)
    photo.report = report
    add_note(session, report=report, kind="foto_hasil", actor=official_actor(official), note=None, now=now)


def reroute(
    session: Session,
    *,
    report: Report,
    official: Official,
    unit: Unit,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Hand the report to another unit (another kelurahan, an agency, a utility); it waits for them."""
    require_can_act(session, official=official, report=report)
    if unit.id == report.unit_id:
        raise ReportError("the report is already with that unit")
    previous = report.unit
    report.unit = unit
    report.escalation_level = 0
    actor = official_actor(official)
    if report.status == "diproses":
        change_status(
            session, report=report, to_status="menunggu", actor=actor, note=reason, kind="dialihkan", now=now
        )
    else:
        add_note(
            session,
            report=report,
            kind="dialihkan",
            actor=actor,
            note=f"{previous.name if previous else '-'} -> {unit.name}: {reason}".strip(),
            now=now,
        )


def reject(
    session: Session,
    *,
    report: Report,
    official: Official,
    reason: str,
    note: str | None = None,
    now: datetime | None = None,
) -> None:
    require_can_act(session, official=official, report=report)
    if reason not in REJECT_REASONS:
        raise ReportError(f"reason must be one of {', '.join(REJECT_REASONS)}")
    text = reason if not note else f"{reason}: {note}"
    change_status(
        session, report=report, to_status="ditolak", actor=official_actor(official), note=text, now=now
    )


def open_reports_of(session: Session, *, official: Official, limit: int = 20) -> list[Report]:
    """The official's unit's open reports, oldest waiting first (the most urgent by SLA comes first)."""
    rows = session.scalars(
        select(Report)
        .where(Report.unit_id == official.unit_id, Report.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Report.created_at)
        .limit(200)
    ).all()
    from backend.escalation.service import next_due

    return sorted(rows, key=lambda r: next_due(session, report=r) or r.created_at)[:limit]


# --- the citizen's side --------------------------------------------------------------------------


def citizen_answer(session: Session, *, report: Report, text: str, now: datetime | None = None) -> None:
    add_note(
        session, report=report, kind="balasan_warga", actor=Actor(kind="citizen"), note=text.strip(), now=now
    )


def confirm_fixed(session: Session, *, report: Report, now: datetime | None = None) -> None:
    add_note(session, report=report, kind="dikonfirmasi", actor=Actor(kind="citizen"), note=None, now=now)


def dispute(session: Session, *, report: Report, note: str | None, now: datetime | None = None) -> bool:
    """ "Belum beres": reopen to menunggu. Returns True when this dispute sends it up the chain."""
    if report.status != "selesai":
        raise ReportError("only a finished report can be disputed")
    report.disputes += 1
    change_status(
        session,
        report=report,
        to_status="menunggu",
        actor=Actor(kind="citizen"),
        note=note,
        kind="dibuka_kembali",
        now=now,
    )
    if report.disputes < DISPUTES_BEFORE_ESCALATION:
        return False
    from backend.escalation.service import escalate  # escalation builds on this module's events

    escalate(session, report=report, now=now or utcnow(), reason="dispute")
    return True


def rate(session: Session, *, report: Report, rating: int, now: datetime | None = None) -> None:
    if not 1 <= rating <= 5:
        raise ReportError("a rating is 1 to 5")
    report.rating = rating
    add_note(session, report=report, kind="dinilai", actor=Actor(kind="citizen"), note=str(rating), now=now)


def follow(
    session: Session, *, report: Report, channel: str, chat_id: str, role: str, language: str
) -> Follower:
    existing = session.scalar(
        select(Follower).where(
            Follower.report_id == report.id, Follower.channel == channel, Follower.chat_id == chat_id
        )
    )
    if existing is not None:
        return existing
    follower = Follower(report_id=report.id, channel=channel, chat_id=chat_id, role=role, language=language)
    session.add(follower)
    session.flush()
    return follower


def support(
    session: Session,
    *,
    report: Report,
    channel: str,
    chat_id: str,
    language: str,
    now: datetime | None = None,
) -> None:
    follow(session, report=report, channel=channel, chat_id=chat_id, role="supporter", language=language)
    add_note(session, report=report, kind="didukung", actor=Actor(kind="citizen"), note=None, now=now)


_LAT, _LON, _SCALE = (bindparam(name, type_=Float) for name in ("lat", "lon", "scale"))
# Built once (asked on every report's location) and ranked in SQL by a flat-earth distance: a busy
# corner may hold many open reports, and only the nearest matters.
_NEAREST_CANDIDATE = (
    select(Report.id, Report.latitude, Report.longitude)
    .where(
        Report.category == bindparam("category"),
        Report.status.in_(sorted(s.value for s in OPEN_STATUSES)),
        Report.created_at >= bindparam("since"),
        Report.latitude.between(bindparam("lat_min"), bindparam("lat_max")),
        Report.longitude.between(bindparam("lon_min"), bindparam("lon_max")),
    )
    .order_by(
        (Report.latitude - _LAT) * (Report.latitude - _LAT)
        + (Report.longitude - _LON) * _SCALE * (Report.longitude - _LON) * _SCALE
    )
    .limit(1)
)


def nearby_open_report(
    session: Session,
    *,
    category: str,
    latitude: float,
    longitude: float,
    now: datetime | None = None,
) -> Report | None:
    """An open report of the same category within 100 m from the last 48 hours (geopy's geodesic)."""
    since = (now or utcnow()) - NEARBY_WINDOW
    delta = 0.002  # ~220 m: a cheap box in SQL first (plain columns only), the exact distance after
    box = {
        "category": category,
        "since": since,
        "lat_min": latitude - delta,
        "lat_max": latitude + delta,
        "lon_min": longitude - delta,
        "lon_max": longitude + delta,
        "lat": latitude,
        "lon": longitude,
        "scale": math.cos(math.radians(latitude)),
    }
    with session.no_autoflush:  # reads reports only; the turn's pending writes can wait for its end
        nearest = session.execute(_NEAREST_CANDIDATE, box).first()
        if nearest is None:
            return None
        # The flat-earth order is exact enough at 100 m; the distance itself is geopy's geodesic.
        report_id, lat, lon = nearest
        if geodesic((latitude, longitude), (lat, lon)).meters > NEARBY_METRES:
            return None
        return session.get(Report, report_id)
