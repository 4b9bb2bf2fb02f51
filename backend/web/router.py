"""The staff web app's routes under /dashboard (main.py includes `router` and mounts STATIC_DIR)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from backend.web import callcenter, monitoring, pages, rapor
from backend.web.templating import STATIC_DIR

router = APIRouter(prefix="/dashboard", tags=["dashboard"])
router.include_router(pages.router)
router.include_router(callcenter.router)
router.include_router(monitoring.router)
router.include_router(rapor.router)


@router.get("", include_in_schema=False)
def dashboard_root() -> RedirectResponse:
    return RedirectResponse("/dashboard/", status_code=307)


__all__ = ["STATIC_DIR", "router"]
