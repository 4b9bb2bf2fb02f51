"""The loop the system exists for, over the web chat: an official binds, a citizen reports, the official
answers and closes, the citizen disputes, it escalates, the camat closes it, the citizen rates it."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.officials.models import InviteCode
from backend.officials.service import create_invite, require_unit
from backend.reports.service import get_by_ticket
from tests.dialog.webchat import WebChat
from tests.images import jpeg


def inbox(client: TestClient, chat: WebChat, after: int = 0) -> list[dict]:
    return client.get("/chat/web/messages", params={"session": chat.session, "after": after}).json()[
        "messages"
    ]


def last_seq(client: TestClient, chat: WebChat) -> int:
    messages = inbox(client, chat)
    return messages[-1]["seq"] if messages else 0


def bind(client: TestClient, session: Session, unit: str, role: str, name: str) -> WebChat:
    code = create_invite(
        session, unit=require_unit(session, region="jakarta", name=unit), role=role, name=name
    )
    official = WebChat(client)
    official.send(f"daftar {code}")
    assert "Selamat bergabung" in official.texts() and unit in official.texts()
    return official


def report_in_bangka(
    client: TestClient, text: str = "sampah numpuk di kel. bangka udah seminggu"
) -> tuple[WebChat, str]:
    citizen = WebChat(client)
    citizen.send(text, photo=jpeg())
    citizen.press("confirm:send")
    return citizen, citizen.texts().split("Nomor tiket: ")[1].split()[0]


def test_the_whole_loop(client: TestClient, session: Session) -> None:
    lurah = bind(client, session, "Kelurahan Bangka", "lurah", "Lurah Bangka")
    camat = bind(client, session, "Kecamatan Mampang Prapatan", "camat", "Camat Mampang")
    citizen, ticket = report_in_bangka(client)

    note = inbox(client, lurah)[-1]
    assert ticket in note["text"] and "Sampah" in note["text"] and "Bangka" in note["text"]
    assert "openstreetmap.org" in note["text"] and "Terima sebelum" in note["text"]
    assert [b["value"] for b in note["buttons"]] == [
        f"off:{a}:{ticket}" for a in ("terima", "balas", "selesai", "alihkan", "tolak")
    ]
    assert note["image_url"], "the official sees the photo"

    lurah.send(button=f"off:terima:{ticket}")
    assert "diterima" in lurah.texts()
    seen = last_seq(client, citizen)
    assert "diterima Kelurahan Bangka" in inbox(client, citizen)[-1]["text"]

    lurah.send(f"balas {ticket} sampahnya di sebelah mana persisnya?")
    asked = inbox(client, citizen, after=seen)
    assert "sebelah mana" in asked[-1]["text"] and ticket in asked[-1]["text"]
    citizen.send("di depan warung bu ani, pojok gang")
    assert "diteruskan" in citizen.texts()
    assert "depan warung bu ani" in inbox(client, lurah)[-1]["text"]

    lurah.send(f"selesai {ticket} sudah diangkut truk pagi ini", photo=jpeg(color="green"))
    done = inbox(client, citizen)[-1]
    assert "selesai" in done["text"] and "diangkut" in done["text"]
    assert f"fix:no:{ticket}" in [b["value"] for b in done["buttons"]]

    citizen.send(button=f"fix:no:{ticket}")
    assert "dibuka kembali" in inbox(client, lurah)[-1]["text"]
    lurah.send(f"selesai {ticket} sudah dibersihkan lagi")
    citizen.send(button=f"fix:no:{ticket}")  # the second dispute sends it up the chain
    report = get_by_ticket(session, ticket=ticket)
    assert report is not None
    session.refresh(report)
    assert report.status == "menunggu" and report.unit is not None
    assert report.unit.name == "Kecamatan Mampang Prapatan" and report.disputes == 2
    assert "Eskalasi" in inbox(client, camat)[-1]["text"]

    camat.send(f"selesai {ticket} ditangani langsung oleh kecamatan")
    citizen.send(button=f"fix:yes:{ticket}")
    assert [b["value"] for b in citizen.last[-1]["buttons"]] == [f"rate:{n}:{ticket}" for n in range(1, 6)]
    citizen.press(f"rate:5:{ticket}")
    assert "5/5" in citizen.texts()
    session.refresh(report)
    assert report.status == "selesai" and report.rating == 5
    kinds = [e.kind for e in report.events]
    assert kinds[:4] == ["dibuat", "diproses", "balasan", "balasan_warga"]
    assert "eskalasi" in kinds and kinds[-1] == "dinilai"
    official_events = [e for e in report.events if e.actor_kind == "official"]
    assert {e.actor_name for e in official_events} == {"Lurah Bangka", "Camat Mampang"}
    assert all(e.unit is not None for e in official_events)
    assert len(report.photos) == 2  # the citizen's and the result photo


def test_wrong_used_and_expired_codes_are_refused_and_guessing_slows_down(
    client: TestClient, session: Session
) -> None:
    unit = require_unit(session, region="jakarta", name="Kelurahan Bangka")
    used = create_invite(session, unit=unit, role="lurah")
    WebChat(client).send(f"daftar {used}")
    expired = create_invite(session, unit=unit, role="lurah", now=utcnow() - timedelta(days=30))
    chat = WebChat(client)
    for code in (used, expired, "ZZZZ2222"):
        chat.send(f"daftar {code}")
        assert "salah, sudah dipakai, atau kedaluwarsa" in chat.texts()
    good = create_invite(session, unit=unit, role="lurah")
    chat.send(f"daftar {good}")
    assert "Terlalu banyak kode salah" in chat.texts()
    stored = session.scalar(
        select(InviteCode)
        .where(InviteCode.used_at.is_(None), InviteCode.expires_at > utcnow())
        .order_by(InviteCode.id.desc())
    )
    assert stored is not None, "the good code was not spent by a blocked chat"


def test_keluar_unbinds(client: TestClient, session: Session) -> None:
    official = bind(client, session, "Kelurahan Bangka", "lurah", "Lurah")
    official.send("keluar")
    assert "tidak lagi terhubung" in official.texts()
    official.send("laporan")
    assert "hanya untuk petugas" in official.texts()


def test_refusals_change_nothing(client: TestClient, session: Session) -> None:
    bind(client, session, "Kelurahan Bangka", "lurah", "Lurah Bangka")
    other = bind(client, session, "Kelurahan Melawai", "lurah", "Lurah Melawai")
    citizen, ticket = report_in_bangka(client)
    other.send(f"terima {ticket}")
    assert "tidak berwenang" in other.texts()
    citizen.send(f"terima {ticket}")
    assert "hanya untuk petugas" in citizen.texts()
    other.send("terima ZZZZZ9")
    assert "tidak ditemukan" in other.texts()
    other.send(f"tolak {ticket} karena saya mau")
    assert "tidak berwenang" in other.texts()
    report = get_by_ticket(session, ticket=ticket)
    assert report is not None and report.status == "menunggu" and report.unit.name == "Kelurahan Bangka"
    assert [e.kind for e in report.events] == ["dibuat"]


def test_the_city_above_may_act_and_illegal_steps_are_explained(client: TestClient, session: Session) -> None:
    walikota = bind(client, session, "Kota Jakarta Selatan", "walikota", "Wali Kota")
    _, ticket = report_in_bangka(client)
    walikota.send(f"selesai {ticket} beres")
    assert "dinyatakan selesai" in walikota.texts()
    walikota.send(f"terima {ticket}")
    assert "tidak bisa dilakukan" in walikota.texts()


def test_reject_reroute_and_list(client: TestClient, session: Session) -> None:
    lurah = bind(client, session, "Kelurahan Bangka", "lurah", "Lurah Bangka")
    sudin = bind(client, session, "Sudin Bina Marga Jakarta Selatan", "agency_staff", "Staf Bina Marga")
    citizen, first = report_in_bangka(client, "jalan berlubang besar di kel. bangka bahaya buat motor")
    _, second = report_in_bangka(client)
    lurah.send("laporan")
    assert first in lurah.texts() and second in lurah.texts()
    lurah.send(f"alihkan {first} Sudin Bina Marga Jakarta Selatan jalan kewenangan kota")
    assert "dialihkan ke Sudin Bina Marga Jakarta Selatan" in lurah.texts()
    assert first in inbox(client, sudin)[-1]["text"]
    assert "dialihkan ke Sudin Bina Marga" in inbox(client, citizen)[-1]["text"]
    lurah.send(button=f"off:tolak:{second}")
    assert f"offr:duplikat:{second}" in lurah.buttons()
    lurah.press(f"offr:duplikat:{second}")
    report = get_by_ticket(session, ticket=second)
    assert report is not None and report.status == "ditolak" and report.events[-1].note == "duplikat"
    lurah.send(f"alihkan {second} Kelurahan Atlantis")
    assert "tidak bisa" in lurah.texts() or "tidak dikenal" in lurah.texts()


def test_same_category_nearby_offers_support(client: TestClient, session: Session) -> None:
    first = WebChat(client)
    # Tanjung Barat: a place no other test reports from, so the only report nearby is this one
    first.send("pohon tumbang nutup jalan abis hujan", location=(-6.3000, 106.8500))
    first.send(photo=jpeg())
    first.press("confirm:send")
    ticket = first.texts().split("Nomor tiket: ")[1].split()[0]
    second = WebChat(client)
    second.send("ada pohon tumbang gede banget", location=(-6.3003, 106.8502))
    assert ticket in second.texts() and f"near:support:{ticket}" in second.buttons()
    second.press(f"near:support:{ticket}")
    assert "mendukung" in second.texts()
    lurah = bind(client, session, "Kelurahan Tanjung Barat", "lurah", "Lurah Tanjung Barat")
    lurah.send(f"terima {ticket}")
    assert ticket in inbox(client, second)[-1]["text"], "a supporter hears of the report's changes"


def test_emergencies_alert_the_call_center(client: TestClient, session: Session) -> None:
    agent = bind(client, session, "Call Center Jakarta", "agent", "Agen Satu")
    citizen = WebChat(client)
    citizen.send("tolong ada kebakaran rumah di kel. bangka apinya besar")
    citizen.press("photo:none")
    citizen.press("confirm:send")
    assert "DARURAT" in inbox(client, agent)[-1]["text"]


def test_answering_about_a_done_report_mid_form_asks_the_form_question_again(
    client: TestClient, session: Session
) -> None:
    lurah = bind(client, session, "Kelurahan Bangka", "lurah", "Lurah Bangka")
    citizen, ticket = report_in_bangka(client)
    lurah.send(f"selesai {ticket} sudah diangkut")
    citizen.send("ada pohon tumbang gede banget")  # a new report: the bot asks where
    where = citizen.last[-1]["text"]
    citizen.send(button=f"fix:no:{ticket}")  # an answer to the earlier report's question
    assert "dibuka kembali" in inbox(client, lurah)[-1]["text"]
    assert citizen.last[-1]["text"] == where, "the new report's question comes again"
    citizen.send(location=(-6.3330, 106.8330))  # Jagakarsa: no other test reports a fallen tree there
    assert "foto" in citizen.texts().lower(), "and the form goes on where it was"
