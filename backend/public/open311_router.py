"""Open311 GeoReport v2 over HTTP at /open311/v2/: thin, the meaning is in open311.py."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from backend.areas.geocoding import PlaceFinder, build_place_finder
from backend.areas.service import place_records, region_title
from backend.config import Settings
from backend.db import utcnow
from backend.deps import SessionDep, SettingsDep
from backend.public import open311
from backend.public.open311 import NewRequest, Open311Error
from backend.public.open311_format import FORMATS, error, render
from backend.public.service import expected_at, places, public_rows, reports_by_tickets, reports_in_window
from backend.reports.categories import UnknownCategory
from backend.reports.service import Actor, OutsideRegion, ReportError, create_report

router = APIRouter(prefix="/open311/v2", tags=["open311"])
MIN_PLACE_CONFIDENCE = 0.6

_finders: dict[tuple[str, str], PlaceFinder] = {}
_finders_lock = threading.Lock()


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, f"format {fmt!r} is not served: use .xml or .json")
    return fmt


def _rows(session: Session, settings: Settings, reports: list[Any]) -> list[dict[str, Any]]:
    all_places = places(session, region=settings.region)
    rows = public_rows(session, reports, all_places=all_places, base_url=settings.base_url)
    return [open311.request_record(r, zone=settings.timezone) for r in rows]


@router.get("/discovery.{fmt}", summary="Service discovery")
def discovery(fmt: str, settings: SettingsDep) -> Response:
    try:
        body = open311.discovery(
            endpoint_url=f"{settings.base_url.rstrip('/')}/open311/v2/",
            region_title=region_title(settings.region),
        )
        return render(_format(fmt), "discovery", body)
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


@router.get("/services.{fmt}", summary="Service list: one service per category")
def service_list(fmt: str) -> Response:
    try:
        return render(_format(fmt), "services", open311.services())
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


@router.get("/services/{service_code}.{fmt}", summary="Service definition")
def service_definition(service_code: str, fmt: str) -> Response:
    try:
        return render(_format(fmt), "service_definition", open311.service_definition(service_code))
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


@router.get("/requests.{fmt}", summary="Service requests (at most 90 days, at most 1,000)")
def service_requests(fmt: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    try:
        _format(fmt)
        query = open311.parse_request_query(dict(request.query_params), now=utcnow())
        if query.ids:  # the spec: a list of ids overrides every other argument
            reports = reports_by_tickets(session, region=settings.region, tickets=query.ids)
        else:
            reports = reports_in_window(
                session,
                region=settings.region,
                start=query.start,
                end=query.end,
                categories=query.service_codes,
                open_states=query.statuses,
                limit=open311.MAX_REQUESTS,
            )
        return render(fmt, "service_requests", _rows(session, settings, reports))
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request")
def service_request(
    service_request_id: str, fmt: str, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        _format(fmt)
        reports = reports_by_tickets(session, region=settings.region, tickets=[service_request_id])
        if not reports:
            raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
        return render(fmt, "service_requests", _rows(session, settings, reports))
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


@router.get("/tokens/{token}.{fmt}", summary="service_request_id from a token")
def token(token: str, fmt: str, session: SessionDep) -> Response:
    try:
        _format(fmt)
        row = open311.by_token(session, token=token)
        if row is None:
            raise Open311Error(404, f"token {token!r} was not found")
        ticket = row.report.ticket if row.report is not None else None
        return render(fmt, "service_requests", [{"service_request_id": ticket, "token": row.token}])
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


async def _form_items(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


@router.post("/requests.{fmt}", summary="Create a service request (form-encoded, needs api_key)")
def create_request(
    fmt: str,
    session: SessionDep,
    settings: SettingsDep,
    items: list[tuple[str, str]] = Depends(_form_items),
) -> Response:
    try:
        _format(fmt)
        key = open311.authenticate(session, api_key=dict(items).get("api_key"))
        new = open311.parse_new_request(items)
        report = _create(session, settings, key_name=key.name, new=new)
        open311.record_request(session, key=key, report_id=report.id, new=new)
        due = open311.w3c(expected_at(report), settings.timezone)
        unit = report.unit.name if report.unit else "petugas"
        notice = f"Laporan diteruskan ke {unit}; target selesai {due}. / Passed to {unit}; due {due}."
        body = [{"service_request_id": report.ticket, "service_notice": notice, "account_id": None}]
        return render(fmt, "service_requests", body)
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


def _create(session: Session, settings: Settings, *, key_name: str, new: NewRequest) -> Any:
    latitude, longitude, area_id = new.latitude, new.longitude, None
    landmark = new.attributes.get("patokan")
    location_text = ", ".join(
        p for p in (landmark if isinstance(landmark, str) else None, new.address_string) if p
    )
    if latitude is None:
        best = open311.locate_address(
            _place_finder(session, settings), new.address_string or "", min_confidence=MIN_PLACE_CONFIDENCE
        )
        if best is None:
            raise Open311Error(400, "address_string could not be located; send lat and long")
        if best.area_id is not None:
            area_id = best.area_id
        else:
            latitude, longitude = best.latitude, best.longitude
    try:
        return create_report(
            session,
            region=settings.region,
            category=new.category.code,
            description=new.description,
            latitude=latitude,
            longitude=longitude,
            area_id=area_id,
            location_text=location_text or None,
            reporter_name=new.reporter_name,
            source=f"open311:{key_name}"[:64],
            actor=Actor(kind="partner", name=key_name),
        )
    except OutsideRegion as exc:
        raise Open311Error(400, f"the location is outside {region_title(exc.region)}") from exc
    except (ReportError, UnknownCategory) as exc:
        raise Open311Error(400, str(exc)) from exc


def _place_finder(session: Session, settings: Settings) -> PlaceFinder:
    key = (settings.region, settings.geocoder)
    with _finders_lock:
        if key not in _finders:
            _finders[key] = build_place_finder(settings, place_records(session, region=settings.region))
        return _finders[key]


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def not_found(rest: str) -> Response:
    fmt = rest.rsplit(".", 1)[-1] if "." in rest else "xml"
    return error(fmt, 404, f"no Open311 resource at {rest!r}")
