"""HTTP for reports: thin, the logic is in service.py."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.deps import SessionDep, SettingsDep
from backend.reports.schemas import ErrorBody, PublicReport
from backend.reports.service import get_by_ticket, public_view

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get("/{ticket}", response_model=PublicReport, responses={404: {"model": ErrorBody}})
def read_report(ticket: str, session: SessionDep, settings: SettingsDep) -> PublicReport | JSONResponse:
    report = get_by_ticket(session, ticket=ticket)
    if report is None:
        return JSONResponse(
            status_code=404, content={"error": "not_found", "detail": f"no report with ticket {ticket!r}"}
        )
    return public_view(report, base_url=settings.base_url)
