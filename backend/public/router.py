"""The public site (no login): /peta, /laporan/KODE, /statistik, the exports and public photos."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from shapely.geometry import mapping, shape

from backend.areas.service import region_title
from backend.db import utcnow
from backend.deps import SessionDep, SettingsDep
from backend.public import charts, exports
from backend.public.photos import clean_copy, published_photo
from backend.public.schemas import STATUS_LABELS
from backend.public.service import (
    FilterError,
    ReportFilter,
    area_choices,
    places,
    public_rows,
    report_for_page,
    search_reports,
)
from backend.public.stats import compute_statistics
from backend.public.views import page_view
from backend.reports.categories import load_taxonomy

STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(tags=["public"])
LIST_ON_MAP_PAGE = 50


def _localtime(value: datetime | None, zone: str = "Asia/Jakarta") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y %H:%M")


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def _hours(hours: float | None) -> str:
    if hours is None:
        return "–"
    return f"{hours:g} jam" if hours < 48 else f"{round(hours / 24, 1):g} hari"


templates.env.filters["localtime"] = _localtime
templates.env.filters["percent"] = _percent
templates.env.filters["hours"] = _hours


def _filter_or_error(request: Request) -> tuple[ReportFilter, str | None]:
    try:
        return ReportFilter.parse(dict(request.query_params)), None
    except FilterError as exc:
        return ReportFilter(), str(exc)


def _common(settings: Any, all_places: dict[int, Any], flt: ReportFilter) -> dict[str, Any]:
    return {
        "region_title": region_title(settings.region),
        "zone": settings.timezone,
        "categories": list(load_taxonomy().values()),
        "statuses": STATUS_LABELS,
        "areas": area_choices(all_places),
        "flt": flt,
        "query": flt.as_query(),
    }


@router.get("/peta", response_class=HTMLResponse, summary="The public map of reports")
def map_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    flt, error = _filter_or_error(request)
    all_places = places(session, region=settings.region)
    reports = search_reports(
        session,
        region=settings.region,
        flt=flt,
        zone=settings.timezone,
        all_places=all_places,
        limit=LIST_ON_MAP_PAGE,
    )
    rows = public_rows(session, reports, all_places=all_places, base_url=settings.base_url)
    context = _common(settings, all_places, flt) | {
        "rows": rows,
        "error": error,
        "tiles_url": settings.map_tiles_url,
        "tiles_attribution": settings.map_tiles_attribution,
    }
    return templates.TemplateResponse(request, "peta.html", context, status_code=400 if error else 200)


@router.get("/laporan/{ticket}", response_class=HTMLResponse, summary="One report's public page")
def report_page(ticket: str, request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    report = report_for_page(session, region=settings.region, ticket=ticket)
    all_places = places(session, region=settings.region)
    context = _common(settings, all_places, ReportFilter())
    if report is None:
        context |= {"ticket": ticket}
        return templates.TemplateResponse(request, "laporan_404.html", context, status_code=404)
    place = all_places.get(report.area_id) if report.area_id is not None else None
    view = page_view(report, place=place, base_url=settings.base_url)
    boundary = report.area_id and exports.area_geometry(session, area_id=report.area_id)
    context |= {
        "report": view,
        "boundary": boundary or None,
        "tiles_url": settings.map_tiles_url,
        "tiles_attribution": settings.map_tiles_attribution,
    }
    return templates.TemplateResponse(request, "laporan.html", context)


@router.get("/statistik", response_class=HTMLResponse, summary="Statistics per kota, kecamatan, kelurahan")
def statistics_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    flt, error = _filter_or_error(request)
    all_places = places(session, region=settings.region)
    table = compute_statistics(
        session, region=settings.region, flt=flt, zone=settings.timezone, all_places=all_places, now=utcnow()
    )
    chart = charts.received_done_svg(table.by_level["kota"], title="Laporan per kota / Reports per city")
    context = _common(settings, all_places, flt) | {"table": table, "chart": chart, "error": error}
    return templates.TemplateResponse(request, "statistik.html", context, status_code=400 if error else 200)


def _rows_for_export(request: Request, session: SessionDep, settings: SettingsDep) -> list[Any]:
    try:
        flt = ReportFilter.parse(dict(request.query_params))
    except FilterError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    all_places = places(session, region=settings.region)
    reports = search_reports(
        session, region=settings.region, flt=flt, zone=settings.timezone, all_places=all_places
    )
    return public_rows(session, reports, all_places=all_places, base_url=settings.base_url)


@router.get("/api/reports.geojson", summary="Reports as GeoJSON (the filters of /peta)")
def reports_geojson(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    rows = _rows_for_export(request, session, settings)
    return JSONResponse(exports.reports_geojson(rows), media_type="application/geo+json")


@router.get("/api/reports.csv", summary="Reports as CSV (the filters of /peta)")
def reports_csv(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    rows = _rows_for_export(request, session, settings)
    return Response(
        exports.reports_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="laporan.csv"'},
    )


@router.get("/api/areas/kelurahan.geojson", summary="The kelurahan boundaries, from the database")
def kelurahan_geojson(session: SessionDep, settings: SettingsDep, simplify: float = 0.0) -> Response:
    """`simplify` (degrees, e.g. 0.0001) thins the polygons for the map; 0 serves them as stored."""
    all_places = places(session, region=settings.region)
    text = exports.kelurahan_geojson(session, region=settings.region, all_places=all_places)
    if simplify > 0:
        data = json.loads(text)
        for feature in data["features"]:
            geom = shapely.simplify(shape(feature["geometry"]), min(simplify, 0.01), preserve_topology=True)
            feature["geometry"] = mapping(geom)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Response(
        text, media_type="application/geo+json", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/public/photos/{photo_id}", summary="A report photo without its EXIF metadata")
def public_photo(photo_id: int, session: SessionDep, settings: SettingsDep) -> FileResponse:
    photo = published_photo(session, photo_id=photo_id)
    copy = clean_copy(photo, media_dir=settings.media_dir) if photo is not None else None
    if copy is None:
        raise HTTPException(status_code=404, detail="no such photo")
    return FileResponse(
        copy.path, media_type=copy.content_type, headers={"Cache-Control": "public, max-age=86400"}
    )
