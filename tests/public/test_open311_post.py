"""Open311 POST requests: a partner files a report that is located, routed and notified like a chat one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.notifications.models import OutboxMessage
from backend.public.models import Open311Key, Open311Request
from backend.reports.models import Report
from backend.reports.service import get_by_ticket
from tests.public.helpers import CIPETE_UTARA, children, make_report, parse_xml, validate

FORM = {
    "service_code": "banjir",
    "lat": str(CIPETE_UTARA[0]),
    "long": str(CIPETE_UTARA[1]),
    "description": "Banjir sepaha di depan sekolah",
    "first_name": "Siti",
    "last_name": "Rahayu",
    "email": "siti@example.org",
    "phone": "+6281234567890",
    "attribute[patokan]": "depan SD Negeri 01",
    "attribute[sudah_lama]": "hari",
}


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _outbox_since(session: Session, last_id: int) -> set[tuple[str, str, str]]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id > last_id))
    return {(r.channel, r.chat_id, r.kind) for r in rows}


def _last_outbox_id(session: Session) -> int:
    return session.scalar(select(func.max(OutboxMessage.id))) or 0


def test_post_json_creates_a_routed_report_recording_the_partner(
    client: TestClient, session: Session, partner_key: str
) -> None:
    before = _last_outbox_id(session)
    response = client.post("/open311/v2/requests.json", data={"api_key": partner_key, **FORM})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    validate(body, "post_response")
    assert "token" not in body[0]  # realtime: the id, never both

    report = get_by_ticket(session, ticket=body[0]["service_request_id"])
    assert report is not None
    assert report.source == "open311:Twitter desk"
    assert report.events[0].actor_kind == "partner" and report.events[0].actor_name == "Twitter desk"
    assert report.reporter_name == "Siti Rahayu"
    assert report.reporter_channel is None  # partners follow their reports through Open311, not a chat
    assert report.area is not None and report.area.name == "Cipete Utara"
    assert "depan SD Negeri 01" in (report.location_text or "")
    request_row = session.scalar(select(Open311Request).where(Open311Request.report_id == report.id))
    assert request_row is not None
    assert (request_row.contact_email, request_row.contact_phone) == ("siti@example.org", "+6281234567890")
    assert request_row.attributes == {"patokan": "depan SD Negeri 01", "sudah_lama": "hari"}
    partner_outbox = _outbox_since(session, before)

    # A chat report at the same place goes to the same unit and causes the same notifications.
    middle = _last_outbox_id(session)
    chat = make_report(session, point=CIPETE_UTARA, description="Banjir sepaha")
    assert chat.unit_id == report.unit_id
    assert {i.unit_id for i in chat.informed} == {i.unit_id for i in report.informed}
    assert _outbox_since(session, middle) == partner_outbox


def test_post_xml_answers_in_the_spec_elements(
    client: TestClient, session: Session, partner_key: str
) -> None:
    response = client.post("/open311/v2/requests.xml", data={"api_key": partner_key, **FORM})
    assert response.status_code == 200
    root = parse_xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert children(request) == ["service_request_id", "service_notice", "account_id"]
    assert get_by_ticket(session, ticket=request.findtext("service_request_id") or "") is not None


def test_post_by_address_string_uses_the_gazetteer(
    client: TestClient, session: Session, partner_key: str
) -> None:
    form = {
        "api_key": partner_key,
        "service_code": "sampah",
        "address_string": "Kelurahan Menteng, Jakarta Pusat",
    }
    response = client.post("/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.text
    report = get_by_ticket(session, ticket=response.json()[0]["service_request_id"])
    assert report is not None and report.area is not None and report.area.name == "Menteng"


def test_multivalue_attributes_are_kept_as_lists(
    client: TestClient, session: Session, partner_key: str
) -> None:
    data = [
        ("api_key", partner_key),
        ("service_code", "banjir"),
        ("lat", "-6.2615"),
        ("long", "106.8106"),
        ("attribute[jenis][]", "air"),
        ("attribute[jenis][]", "lumpur"),
    ]
    response = client.post(
        "/open311/v2/requests.json",
        content="&".join(f"{k}={v}" for k, v in data),
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    row = session.scalars(select(Open311Request)).one()
    assert row.attributes == {"jenis": ["air", "lumpur"]}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("api_key", [None, "", "not-a-key"])
def test_bad_api_key_is_403_and_creates_nothing(
    client: TestClient, session: Session, partner_key: str, fmt: str, api_key: str | None
) -> None:
    reports, requests = _count(session, Report), _count(session, Open311Request)
    data = dict(FORM) | ({} if api_key is None else {"api_key": api_key})
    response = client.post(f"/open311/v2/requests.{fmt}", data=data)
    assert response.status_code == 403
    _assert_error(response, fmt, 403)
    assert (_count(session, Report), _count(session, Open311Request)) == (reports, requests)


def test_inactive_key_is_refused(client: TestClient, session: Session, partner_key: str) -> None:
    session.scalars(select(Open311Key)).one().active = False
    session.flush()
    response = client.post("/open311/v2/requests.json", data={"api_key": partner_key, **FORM})
    assert response.status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_location_is_refused_with_the_spec_error(
    client: TestClient, session: Session, partner_key: str, fmt: str
) -> None:
    reports = _count(session, Report)
    form = {k: v for k, v in FORM.items() if k not in ("lat", "long")}
    response = client.post(f"/open311/v2/requests.{fmt}", data={"api_key": partner_key, **form})
    assert response.status_code == 400
    description = _assert_error(response, fmt, 400)
    assert "location" in description
    assert _count(session, Report) == reports


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"service_code": None}, 400),
        ({"service_code": "ufo"}, 404),
        ({"long": None}, 400),
        ({"lat": "north"}, 400),
        ({"lat": "-6.9175", "long": "107.6191"}, 400),  # Bandung: outside the region
        ({"description": "x" * 4001}, 400),
        ({"lat": None, "long": None, "address_string": "qqqq zzzz"}, 400),
    ],
)
def test_post_errors(
    client: TestClient,
    session: Session,
    partner_key: str,
    fmt: str,
    change: dict[str, str | None],
    status: int,
) -> None:
    reports = _count(session, Report)
    form = {k: v for k, v in (FORM | change).items() if v is not None}
    response = client.post(f"/open311/v2/requests.{fmt}", data={"api_key": partner_key, **form})
    assert response.status_code == status, response.text
    _assert_error(response, fmt, status)
    assert _count(session, Report) == reports


def _assert_error(response: Any, fmt: str, code: int) -> str:
    if fmt == "json":
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        validate(body, "errors")
        assert body[0]["code"] == code
        return body[0]["description"]
    root = parse_xml(response)
    assert root.tag == "errors" and root.findtext("error/code") == str(code)
    return root.findtext("error/description") or ""
