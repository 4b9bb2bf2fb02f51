"""Open311 GeoReport v2 reads, in JSON (validated against schemas written from the spec) and XML."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.public.models import Open311Key
from backend.public.open311 import record_request
from backend.reports.categories import category_codes
from tests.public.helpers import MENTENG, children, finish, make_report, parse_xml, validate

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def test_discovery_json_and_xml_name_the_endpoint_and_both_formats(client: TestClient) -> None:
    response = client.get("/open311/v2/discovery.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    validate(body, "discovery")
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2/"

    root = parse_xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_categories_in_json_and_xml(client: TestClient) -> None:
    response = client.get("/open311/v2/services.json")
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    validate(body, "services")
    assert [s["service_code"] for s in body] == category_codes()
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in body)

    root = parse_xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == category_codes()
    assert children(services[0]) == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert services[0].findtext("metadata") == "true"


@pytest.mark.parametrize("code", ["banjir", "kebakaran"])
def test_service_definition_lists_attributes(client: TestClient, code: str) -> None:
    body = client.get(f"/open311/v2/services/{code}.json").json()
    validate(body, "service_definition")
    assert body["service_code"] == code
    assert [a["order"] for a in body["attributes"]] == sorted({a["order"] for a in body["attributes"]})

    root = parse_xml(client.get(f"/open311/v2/services/{code}.xml"))
    assert root.tag == "service_definition"
    assert children(root) == ["service_code", "attributes"]
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert children(attribute)[:8] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    listed = root.find("attributes/attribute[code='sudah_lama']")
    assert listed is not None and listed.findall("values/value/key")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_definition_is_404_in_the_spec_error_format(client: TestClient, fmt: str) -> None:
    response = client.get(f"/open311/v2/services/tidak_ada.{fmt}")
    assert response.status_code == 404
    _assert_error(response, fmt, 404)


def _assert_error(response: object, fmt: str, code: int) -> None:
    if fmt == "json":
        assert response.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
        body = response.json()  # type: ignore[attr-defined]
        validate(body, "errors")
        assert body[0]["code"] == code
    else:
        root = parse_xml(response)
        assert root.tag == "errors"
        error = root.find("error")
        assert error is not None and children(error) == ["code", "description"]
        assert error.findtext("code") == str(code)


def test_requests_map_statuses_notes_unit_and_deadline(client: TestClient, session: Session) -> None:
    waiting = make_report(session)
    done = make_report(session, point=MENTENG, category="sampah", description="Sampah menumpuk")
    finish(session, done, at=utcnow(), note="Sampah sudah diangkut")

    body = client.get("/open311/v2/requests.json").json()
    validate(body, "service_requests")
    by_id = {r["service_request_id"]: r for r in body}
    assert by_id[waiting.ticket]["status"] == "open"
    assert by_id[waiting.ticket]["agency_responsible"] == waiting.unit.name
    assert by_id[waiting.ticket]["expected_datetime"].endswith("+07:00")
    assert by_id[done.ticket]["status"] == "closed"
    assert by_id[done.ticket]["status_notes"] == "Sampah sudah diangkut"
    assert by_id[done.ticket]["service_code"] == "sampah"

    root = parse_xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    for request in root.findall("request"):
        assert children(request) == REQUEST_FIELDS
    closed = [r for r in root.findall("request") if r.findtext("service_request_id") == done.ticket]
    assert closed and closed[0].findtext("status") == "closed"


def test_requests_filters_by_ids_service_code_and_status(client: TestClient, session: Session) -> None:
    flood = make_report(session)
    trash = make_report(session, point=MENTENG, category="sampah")
    finish(session, trash, at=utcnow())

    ids = client.get(
        "/open311/v2/requests.json", params={"service_request_id": f"{flood.ticket},{trash.ticket}"}
    )
    assert {r["service_request_id"] for r in ids.json()} == {flood.ticket, trash.ticket}
    by_code = client.get("/open311/v2/requests.json", params={"service_code": "sampah"}).json()
    assert {r["service_code"] for r in by_code} == {"sampah"}
    closed = client.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert trash.ticket in {r["service_request_id"] for r in closed}
    assert flood.ticket not in {r["service_request_id"] for r in closed}
    both = client.get("/open311/v2/requests.json", params={"status": "open,closed"}).json()
    assert {flood.ticket, trash.ticket} <= {r["service_request_id"] for r in both}


def test_requests_window_defaults_to_90_days_and_refuses_more(client: TestClient, session: Session) -> None:
    now = utcnow()
    recent = make_report(session, now=now - timedelta(days=10))
    old = make_report(session, now=now - timedelta(days=120))

    default = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    assert recent.ticket in default and old.ticket not in default

    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    window = client.get("/open311/v2/requests.json", params={"start_date": start, "end_date": end}).json()
    assert [
        r["service_request_id"] for r in window if r["service_request_id"] in (recent.ticket, old.ticket)
    ] == [old.ticket]
    only_start = client.get("/open311/v2/requests.json", params={"start_date": start}).json()
    assert old.ticket in {r["service_request_id"] for r in only_start}

    too_long_end = (now - timedelta(days=39)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for fmt in ("json", "xml"):
        response = client.get(
            f"/open311/v2/requests.{fmt}", params={"start_date": start, "end_date": too_long_end}
        )
        assert response.status_code == 400
        _assert_error(response, fmt, 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "params",
    [{"start_date": "yesterday"}, {"status": "pending"}, {"start_date": "2024-01-01T00:00:00"}],
)
def test_bad_request_filters_are_400(client: TestClient, fmt: str, params: dict[str, str]) -> None:
    response = client.get(f"/open311/v2/requests.{fmt}", params=params)
    assert response.status_code == 400
    _assert_error(response, fmt, 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_filter_is_404(client: TestClient, fmt: str) -> None:
    response = client.get(f"/open311/v2/requests.{fmt}", params={"service_code": "ufo"})
    assert response.status_code == 404
    _assert_error(response, fmt, 404)


def test_one_request_by_ticket_and_404(client: TestClient, session: Session) -> None:
    report = make_report(session)
    body = client.get(f"/open311/v2/requests/{report.ticket}.json").json()
    validate(body, "service_requests")
    assert len(body) == 1 and body[0]["service_request_id"] == report.ticket
    root = parse_xml(client.get(f"/open311/v2/requests/{report.ticket.lower()}.xml"))
    assert root.findtext("request/service_request_id") == report.ticket
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests/ZZ9ZZ9.{fmt}")
        assert response.status_code == 404
        _assert_error(response, fmt, 404)


def test_tokens_give_the_service_request_id(client: TestClient, session: Session, partner_key: str) -> None:
    from backend.public.open311 import parse_new_request

    report = make_report(session)
    key = session.query(Open311Key).one()
    new = parse_new_request([("service_code", "banjir"), ("lat", "-6.2615"), ("long", "106.8106")])
    row = record_request(session, key=key, report_id=report.id, new=new)

    body = client.get(f"/open311/v2/tokens/{row.token}.json").json()
    validate(body, "token_response")
    assert body == [{"service_request_id": report.ticket, "token": row.token}]
    root = parse_xml(client.get(f"/open311/v2/tokens/{row.token}.xml"))
    assert children(root.find("request")) == ["service_request_id", "token"]  # type: ignore[arg-type]
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/tokens/nope.{fmt}")
        assert response.status_code == 404
        _assert_error(response, fmt, 404)


def test_unknown_format_and_resource_are_404(client: TestClient) -> None:
    assert client.get("/open311/v2/services.yaml").status_code == 404
    response = client.get("/open311/v2/nothing_here.json")
    assert response.status_code == 404
    _assert_error(response, "json", 404)
