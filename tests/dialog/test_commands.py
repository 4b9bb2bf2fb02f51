"""Words that work at any time: batal, cek KODE, a bare ticket, bantuan, petugas."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.conversations.models import Conversation
from backend.reports.service import Actor, change_status, get_by_ticket
from tests.dialog.webchat import WebChat
from tests.images import jpeg


def make_report(client: TestClient) -> tuple[WebChat, str]:
    chat = WebChat(client)
    chat.send("sampah numpuk di kel. bangka udah seminggu gak diangkut", photo=jpeg())
    chat.press("confirm:send")
    ticket = chat.texts().split("Nomor tiket: ")[1].split()[0]
    return chat, ticket


def test_batal_cancels_the_report_in_progress(client: TestClient) -> None:
    chat = WebChat(client)
    chat.send("jalan berlubang besar bahaya buat motor")
    chat.send("batal")
    assert "dibatalkan" in chat.texts()
    chat.send("batal")
    assert "Tidak ada laporan" in chat.texts()


def test_cek_status_and_bare_ticket(client: TestClient, session: Session) -> None:
    _chat, ticket = make_report(client)
    report = get_by_ticket(session, ticket=ticket)
    assert report is not None
    change_status(
        session,
        report=report,
        to_status="diproses",
        actor=Actor(kind="official", name="Lurah", unit=report.unit),
        note="petugas meluncur",
    )
    other = WebChat(client)
    other.send(f"cek {ticket.lower()}")
    assert (
        ticket in other.texts() and "sedang diproses" in other.texts() and "petugas meluncur" in other.texts()
    )
    other.send(f"status {ticket}")
    assert "sedang diproses" in other.texts()
    other.send(ticket)
    assert "sedang diproses" in other.texts()
    other.send("cek ZZZZZZ")
    assert "tidak ditemukan" in other.texts()
    other.send("cek")
    assert "Kode tiketnya" in other.texts()


def test_status_check_in_the_middle_of_a_report_keeps_the_form(client: TestClient) -> None:
    _, ticket = make_report(client)
    chat = WebChat(client)
    chat.send("jalan berlubang besar bahaya buat motor")
    chat.send(f"cek {ticket}")
    assert ticket in chat.texts() and "Di mana lokasinya" in chat.texts()


def test_bantuan_explains_what_the_bot_can_do(client: TestClient) -> None:
    chat = WebChat(client)
    chat.send("bantuan")
    assert "cek KODE" in chat.texts() and "112" in chat.texts()
    english = WebChat(client, language="en")
    english.send("help")
    assert "What I can do" in english.texts()


def test_petugas_records_the_request_for_a_person(client: TestClient, session: Session) -> None:
    chat = WebChat(client)
    chat.send("petugas")
    assert "call center" in chat.texts()
    conversation = session.scalar(select(Conversation).where(Conversation.chat_id == chat.session))
    assert conversation is not None
    assert conversation.mode == "waiting" and conversation.handover_reason == "citizen_asked"
    chat.send("petugas")
    assert "sudah diberi tahu" in chat.texts()


def test_two_failures_in_a_row_ask_for_a_person(client: TestClient, session: Session) -> None:
    chat = WebChat(client)
    chat.send("ya gitu deh pokoknya")
    chat.send("test 123")
    assert "belum paham" in chat.texts()
    conversation = session.scalar(select(Conversation).where(Conversation.chat_id == chat.session))
    assert conversation is not None and conversation.handover_reason == "not_understood"
