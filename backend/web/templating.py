"""Templates of the staff web app, their filters, and the render helper every page uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from backend.areas.service import region_title
from backend.staff.auth import CSRF_FIELD, Staff

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
ZONE = "Asia/Jakarta"

NAV: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("/dashboard/antrean", "Antrean", "Queue", ("admin", "agent")),
    ("/dashboard/laporan", "Laporan", "Reports", ("admin", "monitoring", "official")),
    ("/dashboard/peta", "Peta", "Map", ("admin", "monitoring", "official")),
    ("/dashboard/rapor", "Rapor", "Performance", ("admin", "monitoring")),
    ("/dashboard/balasan-cepat", "Balasan cepat", "Canned replies", ("admin", "agent")),
    ("/dashboard/pengiriman", "Pengiriman", "Delivery", ("admin", "monitoring")),
    ("/dashboard/audit", "Audit", "Audit log", ("admin", "monitoring")),
    ("/dashboard/staf", "Staf", "Staff", ("admin",)),
]
REASONS = {
    "citizen_asked": ("Warga minta petugas", "Citizen asked"),
    "not_understood": ("Bot tidak paham 2x", "Bot failed twice"),
    "emergency": ("Darurat", "Emergency"),
    "disputed": ("Disanggah 2x", "Disputed twice"),
    "agent_initiated": ("Diambil petugas", "Agent stepped in"),
}


def localtime(value: datetime | None, zone: str = ZONE) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y %H:%M")


def number(value: float | None, suffix: str = "") -> str:
    return "–" if value is None else f"{value:g}{suffix}"


templates.env.filters["localtime"] = localtime
templates.env.filters["number"] = number


def render(
    request: Request, name: str, staff: Staff | None, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    settings = request.app.state.settings
    base = {
        "staff": staff,
        "csrf": staff.csrf if staff else "",
        "csrf_field": CSRF_FIELD,
        "nav": [n for n in NAV if staff and staff.role in n[3]],
        "path": request.url.path,
        "region_title": region_title(settings.region),
        "reasons": REASONS,
        "message": request.query_params.get("msg"),
        "error": request.query_params.get("err"),
    }
    return templates.TemplateResponse(request, name, base | (context or {}), status_code=status)


def back(url: str, *, msg: str | None = None, err: str | None = None) -> RedirectResponse:
    """Redirect after a POST, with a message the next page shows."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("msg", msg), ("err", err)) if v})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)
