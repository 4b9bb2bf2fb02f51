"""The performance table ("rapor") per unit, sortable with the worst first, and its CSV export."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from backend.db import utcnow
from backend.deps import SessionDep, SettingsDep
from backend.public.service import local_day_start
from backend.staff.auth import Supervisor
from backend.staff.performance import COLUMNS, LEVELS, compute_performance, performance_csv, sort_rows
from backend.web.templating import render

router = APIRouter()


def _rows(request: Request, session: SessionDep, settings: SettingsDep) -> tuple[list, dict[str, str]]:  # type: ignore[type-arg]
    params = dict(request.query_params)
    try:
        start = date.fromisoformat(params["date_from"]) if params.get("date_from") else None
        end = date.fromisoformat(params["date_to"]) if params.get("date_to") else None
    except ValueError as exc:
        raise HTTPException(status_code=400, detail="dates look like 2024-01-31") from exc
    level = params.get("level") or ""
    if level and level not in LEVELS.values():
        raise HTTPException(status_code=400, detail=f"level is one of {', '.join(LEVELS.values())}")
    rows = compute_performance(
        session,
        region=settings.region,
        now=utcnow(),
        since=local_day_start(start, settings.timezone) if start else None,
        until=local_day_start(end + timedelta(days=1), settings.timezone) if end else None,
        levels=[level] if level else [],
    )
    sort = params.get("sort") or "accepted_pct"
    direction = params.get("dir")
    reverse = None if direction not in ("asc", "desc") else direction == "desc"
    kept = {k: v for k, v in params.items() if k in ("date_from", "date_to", "level") and v}
    return sort_rows(rows, key=sort, reverse=reverse), kept | {"sort": sort, "dir": direction or ""}


@router.get("/rapor", response_class=HTMLResponse, summary="Performance per unit (worst first)")
def rapor_page(
    request: Request, staff: Supervisor, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    rows, query = _rows(request, session, settings)
    context = {"rows": rows, "columns": COLUMNS, "query": query, "levels": sorted(set(LEVELS.values()))}
    return render(request, "rapor.html", staff, context)


@router.get("/rapor.csv", summary="The performance table as CSV")
def rapor_csv(request: Request, staff: Supervisor, session: SessionDep, settings: SettingsDep) -> Response:
    rows, _query = _rows(request, session, settings)
    return Response(
        performance_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rapor.csv"'},
    )
