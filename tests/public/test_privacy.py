"""No public response ever carries a reporter's name, phone number, email or chat id."""

from __future__ import annotations

import random
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.public.models import Open311Request
from backend.reports.service import Actor, add_note
from tests.public.helpers import MENTENG, finish, make_report


def test_planted_name_phone_and_email_appear_in_no_public_response(
    client: TestClient, session: Session, partner_key: str
) -> None:
    first, last = f"Zulkarnaen{uuid.uuid4().hex[:6]}", f"Wirawan{uuid.uuid4().hex[:6]}"
    digits = "".join(random.choice("0123456789") for _ in range(9))
    phone = f"+628{digits}"
    email = f"{first.lower()}@example.org"
    secrets = [first, last, phone, f"8{digits}", email]

    chat = make_report(
        session,
        reporter_channel="whatsapp",
        reporter_chat_id=phone,
        reporter_name=f"{first} {last}",
    )
    add_note(session, report=chat, kind="balasan_warga", actor=Actor(kind="citizen"), note=f"hubungi {phone}")
    finish(session, chat, at=chat.created_at)
    posted = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": partner_key,
            "service_code": "sampah",
            "lat": str(MENTENG[0]),
            "long": str(MENTENG[1]),
            "description": "Sampah menumpuk di trotoar",
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
        },
    )
    assert posted.status_code == 200
    partner_ticket = posted.json()[0]["service_request_id"]
    token = session.scalars(select(Open311Request.token)).one()

    urls = [
        "/peta",
        "/peta?kelurahan=Cipete+Utara",
        f"/laporan/{chat.ticket}",
        f"/laporan/{partner_ticket}",
        "/statistik",
        "/api/reports.geojson",
        "/api/reports.csv",
        f"/api/reports/{chat.ticket}",
        f"/api/reports/{partner_ticket}",
    ]
    for fmt in ("json", "xml"):
        urls += [
            f"/open311/v2/discovery.{fmt}",
            f"/open311/v2/services.{fmt}",
            f"/open311/v2/services/sampah.{fmt}",
            f"/open311/v2/requests.{fmt}",
            f"/open311/v2/requests.{fmt}?service_request_id={chat.ticket},{partner_ticket}",
            f"/open311/v2/requests/{chat.ticket}.{fmt}",
            f"/open311/v2/requests/{partner_ticket}.{fmt}",
            f"/open311/v2/tokens/{token}.{fmt}",
        ]
    bodies = {"POST /open311/v2/requests.json": posted.text}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        bodies[url] = response.text
    assert chat.ticket in bodies["/api/reports.csv"] and partner_ticket in bodies["/api/reports.csv"]
    for url, body in bodies.items():
        for secret in secrets:
            assert secret not in body, f"{secret!r} leaked in {url}"
