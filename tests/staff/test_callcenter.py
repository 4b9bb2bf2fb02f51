"""The call center's service: queue, take-over, hand-back, messages through the citizen's channel,
drafts submitted on the citizen's behalf, attaching to a report, idle release, and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.areas.service import find_area
from backend.conversations.models import Conversation, TranscriptEntry
from backend.conversations.service import conversation_for, request_human
from backend.db import utcnow
from backend.escalation import agent_work
from backend.escalation import callcenter as cc
from backend.notifications.models import OutboxMessage
from backend.reports import handling
from backend.reports.models import Follower, ReportEvent
from backend.reports.service import change_status
from backend.staff.models import AuditLog, ConversationHold
from tests.dialog.webchat import WebChat
from tests.public.helpers import CIPETE_UTARA, make_report, official
from tests.staff.helpers import make_accounts


def web_conversation(session: Session, chat: WebChat) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(Conversation.channel == "web", Conversation.chat_id == chat.session)
    )
    assert conversation is not None
    session.refresh(conversation)
    return conversation


def said_to(session: Session, conversation: Conversation, author: str) -> list[str]:
    return list(
        session.scalars(
            select(TranscriptEntry.text)
            .where(
                TranscriptEntry.conversation_id == conversation.id,
                TranscriptEntry.direction == "out",
                TranscriptEntry.author == author,
            )
            .order_by(TranscriptEntry.id)
        )
    )


def actions(session: Session, conversation: Conversation) -> list[str]:
    return list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.conversation_id == conversation.id).order_by(AuditLog.id)
        )
    )


def test_petugas_puts_the_chat_in_the_queue_with_its_transcript(client: TestClient, session: Session) -> None:
    chat = WebChat(client)
    chat.send("banjir di jalan kemang raya")
    chat.send("petugas")
    entries = {e.conversation_id: e for e in cc.queue(session)}
    conversation = web_conversation(session, chat)
    entry = entries[conversation.id]
    assert entry.mode == "waiting" and entry.reason == "citizen_asked" and entry.holder is None
    assert entry.last_messages[-2] == {"author": "citizen", "text": "petugas"}
    assert entry.draft.get("category") == "banjir"


def test_queue_is_sorted_by_waiting_time_and_flags_emergencies(session: Session) -> None:
    now = utcnow()
    newer = conversation_for(session, channel="telegram", chat_id="q-newer")
    older = conversation_for(session, channel="whatsapp", chat_id="whatsapp:+62811")
    session.flush()
    request_human(session, conversation=newer, reason="emergency", now=now - timedelta(minutes=1))
    request_human(session, conversation=older, reason="not_understood", now=now - timedelta(minutes=9))
    ids = [e.conversation_id for e in cc.queue(session, now=now)]
    assert ids.index(older.id) < ids.index(newer.id)
    by_id = {e.conversation_id: e for e in cc.queue(session, now=now)}
    assert by_id[newer.id].emergency and not by_id[older.id].emergency
    assert by_id[older.id].waiting_seconds == 540


def test_take_over_silences_the_bot_tells_the_citizen_and_hand_back_restores_it(
    client: TestClient, session: Session
) -> None:
    staff = make_accounts(session)
    chat = WebChat(client)
    chat.send("petugas")
    conversation = web_conversation(session, chat)
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent)
    assert conversation.mode == "human"
    assert any("agen1" in text and "bergabung" in text for text in said_to(session, conversation, "system"))

    assert chat.send("halo, jalan di depan rumah saya banjir") == []  # the bot keeps quiet
    agent_work.agent_says(
        session, conversation_id=conversation.id, agent=staff.agent, text="Di jalan apa, Bu?"
    )
    inbox = client.get("/chat/web/messages", params={"session": chat.session}).json()["messages"]
    assert inbox[-1]["text"] == "Di jalan apa, Bu?" and inbox[-1]["author"] == "agent"

    cc.hand_back(session, conversation_id=conversation.id, agent=staff.agent)
    assert conversation.mode == "bot" and session.get(ConversationHold, conversation.id) is None
    assert "bot Aduan" in said_to(session, conversation, "system")[-1]
    assert chat.send("bantuan"), "the bot answers again"
    assert actions(session, conversation) == ["take_over", "message", "hand_back"]


def test_a_second_agent_is_refused_with_the_holders_name(client: TestClient, session: Session) -> None:
    staff = make_accounts(session)
    chat = WebChat(client)
    chat.send("petugas")
    conversation = web_conversation(session, chat)
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent)
    with pytest.raises(cc.AlreadyHeld, match="agen1"):
        cc.take_over(session, conversation_id=conversation.id, agent=staff.agent2)
    with pytest.raises(cc.NotHolding):
        agent_work.agent_says(session, conversation_id=conversation.id, agent=staff.agent2, text="halo")
    assert session.get(ConversationHold, conversation.id).account_id == staff.agent.id
    assert "take_over_refused" in actions(session, conversation)


def test_the_agents_message_goes_out_through_telegram(session: Session) -> None:
    staff = make_accounts(session)
    conversation = conversation_for(session, channel="telegram", chat_id="777001")
    session.flush()
    request_human(session, conversation=conversation, reason="citizen_asked")
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent)
    agent_work.agent_says(session, conversation_id=conversation.id, agent=staff.agent, text="Selamat siang")
    sent = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == "telegram", OutboxMessage.chat_id == "777001")
        .order_by(OutboxMessage.id)
    ).all()
    assert [m.payload["text"] for m in sent][-1] == "Selamat siang"
    assert "bergabung" in sent[0].payload["text"]


def test_the_agent_fills_the_draft_and_submits_it_for_the_citizen(
    client: TestClient, session: Session
) -> None:
    staff = make_accounts(session)
    chat = WebChat(client)
    chat.send("petugas")
    conversation = web_conversation(session, chat)
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent)
    area = find_area(session, region="jakarta", level="kelurahan", name="Cipete Utara")
    agent_work.update_draft(
        session,
        conversation_id=conversation.id,
        agent=staff.agent,
        values={"category": "sampah", "description": "Sampah menumpuk di depan pasar", "area_id": area.id},
    )
    with pytest.raises(ValueError):
        agent_work.update_draft(
            session, conversation_id=conversation.id, agent=staff.agent, values={"category": "nope"}
        )
    report = agent_work.submit_draft(
        session, conversation_id=conversation.id, agent=staff.agent, region="jakarta"
    )
    assert report.category == "sampah" and report.area_id == area.id
    assert report.reporter_channel == "web" and report.reporter_chat_id == chat.session
    assert report.events[0].actor_kind == "agent" and report.events[0].actor_name == "agen1"
    assert report.ticket in said_to(session, conversation, "system")[-1]
    assert session.scalar(select(Follower.role).where(Follower.report_id == report.id)) == "reporter"
    assert conversation.state["draft"] == {} and conversation.state["last_ticket"] == report.ticket
    assert actions(session, conversation) == ["take_over", "draft_updated", "report_submitted"]


def test_the_agent_attaches_the_chat_to_an_existing_report(client: TestClient, session: Session) -> None:
    staff = make_accounts(session)
    report = make_report(session)
    chat = WebChat(client)
    chat.send("petugas")
    conversation = web_conversation(session, chat)
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent)
    with pytest.raises(cc.CallCenterError):
        agent_work.attach_to_report(
            session, conversation_id=conversation.id, agent=staff.agent, ticket="ZZ9ZZZ"
        )
    agent_work.attach_to_report(
        session, conversation_id=conversation.id, agent=staff.agent, ticket=report.ticket
    )
    followers = session.scalars(select(Follower.chat_id).where(Follower.report_id == report.id)).all()
    assert chat.session in followers
    change_status(session, report=report, to_status="diproses", actor=official(report))
    assert report.ticket in said_to(session, conversation, "bot")[-1], "the report's news reaches the chat"


def test_an_idle_agent_loses_the_chat_to_the_queue(client: TestClient, session: Session) -> None:
    staff = make_accounts(session)
    chat = WebChat(client)
    chat.send("petugas")
    conversation = web_conversation(session, chat)
    start = utcnow()
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent, now=start)
    agent_work.agent_says(
        session,
        conversation_id=conversation.id,
        agent=staff.agent,
        text="Sebentar",
        now=start + timedelta(minutes=4),
    )
    idle = timedelta(minutes=5)
    assert cc.release_idle_conversations(session, start + timedelta(minutes=8), idle) == []
    assert cc.release_idle_conversations(session, start + timedelta(minutes=10), idle) == [conversation.id]
    assert conversation.mode == "waiting" and session.get(ConversationHold, conversation.id) is None
    assert "antrean" in said_to(session, conversation, "system")[-1]
    with pytest.raises(cc.NotHolding):
        agent_work.agent_says(session, conversation_id=conversation.id, agent=staff.agent, text="halo")
    cc.take_over(session, conversation_id=conversation.id, agent=staff.agent2)  # the next agent takes it
    assert actions(session, conversation) == ["take_over", "message", "released_idle", "take_over"]


def test_a_report_disputed_twice_puts_its_reporter_in_the_queue_once(
    client: TestClient, session: Session
) -> None:
    chat = WebChat(client)
    chat.send("halo")
    report = make_report(session, point=CIPETE_UTARA, reporter_channel="web", reporter_chat_id=chat.session)
    for _ in range(2):
        change_status(session, report=report, to_status="selesai", actor=official(report), note="beres")
        handling.dispute(session, report=report, note="belum beres")
    assert report.disputes == 2
    conversation = web_conversation(session, chat)
    entry = {e.conversation_id: e for e in cc.queue(session)}[conversation.id]
    assert entry.reason == "disputed" and conversation.mode == "waiting"
    cc.queue(session)
    queued = session.scalars(
        select(AuditLog).where(AuditLog.action == "queued_dispute", AuditLog.report_id == report.id)
    ).all()
    assert len(queued) == 1 and queued[0].actor == "system"
    kinds = session.scalars(select(ReportEvent.kind).where(ReportEvent.report_id == report.id)).all()
    assert kinds.count("dibuka_kembali") == 2
