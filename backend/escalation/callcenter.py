"""The call center: the queue of chats waiting for a person, take-over and hand-back.

A conversation enters the queue (mode "waiting") when the citizen asks for a person, the bot failed
twice, an emergency was reported (all three set by the dialog), or one of the citizen's reports was
disputed twice: `queue_disputed_reports` finds those and queues them once per report (the audit log
remembers which were queued), called whenever the queue is read, so nothing else has to change.

An agent's hold is a row of conversation_holds (one per conversation, so a second agent's take-over
fails) plus mode "human" on the conversation, which keeps the bot quiet. What an agent does while
holding a chat is in backend.escalation.agent_work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from backend.conversations.models import Conversation, TranscriptEntry
from backend.conversations.service import send_to_chat
from backend.db import utcnow
from backend.reports.categories import get_category
from backend.reports.handling import DISPUTES_BEFORE_ESCALATION
from backend.reports.lifecycle import OPEN_STATUSES
from backend.reports.models import Report
from backend.staff.models import AuditLog, ConversationHold, StaffAccount
from backend.staff.service import audit

DRAFT_FIELDS = ("category", "description", "location_text", "latitude", "longitude", "area_id")


class CallCenterError(Exception):
    """An agent's step that cannot be done; the message is shown to the agent as it is."""


class AlreadyHeld(CallCenterError):
    def __init__(self, holder: str) -> None:
        super().__init__(
            f"Percakapan ini sudah ditangani oleh {holder}. / This conversation is already held by {holder}."
        )
        self.holder = holder


class NotHolding(CallCenterError):
    def __init__(self) -> None:
        super().__init__(
            "Ambil alih percakapan ini dulu. / Take this conversation over first."
            " (Mungkin dikembalikan ke antrean karena tidak aktif / it may have gone back to the queue"
            " after being idle.)"
        )


@dataclass
class QueueEntry:
    conversation_id: int
    channel: str
    name: str
    reason: str
    mode: str
    requested_at: datetime | None
    waiting_seconds: int
    emergency: bool
    holder: str | None
    draft: dict[str, Any] = field(default_factory=dict)
    last_messages: list[dict[str, str]] = field(default_factory=list)


# The sentences citizens read live in the texts catalog (bots/texts); the composition root hands its
# renderer over (backend.wiring), so this domain module never imports the bots package.
_render: Callable[..., str] | None = None


def use_texts(render: Callable[..., str]) -> None:
    global _render
    _render = render


def _text(key: str, language: str, **values: Any) -> str:
    if _render is None:
        raise RuntimeError("no texts catalog: call backend.wiring.install_report_hooks first")
    return _render(key, language, **values)


def tell(session: Session, conversation: Conversation, key: str, **values: Any) -> None:
    send_to_chat(
        session,
        channel=conversation.channel,
        chat_id=conversation.chat_id,
        text=_text(key, conversation.language, **values),
        author="system",
        kind="agent",
        conversation=conversation,
    )


# --- the queue -----------------------------------------------------------------------------------


def queue_disputed_reports(session: Session, *, now: datetime | None = None) -> list[int]:
    """Queue the reporter's chat of every open report disputed twice (once per report)."""
    now = now or utcnow()
    already = exists().where(AuditLog.action == "queued_dispute", AuditLog.report_id == Report.id)
    rows = session.execute(
        select(Report, Conversation)
        .join(
            Conversation,
            and_(
                Conversation.channel == Report.reporter_channel,
                Conversation.chat_id == Report.reporter_chat_id,
            ),
        )
        .where(
            Report.disputes >= DISPUTES_BEFORE_ESCALATION,
            Report.status.in_([s.value for s in OPEN_STATUSES]),
            ~already,
        )
        .limit(100)
    ).all()
    queued: list[int] = []
    for report, conversation in rows:
        if conversation.mode == "bot":
            conversation.mode = "waiting"
            conversation.handover_reason = "disputed"
            conversation.handover_requested_at = now
            queued.append(conversation.id)
        audit(
            session,
            account=None,
            action="queued_dispute",
            conversation_id=conversation.id,
            report_id=report.id,
            now=now,
            ticket=report.ticket,
        )
    session.flush()
    return queued


def queue(session: Session, *, now: datetime | None = None, with_held: bool = True) -> list[QueueEntry]:
    """Waiting conversations, longest waiting first (then the ones agents hold)."""
    now = now or utcnow()
    queue_disputed_reports(session, now=now)
    modes = ["waiting", "human"] if with_held else ["waiting"]
    rows = session.scalars(
        select(Conversation)
        .where(Conversation.mode.in_(modes))
        .order_by(Conversation.handover_requested_at, Conversation.id)
        .limit(200)
    ).all()
    holds = {
        h.conversation_id: h
        for h in session.scalars(
            select(ConversationHold).where(ConversationHold.conversation_id.in_([c.id for c in rows]))
        )
    }
    entries = [_entry(session, c, holds.get(c.id), now) for c in rows]
    return sorted(entries, key=lambda e: (e.mode != "waiting", -e.waiting_seconds))


def _entry(
    session: Session, conversation: Conversation, hold: ConversationHold | None, now: datetime
) -> QueueEntry:
    draft = draft_of(conversation)
    since = conversation.handover_requested_at
    category = draft.get("category")
    emergency = conversation.handover_reason == "emergency" or bool(category and _is_emergency(category))
    last = session.scalars(
        select(TranscriptEntry)
        .where(TranscriptEntry.conversation_id == conversation.id)
        .order_by(TranscriptEntry.id.desc())
        .limit(3)
    ).all()
    return QueueEntry(
        conversation_id=conversation.id,
        channel=conversation.channel,
        name=conversation.display_name or f"{conversation.channel}:{conversation.chat_id[-6:]}",
        reason=conversation.handover_reason or "-",
        mode=conversation.mode,
        requested_at=since,
        waiting_seconds=int((now - since).total_seconds()) if since else 0,
        emergency=emergency,
        holder=hold.account.name if hold else None,
        draft={k: draft.get(k) for k in DRAFT_FIELDS if draft.get(k) not in (None, "")},
        last_messages=[{"author": e.author, "text": e.text[:200]} for e in reversed(last)],
    )


def _is_emergency(category: str) -> bool:
    try:
        return get_category(category).emergency
    except ValueError:
        return False


def draft_of(conversation: Conversation) -> dict[str, Any]:
    return dict((conversation.state or {}).get("draft") or {})


def transcript(
    session: Session, *, conversation_id: int, after: int = 0, limit: int = 500
) -> list[TranscriptEntry]:
    return list(
        session.scalars(
            select(TranscriptEntry)
            .where(TranscriptEntry.conversation_id == conversation_id, TranscriptEntry.id > after)
            .order_by(TranscriptEntry.id)
            .limit(limit)
        )
    )


def holder_of(session: Session, *, conversation_id: int) -> ConversationHold | None:
    return session.get(ConversationHold, conversation_id)


# --- take over and hand back ---------------------------------------------------------------------


def _locked(session: Session, conversation_id: int) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    if conversation is None:
        raise CallCenterError(f"Tidak ada percakapan {conversation_id}. / No conversation {conversation_id}.")
    return conversation


def take_over(
    session: Session, *, conversation_id: int, agent: StaffAccount, now: datetime | None = None
) -> Conversation:
    """The agent holds the chat: the bot stops answering and the citizen is told a person joined."""
    now = now or utcnow()
    conversation = _locked(session, conversation_id)
    hold = session.get(ConversationHold, conversation_id)  # the conversation's row lock covers it
    if hold is not None:
        if hold.account_id == agent.id:
            return conversation
        audit(session, account=agent, action="take_over_refused", conversation_id=conversation_id, now=now)
        raise AlreadyHeld(hold.account.name)
    session.add(
        ConversationHold(
            conversation_id=conversation_id, account_id=agent.id, held_at=now, last_agent_activity_at=now
        )
    )
    session.flush()  # the primary key refuses a second holder that raced us here
    previous = conversation.mode
    conversation.mode = "human"
    if conversation.handover_requested_at is None:
        conversation.handover_requested_at = now
        conversation.handover_reason = conversation.handover_reason or "agent_initiated"
    tell(session, conversation, "agent_joined", agent=agent.name)
    audit(
        session,
        account=agent,
        action="take_over",
        conversation_id=conversation_id,
        now=now,
        reason=conversation.handover_reason,
        previous_mode=previous,
    )
    return conversation


def _hold(session: Session, conversation_id: int, agent: StaffAccount) -> ConversationHold:
    hold = session.get(ConversationHold, conversation_id)  # the conversation's row lock covers it
    if hold is None or hold.account_id != agent.id:
        raise NotHolding()
    return hold


def acting_in(session: Session, conversation_id: int, agent: StaffAccount, now: datetime) -> Conversation:
    """An agent acts in a chat they hold: the conversation locked, the hold checked, the activity noted."""
    conversation = _locked(session, conversation_id)
    _hold(session, conversation_id, agent).last_agent_activity_at = now
    return conversation


def hand_back(
    session: Session, *, conversation_id: int, agent: StaffAccount, now: datetime | None = None
) -> Conversation:
    """Back to the bot; the citizen is told."""
    now = now or utcnow()
    conversation = _locked(session, conversation_id)
    hold = _hold(session, conversation_id, agent)
    session.delete(hold)
    conversation.mode = "bot"
    conversation.handover_reason = None
    conversation.handover_requested_at = None
    conversation.failures = 0
    tell(session, conversation, "agent_left")
    audit(session, account=agent, action="hand_back", conversation_id=conversation_id, now=now)
    session.flush()
    return conversation


def release_idle_conversations(session: Session, now: datetime, idle_after: timedelta) -> list[int]:
    """Conversations whose agent did nothing for `idle_after` go back to the queue (run by the worker)."""
    stale = session.scalars(
        select(ConversationHold)
        .where(ConversationHold.last_agent_activity_at <= now - idle_after)
        .with_for_update(skip_locked=True)
        .limit(200)
    ).all()
    released: list[int] = []
    for hold in stale:
        conversation = session.get(Conversation, hold.conversation_id)
        agent = hold.account
        session.delete(hold)
        if conversation is None:
            continue
        conversation.mode = "waiting"
        tell(session, conversation, "agent_idle_requeued")
        audit(
            session,
            account=agent,
            action="released_idle",
            conversation_id=conversation.id,
            now=now,
            idle_since=hold.last_agent_activity_at.isoformat(),
        )
        released.append(conversation.id)
    session.flush()
    return released
