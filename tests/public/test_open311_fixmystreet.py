"""End to end over real HTTP: FixMyStreet's Open311 client files a report, reads it, sees it closed."""

from __future__ import annotations

import httpx

from backend.public.open311 import add_key
from backend.reports.service import get_by_ticket
from tests.public.conftest import LiveSite
from tests.public.fixmystreet_client import Open311, Problem
from tests.public.helpers import CIPETE_UTARA, finish


def test_fixmystreet_client_files_reads_and_follows_a_report(live_site: LiveSite) -> None:
    with live_site.db.session() as session:
        _row, key = add_key(session, name="FixMyStreet")
    endpoint = f"{live_site.url}/open311/v2/"
    client = Open311(endpoint=endpoint, api_key=key, jurisdiction="jakarta.go.id")

    discovery = httpx.get(f"{live_site.url}/open311/v2/discovery.xml")
    assert discovery.headers["content-type"] == "text/xml"

    services = client.get_service_list()
    assert services is not None
    codes = [s["service_code"] for s in services["service"]]  # the root element is dropped
    assert "jalan_rusak" in codes
    meta = client.get_service_meta_info("jalan_rusak")
    assert meta is not None and meta["service_code"] == "jalan_rusak"
    assert [a["code"] for a in meta["attributes"]] == ["patokan", "sudah_lama"]
    assert [v["key"] for v in meta["attributes"][1]["values"]] == ["baru", "hari", "lama"]

    problem = Problem(
        title="Lubang besar di jalan",
        detail="Lubang selebar 1 meter, berbahaya untuk motor.",
        name="Dewi Lestari Putri",
        latitude=CIPETE_UTARA[0] + 0.0000001234,
        longitude=CIPETE_UTARA[1],
        phone="+6281100000001",
        email="dewi@example.org",
        extra_fields=[{"name": "fms_extra_patokan", "value": "dekat masjid"}],
    )
    ticket = client.send_service_request(
        problem, {"url": "https://fixmystreet.example/report/1"}, "jalan_rusak"
    )
    assert isinstance(ticket, str) and ticket, client.error

    with live_site.db.session() as session:
        report = get_by_ticket(session, ticket=ticket)
        assert report is not None
        assert report.source == "open311:FixMyStreet"
        assert report.reporter_name == "Dewi Lestari Putri"
        assert report.description.startswith("Lubang besar di jalan\n\nLubang selebar 1 meter")
        assert "dekat masjid" in (report.location_text or "")
        assert report.unit is not None
        unit_name = report.unit.name

    read = client.get_service_requests({"report_ids": [ticket]})
    assert read is not None
    request = read["request"][0]
    assert request["service_request_id"] == ticket
    assert request["status"] == "open" and client.map_state(request["status"]) == "confirmed"
    assert request["agency_responsible"] == unit_name
    assert request["status_notes"] is None  # empty element -> undef, as XML::Simple reads it
    assert "+07:00" in request["requested_datetime"]

    with live_site.db.session() as session:
        report = get_by_ticket(session, ticket=ticket)
        assert report is not None
        finish(session, report, at=report.created_at, note="Lubang sudah ditambal")

    start, end = "2000-01-01T00:00:00Z", "2000-03-01T00:00:00Z"
    assert client.get_service_requests({"start_date": start, "end_date": end}) == {}
    recent = client.get_service_requests({})
    assert recent is not None
    closed = next(r for r in recent["request"] if r["service_request_id"] == ticket)
    assert closed["status"] == "closed" and client.map_state(closed["status"]) == "fixed - council"
    assert closed["status_notes"] == "Lubang sudah ditambal"

    public_page = httpx.get(f"{live_site.url}/laporan/{ticket}")
    assert public_page.status_code == 200 and "Lubang sudah ditambal" in public_page.text
    assert "Dewi" not in public_page.text


def test_fixmystreet_client_reads_spec_errors(live_site: LiveSite) -> None:
    client = Open311(endpoint=f"{live_site.url}/open311/v2/", api_key="wrong")
    problem = Problem(title="t", detail="d", name="A B", latitude=CIPETE_UTARA[0], longitude=CIPETE_UTARA[1])
    assert client.send_service_request(problem, {}, "banjir") == 0
    assert "403: Invalid api_key" in client.error
    assert client.get_service_meta_info("ufo") is None
    assert "404: service_code 'ufo' was not found" in client.error
