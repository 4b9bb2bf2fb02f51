from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.reports.service import Actor, change_status, create_report
from tests.dbs import ConnectionDatabase


def make_report(test_db: ConnectionDatabase) -> str:
    with test_db.session() as session:
        report = create_report(
            session,
            region="jakarta",
            category="banjir",
            description="banjir sepaha di depan sekolah",
            latitude=-6.1754,
            longitude=106.8272,
            reporter_channel="whatsapp",
            reporter_chat_id="whatsapp:+6281299990000",
            reporter_name="Rahasia Warga Sejati",
        )
        change_status(
            session,
            report=report,
            to_status="diproses",
            actor=Actor(kind="official", name="Lurah Gambir (demo)", unit=report.unit),
            note="ditangani",
        )
        return report.ticket


def test_healthz_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/reports/{ticket}" in paths


def test_public_report_view(client: TestClient, test_db: ConnectionDatabase) -> None:
    ticket = make_report(test_db)
    body = client.get(f"/api/reports/{ticket}").json()
    assert body["ticket"] == ticket
    assert (body["kelurahan"], body["kecamatan"], body["kota"]) == ("Gambir", "Gambir", "Jakarta Pusat")
    assert body["status"] == "diproses" and body["category"] == "banjir"
    assert body["responsible_unit"] == "Kelurahan Gambir"
    assert [e["kind"] for e in body["events"]] == ["dibuat", "diproses"]
    assert body["events"][1]["note"] == "ditangani"
    assert set(body) >= {"latitude", "longitude", "photo_urls", "created_at", "updated_at", "description"}


def test_public_report_never_contains_the_reporter(client: TestClient, test_db: ConnectionDatabase) -> None:
    ticket = make_report(test_db)
    raw = client.get(f"/api/reports/{ticket}").text
    for secret in ("6281299990000", "Rahasia Warga Sejati", "whatsapp", "Lurah Gambir (demo)"):
        assert secret not in raw


def test_unknown_ticket_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/reports/ZZZZZZ")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_metrics_count_requests_and_reports(
    client: TestClient, test_db: ConnectionDatabase, session: Session
) -> None:
    make_report(test_db)
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'aduan_reports_created_total{category="banjir"}' in text
    assert 'aduan_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "aduan_http_request_duration_seconds_bucket" in text
    for name in (
        "aduan_inbound_messages_total",
        "aduan_notifications_sent_total",
        "aduan_notifications_failed_total",
    ):
        assert f"# TYPE {name} counter" in text
