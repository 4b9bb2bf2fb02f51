"""Call-center pages: the live queue, one conversation's console, and the agent's actions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from backend.conversations.models import Conversation
from backend.db import utcnow
from backend.deps import SessionDep, SettingsDep
from backend.escalation import agent_work
from backend.escalation import callcenter as cc
from backend.public.service import places
from backend.reports.categories import load_taxonomy
from backend.reports.service import ReportError
from backend.staff.auth import CallCenter, Staff, staff_for_stream
from backend.staff.service import canned_replies
from backend.web.stream import event_stream
from backend.web.templating import back, localtime, render

router = APIRouter()
ROLES = ("admin", "agent")


def _queue_json(session: Session) -> list[dict[str, Any]]:
    entries = cc.queue(session, now=utcnow())
    rows = []
    for entry in entries:
        row = asdict(entry)
        row.pop("waiting_seconds")  # the page counts the seconds itself: the data changes only on news
        row["since"] = entry.requested_at.isoformat() if entry.requested_at else None
        row["requested_at"] = localtime(entry.requested_at)
        row["url"] = f"/dashboard/percakapan/{entry.conversation_id}"
        rows.append(row)
    return rows


@router.get("/antrean", response_class=HTMLResponse, summary="The call-center queue (live)")
def queue_page(request: Request, staff: CallCenter, session: SessionDep) -> HTMLResponse:
    return render(request, "antrean.html", staff, {"entries": _queue_json(session)})


@router.get("/antrean/stream", summary="The queue as server-sent events")
def queue_stream(request: Request) -> Response:
    staff_for_stream(request, ROLES)
    return event_stream(request, _queue_json)


def _entry_json(entry: Any) -> dict[str, Any]:
    return {
        "seq": entry.id,
        "direction": entry.direction,
        "author": entry.author,
        "text": entry.text,
        "at": localtime(entry.created_at),
    }


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    return conversation


def _console(
    request: Request,
    staff: Staff,
    session: Session,
    settings: Any,
    conversation_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    conversation = _conversation(session, conversation_id)
    hold = cc.holder_of(session, conversation_id=conversation_id)
    entries = cc.transcript(session, conversation_id=conversation_id)
    kelurahan = sorted(
        (p for p in places(session, region=settings.region).values() if p.kelurahan),
        key=lambda p: (p.kelurahan or "", p.kecamatan or ""),
    )
    context = {
        "conversation": conversation,
        "hold": hold,
        "mine": hold is not None and hold.account_id == staff.account.id,
        "entries": [_entry_json(e) for e in entries],
        "last_seq": entries[-1].id if entries else 0,
        "draft": cc.draft_of(conversation),
        "categories": list(load_taxonomy().values()),
        "kelurahan": kelurahan,
        "canned": canned_replies(session),
        "audit_error": error,
    }
    return render(request, "percakapan.html", staff, context, status=status)


@router.get(
    "/percakapan/{conversation_id}", response_class=HTMLResponse, summary="One conversation's console"
)
def conversation_page(
    conversation_id: int, request: Request, staff: CallCenter, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    return _console(request, staff, session, settings, conversation_id)


@router.get("/percakapan/{conversation_id}/stream", summary="A conversation as server-sent events")
def conversation_stream(conversation_id: int, request: Request, after: int = 0) -> Response:
    staff_for_stream(request, ROLES)

    def poll(session: Session) -> dict[str, Any]:
        conversation = _conversation(session, conversation_id)
        hold = cc.holder_of(session, conversation_id=conversation_id)
        entries = cc.transcript(session, conversation_id=conversation_id, after=after)
        return {
            "mode": conversation.mode,
            "holder": hold.account.name if hold else None,
            "entries": [_entry_json(e) for e in entries],
        }

    return event_stream(request, poll)


def _act(
    request: Request, staff: Staff, session: Session, settings: Any, conversation_id: int, step: Any
) -> Response:
    """Run one agent step; a refusal re-renders the console with the reason (409), nothing changed."""
    savepoint = session.begin_nested()
    try:
        result = step()
    except (cc.CallCenterError, ReportError, ValueError) as exc:
        savepoint.rollback()
        if isinstance(exc, cc.AlreadyHeld):  # the refusal itself is audited
            cc.audit(
                session, account=staff.account, action="take_over_refused", conversation_id=conversation_id
            )
        return _console(request, staff, session, settings, conversation_id, error=str(exc), status=409)
    savepoint.commit()
    return result


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.post("/percakapan/{conversation_id}/ambil-alih", summary="Take the conversation over")
def take_over(
    conversation_id: int, request: Request, staff: CallCenter, session: SessionDep, settings: SettingsDep
) -> Response:
    url = f"/dashboard/percakapan/{conversation_id}"

    def step() -> Response:
        cc.take_over(session, conversation_id=conversation_id, agent=staff.account)
        return back(url, msg="Anda memegang percakapan ini / you hold this conversation")

    return _act(request, staff, session, settings, conversation_id, step)


@router.post("/percakapan/{conversation_id}/kembalikan", summary="Hand the conversation back to the bot")
def hand_back(
    conversation_id: int, request: Request, staff: CallCenter, session: SessionDep, settings: SettingsDep
) -> Response:
    def step() -> Response:
        cc.hand_back(session, conversation_id=conversation_id, agent=staff.account)
        return back("/dashboard/antrean", msg="Dikembalikan ke bot / handed back to the bot")

    return _act(request, staff, session, settings, conversation_id, step)


@router.post("/percakapan/{conversation_id}/pesan", summary="Send the citizen a message")
def send_message(
    conversation_id: int,
    request: Request,
    staff: CallCenter,
    session: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    def step() -> Response:
        entry = agent_work.agent_says(
            session, conversation_id=conversation_id, agent=staff.account, text=text
        )
        if _wants_json(request):
            return JSONResponse({"seq": entry.id})
        return back(f"/dashboard/percakapan/{conversation_id}")

    if _wants_json(request):
        try:
            with session.begin_nested():
                return step()
        except cc.CallCenterError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
    return _act(request, staff, session, settings, conversation_id, step)


@router.post("/percakapan/{conversation_id}/draf", summary="Fill in or correct the report draft")
def save_draft(
    conversation_id: int,
    request: Request,
    staff: CallCenter,
    session: SessionDep,
    settings: SettingsDep,
    category: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    location_text: Annotated[str, Form()] = "",
    area_id: Annotated[str, Form()] = "",
    latitude: Annotated[str, Form()] = "",
    longitude: Annotated[str, Form()] = "",
) -> Response:
    def step() -> Response:
        values: dict[str, Any] = {
            "category": category or None,
            "description": description.strip() or None,
            "location_text": location_text.strip() or None,
        }
        if area_id.strip():
            values["area_id"] = int(area_id)
        if latitude.strip() and longitude.strip():
            values["latitude"], values["longitude"] = float(latitude), float(longitude)
        agent_work.update_draft(session, conversation_id=conversation_id, agent=staff.account, values=values)
        return back(f"/dashboard/percakapan/{conversation_id}", msg="Draf disimpan / draft saved")

    return _act(request, staff, session, settings, conversation_id, step)


@router.post("/percakapan/{conversation_id}/kirim-laporan", summary="Submit the draft as a report")
def submit_report(
    conversation_id: int, request: Request, staff: CallCenter, session: SessionDep, settings: SettingsDep
) -> Response:
    def step() -> Response:
        report = agent_work.submit_draft(
            session, conversation_id=conversation_id, agent=staff.account, region=settings.region
        )
        return back(f"/dashboard/percakapan/{conversation_id}", msg=f"Laporan {report.ticket} dibuat / made")

    return _act(request, staff, session, settings, conversation_id, step)


@router.post("/percakapan/{conversation_id}/lampirkan", summary="Attach the chat to an existing report")
def attach(
    conversation_id: int,
    request: Request,
    staff: CallCenter,
    session: SessionDep,
    settings: SettingsDep,
    ticket: Annotated[str, Form()] = "",
) -> Response:
    def step() -> Response:
        report = agent_work.attach_to_report(
            session, conversation_id=conversation_id, agent=staff.account, ticket=ticket
        )
        return back(
            f"/dashboard/percakapan/{conversation_id}", msg=f"Dihubungkan ke {report.ticket} / linked"
        )

    return _act(request, staff, session, settings, conversation_id, step)
