"""Login, sessions, CSRF and roles: each role is refused (403) what it may not see or do, and nothing
changes when it is refused; an official sees and acts on their own units' reports only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.conversations.models import Conversation
from backend.conversations.service import conversation_for, request_human
from backend.reports.models import Report
from backend.staff.models import AuditLog, CannedReply, ConversationHold, StaffAccount
from backend.staff.service import LOCK_AFTER_FAILURES, save_canned_reply
from tests.public.helpers import CIPETE_UTARA, MENTENG, make_report
from tests.staff.helpers import PASSWORD, Accounts, csrf_of, login, make_accounts


@pytest.fixture
def staff(session: Session) -> Accounts:
    return make_accounts(session)


@pytest.fixture
def waiting(session: Session) -> Conversation:
    conversation = conversation_for(session, channel="telegram", chat_id="role-test-1")
    session.flush()
    request_human(session, conversation=conversation, reason="citizen_asked")
    session.flush()
    return conversation


def test_pages_need_a_login(client: TestClient) -> None:
    for url in ("/dashboard/", "/dashboard/antrean", "/dashboard/laporan", "/dashboard/rapor"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/dashboard/login", url
    assert client.get("/dashboard/antrean/stream", follow_redirects=False).status_code == 303


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(
    client: TestClient, session: Session, staff: Accounts
) -> None:
    response = client.post(
        "/dashboard/login", data={"email": "AGEN1@uji.id", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/antrean"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/dashboard" in cookie
    token = client.cookies.get("aduan_staff")
    csrf = csrf_of(client.get("/dashboard/antrean").text)
    assert (
        client.post("/dashboard/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set("aduan_staff", token, path="/dashboard")  # the old cookie is worth nothing now
    assert client.get("/dashboard/antrean", follow_redirects=False).status_code == 303
    assert [
        a for a in session.scalars(select(AuditLog.action).where(AuditLog.account_id == staff.agent.id))
    ] == [
        "login",
        "logout",
    ]


def test_wrong_passwords_are_refused_and_then_lock_the_account(
    client: TestClient, session: Session, staff: Accounts
) -> None:
    for _ in range(LOCK_AFTER_FAILURES):
        response = client.post(
            "/dashboard/login", data={"email": staff.admin.email, "password": "salah-salah"}
        )
        assert response.status_code == 401 and "salah" in response.text
    locked = client.post(
        "/dashboard/login", data={"email": staff.admin.email, "password": PASSWORD}, follow_redirects=False
    )
    assert locked.status_code == 401, "locked for a while even with the right password"
    assert session.get(StaffAccount, staff.admin.id).password_hash.startswith("$argon2")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, session: Session, staff: Accounts, waiting: Conversation
) -> None:
    csrf = login(client, staff.agent)
    url = f"/dashboard/percakapan/{waiting.id}/ambil-alih"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf_token": "not-the-token"}).status_code == 403
    session.refresh(waiting)
    assert waiting.mode == "waiting" and session.get(ConversationHold, waiting.id) is None
    assert client.post(url, data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    session.refresh(waiting)
    assert waiting.mode == "human"


FORBIDDEN_PAGES = {
    "agent": [
        "/dashboard/laporan",
        "/dashboard/peta",
        "/dashboard/rapor",
        "/dashboard/rapor.csv",
        "/dashboard/audit",
        "/dashboard/staf",
        "/dashboard/api/peta.json",
    ],
    "monitoring": [
        "/dashboard/antrean",
        "/dashboard/balasan-cepat",
        "/dashboard/staf",
        "/dashboard/percakapan/1",
    ],
    "official": [
        "/dashboard/antrean",
        "/dashboard/rapor",
        "/dashboard/audit",
        "/dashboard/staf",
        "/dashboard/balasan-cepat",
    ],
    "admin": [],
}


@pytest.mark.parametrize("role", ["agent", "monitoring", "official"])
def test_each_role_is_refused_the_pages_of_others(client: TestClient, staff: Accounts, role: str) -> None:
    login(client, staff.of(role))
    for url in FORBIDDEN_PAGES[role]:
        assert client.get(url).status_code == 403, url
    if role != "agent":
        assert client.get("/dashboard/antrean/stream").status_code == 403
        assert client.get("/dashboard/percakapan/1/stream").status_code == 403


def test_refused_posts_change_nothing(
    client: TestClient, session: Session, staff: Accounts, waiting: Conversation
) -> None:
    save_canned_reply(session, code="salam", text="Halo")
    report = make_report(session, point=CIPETE_UTARA)
    accounts_before = session.scalar(select(func.count(StaffAccount.id)))
    for role in ("monitoring", "official"):
        csrf = login(client, staff.of(role))
        response = client.post(f"/dashboard/percakapan/{waiting.id}/ambil-alih", data={"csrf_token": csrf})
        assert response.status_code == 403
    for role in ("agent", "monitoring", "official"):
        csrf = login(client, staff.of(role))
        assert (
            client.post(
                "/dashboard/balasan-cepat", data={"csrf_token": csrf, "code": "salam", "text": "X"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/dashboard/staf",
                data={"csrf_token": csrf, "email": "x@y.id", "role": "admin", "password": "12345678"},
            ).status_code
            == 403
        )
    for role in ("admin", "monitoring", "agent"):  # only an official's account acts on reports
        csrf = login(client, staff.of(role))
        response = client.post(f"/dashboard/laporan/{report.ticket}/aksi/terima", data={"csrf_token": csrf})
        assert response.status_code == 403, role
    session.expire_all()
    assert session.get(Conversation, waiting.id).mode == "waiting"
    assert session.get(ConversationHold, waiting.id) is None
    assert session.scalar(select(CannedReply.text).where(CannedReply.code == "salam")) == "Halo"
    assert session.scalar(select(func.count(StaffAccount.id))) == accounts_before
    assert session.get(Report, report.id).status == "menunggu"


def test_an_official_sees_and_acts_on_their_own_units_reports_only(
    client: TestClient, session: Session, staff: Accounts
) -> None:
    own = make_report(session, point=CIPETE_UTARA, description="Banjir di Cipete Utara")
    other = make_report(session, point=MENTENG, description="Banjir di Menteng")
    csrf = login(client, staff.official)
    listing = client.get("/dashboard/laporan").text
    assert own.ticket in listing and other.ticket not in listing
    assert client.get(f"/dashboard/laporan/{other.ticket}").status_code == 403
    refused = client.post(f"/dashboard/laporan/{other.ticket}/aksi/terima", data={"csrf_token": csrf})
    assert refused.status_code == 403
    markers = client.get("/dashboard/api/peta.json").json()["markers"]
    assert {m["ticket"] for m in markers} >= {own.ticket} and other.ticket not in {
        m["ticket"] for m in markers
    }

    page = client.get(f"/dashboard/laporan/{own.ticket}")
    assert page.status_code == 200 and "Terima" in page.text
    done = client.post(
        f"/dashboard/laporan/{own.ticket}/aksi/terima", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    client.post(
        f"/dashboard/laporan/{own.ticket}/aksi/balas", data={"csrf_token": csrf, "text": "Tim menuju lokasi"}
    )
    session.expire_all()
    assert session.get(Report, own.id).status == "diproses"
    assert session.get(Report, other.id).status == "menunggu"
    kinds = [(e.kind, e.actor_kind) for e in session.get(Report, own.id).events]
    assert ("diproses", "official") in kinds and ("balasan", "official") in kinds
    page = client.get(f"/dashboard/laporan/{own.ticket}").text
    assert "Tim menuju lokasi" in page
    illegal = client.post(
        f"/dashboard/laporan/{own.ticket}/aksi/terima", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert "err=" in illegal.headers["location"], "accepting twice is refused with a reason"
    audited = session.scalars(select(AuditLog.action).where(AuditLog.report_id == own.id)).all()
    assert audited == ["report_terima", "report_balas"]


def test_monitoring_filters_the_list_by_unit_and_overdue(
    client: TestClient, session: Session, staff: Accounts
) -> None:
    from datetime import timedelta

    from backend.db import utcnow

    late = make_report(session, point=CIPETE_UTARA, now=utcnow() - timedelta(days=3))
    fresh = make_report(session, point=MENTENG)
    login(client, staff.monitoring)
    overdue = client.get("/dashboard/laporan", params={"overdue": "1"}).text
    assert late.ticket in overdue and fresh.ticket not in overdue
    by_unit = client.get("/dashboard/laporan", params={"unit": str(fresh.unit_id)}).text
    assert fresh.ticket in by_unit and late.ticket not in by_unit
    assert client.get("/dashboard/laporan", params={"status": "nope"}).status_code == 400
    data = client.get("/dashboard/api/peta.json").json()
    assert str(late.area_id) in data["open_per_area"]


def test_a_browser_reads_refusals_as_a_page_and_a_script_as_json(client: TestClient, staff: Accounts) -> None:
    login(client, staff.of("official"))
    page = client.get("/dashboard/staf", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Tidak diizinkan" in page.text and "Not allowed" in page.text
    assert 'href="/dashboard/"' in page.text
    script = client.get("/dashboard/staf", headers={"Accept": "application/json"})
    assert script.status_code == 403 and script.json()["detail"]
    missing = client.get("/dashboard/laporan/ZZZZZZ", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "Tidak ditemukan" in missing.text
    login(client, staff.of("admin"))
    bad = client.get("/dashboard/percakapan/bukan-angka", headers={"Accept": "text/html"})
    assert bad.status_code == 422 and "Isian tidak valid" in bad.text
