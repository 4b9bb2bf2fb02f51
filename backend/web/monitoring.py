"""Monitoring pages: the report list with filters, one report (and an official's actions), the map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.deps import SessionDep, SettingsDep
from backend.officials.permissions import NotAllowed
from backend.officials.service import get_unit_by_name
from backend.public.schemas import STATUS_LABELS
from backend.public.service import FilterError, area_choices, places
from backend.reports import handling
from backend.reports.categories import get_category, load_taxonomy
from backend.reports.lifecycle import REJECT_REASONS, IllegalTransition
from backend.reports.models import Report
from backend.reports.photos import PhotoRejected, store_photo
from backend.reports.service import ReportError
from backend.staff import monitoring as mon
from backend.staff.auth import Monitoring, Official, Staff
from backend.staff.service import audit, visible_unit_ids
from backend.web.templating import back, render

router = APIRouter()
THREAD_KINDS = ("balasan", "balasan_warga")
ACTIONS = ("terima", "balas", "selesai", "alihkan", "tolak")


def _filter(request: Request) -> tuple[mon.StaffFilter, str | None]:
    try:
        return mon.StaffFilter.parse(dict(request.query_params)), None
    except FilterError as exc:
        return mon.StaffFilter(base=mon.ReportFilter()), str(exc)


def _filter_context(session: Session, settings: Any, visible: set[int] | None) -> dict[str, Any]:
    all_places = places(session, region=settings.region)
    return {
        "all_places": all_places,
        "areas": area_choices(all_places),
        "categories": list(load_taxonomy().values()),
        "statuses": STATUS_LABELS,
        "units": mon.units_for_filter(session, region=settings.region, visible=visible),
    }


@router.get("/laporan", response_class=HTMLResponse, summary="Reports with filters")
def report_list(
    request: Request, staff: Monitoring, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    flt, error = _filter(request)
    visible = visible_unit_ids(session, account=staff.account)
    context = _filter_context(session, settings, visible)
    now = utcnow()
    reports = mon.search(
        session,
        flt=flt,
        region=settings.region,
        all_places=context["all_places"],
        zone=settings.timezone,
        now=now,
        visible=visible,
    )
    context |= {
        "flt": flt,
        "query": flt.as_query(),
        "reports": reports,
        "overdue": mon.overdue_ids(session, report_ids=[r.id for r in reports], now=now),
        "filter_error": error,
        "limit": mon.LIST_LIMIT,
    }
    return render(request, "laporan_list.html", staff, context, status=400 if error else 200)


def _visible_report(session: Session, staff: Staff, ticket: str) -> Report:
    report = mon.report_detail(session, ticket=ticket)
    if report is None:
        raise HTTPException(status_code=404, detail="no such report")
    if not mon.may_see(report, visible_unit_ids(session, account=staff.account)):
        raise HTTPException(status_code=403, detail="Laporan unit lain / another unit's report")
    return report


@router.get("/laporan/{ticket}", response_class=HTMLResponse, summary="One report: history, photos, thread")
def report_page(
    ticket: str, request: Request, staff: Monitoring, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    report = _visible_report(session, staff, ticket)
    all_places = places(session, region=settings.region)
    official = staff.account.official
    from backend.officials.permissions import can_act

    context = {
        "report": report,
        "category": get_category(report.category),
        "place": all_places.get(report.area_id) if report.area_id else None,
        "thread": [e for e in report.events if e.kind in THREAD_KINDS],
        "can_act": official is not None and can_act(session, official=official, report=report),
        "reject_reasons": REJECT_REASONS,
        "overdue": bool(mon.overdue_ids(session, report_ids=[report.id], now=utcnow())),
        "statuses": STATUS_LABELS,
    }
    return render(request, "laporan.html", staff, context)


@router.post("/laporan/{ticket}/aksi/{action}", summary="An official acts on a report (as in chat)")
async def report_action(
    ticket: str,
    action: str,
    request: Request,
    staff: Official,
    session: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if action not in ACTIONS:
        raise HTTPException(status_code=404, detail="no such action")
    report = _visible_report(session, staff, ticket)
    official = staff.account.official
    if official is None:
        raise HTTPException(status_code=403, detail="akun ini bukan petugas unit / not a unit's official")
    url = f"/dashboard/laporan/{report.ticket}"
    data = await photo.read(settings.max_photo_bytes + 1) if photo is not None and photo.filename else None
    savepoint = session.begin_nested()
    try:
        _do(session, settings, report, official, action, text=text, unit=unit, reason=reason, photo=data)
    except NotAllowed as exc:
        savepoint.rollback()
        raise HTTPException(status_code=403, detail=str(exc)) from exc
    except (ReportError, IllegalTransition, PhotoRejected, ValueError) as exc:
        savepoint.rollback()
        return back(url, err=str(exc))
    savepoint.commit()
    audit(
        session, account=staff.account, action=f"report_{action}", report_id=report.id, ticket=report.ticket
    )
    return back(url, msg="Tersimpan / saved")


def _do(
    session: Session,
    settings: Any,
    report: Report,
    official: Any,
    action: str,
    *,
    text: str,
    unit: str,
    reason: str,
    photo: bytes | None,
) -> None:
    """The same service functions officials use in chat (backend.reports.handling)."""
    if action == "terima":
        handling.accept(session, report=report, official=official)
    elif action == "balas":
        handling.reply(session, report=report, official=official, text=text)
    elif action == "selesai":
        photos = []
        if photo:
            stored, _ = store_photo(
                session, data=photo, media_dir=settings.media_dir, max_bytes=settings.max_photo_bytes
            )
            photos.append(stored)
        handling.finish(session, report=report, official=official, note=text, photos=photos)
    elif action == "alihkan":
        target = get_unit_by_name(session, region=settings.region, name=unit.strip())
        if target is None:
            raise ReportError(f"tidak ada unit {unit!r} / no unit {unit!r}")
        handling.reroute(session, report=report, official=official, unit=target, reason=text.strip() or "-")
    elif action == "tolak":
        handling.reject(session, report=report, official=official, reason=reason, note=text.strip() or None)


# --- the map -------------------------------------------------------------------------------------


@router.get("/peta", response_class=HTMLResponse, summary="Map: markers and open reports per kelurahan")
def map_page(request: Request, staff: Monitoring, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    flt, error = _filter(request)
    visible = visible_unit_ids(session, account=staff.account)
    context = _filter_context(session, settings, visible) | {
        "flt": flt,
        "query": flt.as_query(),
        "filter_error": error,
        "tiles_url": settings.map_tiles_url,
        "tiles_attribution": settings.map_tiles_attribution,
    }
    return render(request, "peta.html", staff, context)


@router.get("/api/peta.json", summary="The map's data: report markers and open reports per kelurahan")
def map_data(request: Request, staff: Monitoring, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    flt, error = _filter(request)
    if error:
        raise HTTPException(status_code=400, detail=error)
    visible = visible_unit_ids(session, account=staff.account)
    all_places = places(session, region=settings.region)
    now = utcnow()
    common = {"region": settings.region, "all_places": all_places, "zone": settings.timezone, "now": now}
    reports = mon.search(session, flt=flt, visible=visible, limit=5000, **common)
    overdue = mon.overdue_ids(session, report_ids=[r.id for r in reports], now=now)
    markers = [
        {
            "ticket": r.ticket,
            "category": get_category(r.category).label_id,
            "status": r.status,
            "overdue": r.id in overdue,
            "unit": r.unit.name if r.unit else None,
            "lat": r.latitude,
            "lon": r.longitude,
        }
        for r in reports
        if r.latitude is not None and r.longitude is not None
    ]
    counts = mon.count_open_per_area(session, flt=flt, visible=visible, **common)
    return JSONResponse({"markers": markers, "open_per_area": {str(k): v for k, v in counts.items()}})
