"""What a call-center agent does while holding a chat: talk, fill the report form, send or attach it.

Whatever the agent says goes out through send_to_chat: the transcript for the web chat, the outbox for
Telegram and WhatsApp. Every action first checks the hold (`acting_in`), so a released chat refuses it.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.conversations.service import SentMessage, send_to_chat
from backend.db import utcnow
from backend.escalation.callcenter import DRAFT_FIELDS, CallCenterError, acting_in, draft_of, tell
from backend.reports.categories import get_category
from backend.reports.handling import follow
from backend.reports.models import Photo, Report
from backend.reports.service import Actor, create_report, get_by_ticket
from backend.staff.models import StaffAccount
from backend.staff.service import audit


def agent_says(
    session: Session, *, conversation_id: int, agent: StaffAccount, text: str, now: datetime | None = None
) -> SentMessage:
    """A message from the agent to the citizen, through the citizen's own channel."""
    now = now or utcnow()
    text = text.strip()
    if not text:
        raise CallCenterError("Pesan kosong. / The message is empty.")
    conversation = acting_in(session, conversation_id, agent, now)
    entry = send_to_chat(
        session,
        channel=conversation.channel,
        chat_id=conversation.chat_id,
        text=text[:4000],
        author="agent",
        kind="agent",
        conversation=conversation,
    )
    session.flush()
    audit(session, account=agent, action="message", conversation_id=conversation_id, now=now, chars=len(text))
    return entry


def update_draft(
    session: Session,
    *,
    conversation_id: int,
    agent: StaffAccount,
    values: dict[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Fill in or correct the report draft the bot was collecting (category, place, description)."""
    now = now or utcnow()
    conversation = acting_in(session, conversation_id, agent, now)
    if values.get("category"):
        get_category(values["category"])  # raises UnknownCategory (a ValueError)
    state = copy.deepcopy(conversation.state or {})
    draft = dict(state.get("draft") or {})
    changed = {k: v for k, v in values.items() if k in DRAFT_FIELDS and draft.get(k) != v}
    draft.update(changed)
    if "latitude" in changed or "area_id" in changed:
        draft["place_label"] = None
    state["draft"] = draft
    state["active"] = True
    conversation.state = state  # a new dict: the JSON column sees the change
    audit(
        session,
        account=agent,
        action="draft_updated",
        conversation_id=conversation_id,
        now=now,
        fields=sorted(changed),
    )
    return draft


def submit_draft(
    session: Session, *, conversation_id: int, agent: StaffAccount, region: str, now: datetime | None = None
) -> Report:
    """Make the report from the draft on the citizen's behalf; the citizen gets its code."""
    now = now or utcnow()
    conversation = acting_in(session, conversation_id, agent, now)
    draft = draft_of(conversation)
    if not draft.get("category"):
        raise CallCenterError("Pilih kategori dulu. / Choose a category first.")
    latitude, longitude = draft.get("latitude"), draft.get("longitude")
    photo_ids = [int(i) for i in draft.get("photo_ids") or []]
    photos = list(session.scalars(select(Photo).where(Photo.id.in_(photo_ids)))) if photo_ids else []
    report = create_report(
        session,
        region=region,
        category=draft["category"],
        description=draft.get("description") or "",
        latitude=latitude,
        longitude=longitude,
        area_id=draft.get("area_id") if latitude is None else None,
        location_text=draft.get("location_text"),
        reporter_channel=conversation.channel,
        reporter_chat_id=conversation.chat_id,
        reporter_name=conversation.display_name,
        reporter_language=conversation.language,
        source=f"call_center:{conversation.channel}",
        photos=photos,
        actor=Actor(kind="agent", name=agent.name),
        now=now,
    )
    follow(
        session,
        report=report,
        channel=conversation.channel,
        chat_id=conversation.chat_id,
        role="reporter",
        language=conversation.language,
    )
    state = copy.deepcopy(conversation.state or {})
    state.update({"active": False, "draft": {}, "awaiting": None, "choices": [], "pending": {}})
    state["last_ticket"] = report.ticket
    conversation.state = state
    unit = report.unit.name if report.unit else "-"
    tell(session, conversation, "agent_report_created", ticket=report.ticket, unit=unit)
    audit(
        session,
        account=agent,
        action="report_submitted",
        conversation_id=conversation_id,
        report_id=report.id,
        now=now,
        ticket=report.ticket,
    )
    return report


def attach_to_report(
    session: Session, *, conversation_id: int, agent: StaffAccount, ticket: str, now: datetime | None = None
) -> Report:
    """The chat follows an existing report (its updates reach the citizen here)."""
    now = now or utcnow()
    conversation = acting_in(session, conversation_id, agent, now)
    report = get_by_ticket(session, ticket=ticket)
    if report is None:
        raise CallCenterError(f"Tidak ada laporan {ticket}. / No report {ticket}.")
    follow(
        session,
        report=report,
        channel=conversation.channel,
        chat_id=conversation.chat_id,
        role="supporter",
        language=conversation.language,
    )
    state = copy.deepcopy(conversation.state or {})
    state["thread"] = report.ticket
    conversation.state = state
    tell(session, conversation, "agent_report_attached", ticket=report.ticket)
    audit(
        session,
        account=agent,
        action="report_attached",
        conversation_id=conversation_id,
        report_id=report.id,
        now=now,
        ticket=report.ticket,
    )
    return report
