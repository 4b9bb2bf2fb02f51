"""The rapor on a fixed set of reports whose every step has a known time: the numbers by hand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.escalation.service import escalate
from backend.officials.models import Official, Unit
from backend.officials.service import add_official, escalation_chain
from backend.reports import handling
from backend.staff.performance import compute_performance, performance_csv, sort_rows
from tests.public.helpers import make_report
from tests.staff.helpers import login, make_accounts

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta
NOW = T0 + timedelta(days=10)
H = timedelta(hours=1)


def officer(session: Session, unit: Unit) -> Official:
    return add_official(session, unit=unit, name=f"Petugas {unit.name}", role="lurah")


@pytest.fixture
def fixed_reports(session: Session) -> tuple[Unit, Unit]:
    """Five banjir reports (accept within 1 h, finish within 2 d) at one unit A; one escalates to B."""
    r1 = make_report(session, now=T0)
    unit_a = r1.unit
    unit_b = escalation_chain(session, unit=unit_a)[0]
    a, b = officer(session, unit_a), officer(session, unit_b)
    # R1: accepted after 30 min, finished after 1 day, rated 4.
    handling.accept(session, report=r1, official=a, now=T0 + H / 2)
    handling.finish(session, report=r1, official=a, note="Air surut", now=T0 + 24 * H)
    handling.rate(session, report=r1, rating=4, now=T0 + 25 * H)
    # R2: accepted late (2 h), finished after 3 days, reopened an hour later: open and overdue now.
    r2 = make_report(session, now=T0)
    handling.accept(session, report=r2, official=a, now=T0 + 2 * H)
    handling.finish(session, report=r2, official=a, note="Selesai", now=T0 + 72 * H)
    handling.dispute(session, report=r2, note="Masih banjir", now=T0 + 73 * H)
    # R3: never answered by A; escalated to B after 61 min; B accepts at 2 h and finishes at 5 h.
    r3 = make_report(session, now=T0)
    escalate(session, report=r3, now=T0 + H + timedelta(minutes=1), reason="accept")
    handling.accept(session, report=r3, official=b, now=T0 + 2 * H)
    handling.finish(session, report=r3, official=b, note="Pompa dikirim", now=T0 + 5 * H)
    # R4: rejected after 20 minutes (a response in time).
    r4 = make_report(session, now=T0)
    handling.reject(session, report=r4, official=a, reason="duplikat", now=T0 + timedelta(minutes=20))
    # R5: made half an hour before "now": open, not overdue, its acceptance not yet known.
    make_report(session, now=NOW - H / 2)
    return unit_a, unit_b


def test_rapor_numbers_from_the_events(session: Session, fixed_reports: tuple[Unit, Unit]) -> None:
    unit_a, unit_b = fixed_reports
    rows = compute_performance(session, region="jakarta", now=NOW, since=T0 - H, until=NOW + H)
    by_unit = {r.unit_id: r for r in rows}
    assert set(by_unit) == {unit_a.id, unit_b.id}
    a, b = by_unit[unit_a.id], by_unit[unit_b.id]
    assert (a.received, a.accept_known, a.accepted_in_time, a.accepted_pct) == (5, 4, 2, 50.0)
    assert a.median_accept_hours == 0.5  # 0.33, 0.5, 2
    assert a.median_finish_hours == 48.0  # 24, 72
    assert (a.open_now, a.overdue_now, a.reopened, a.average_rating) == (2, 1, 1, 4.0)
    assert (b.received, b.accepted_pct, b.median_accept_hours, b.median_finish_hours) == (
        1,
        100.0,
        0.98,
        3.98,
    )
    assert (b.open_now, b.overdue_now, b.reopened, b.average_rating) == (0, 0, 0, None)

    assert [r.unit_id for r in sort_rows(rows)] == [unit_a.id, unit_b.id]  # worst first
    assert [r.unit_id for r in sort_rows(rows, key="median_finish_hours")] == [unit_a.id, unit_b.id]
    assert [r.unit_id for r in sort_rows(rows, key="received", reverse=False)] == [unit_b.id, unit_a.id]
    table = list(csv.DictReader(io.StringIO(performance_csv(sort_rows(rows)))))
    assert table[0] == {
        "unit": unit_a.name,
        "level": a.level,
        "received": "5",
        "accepted_pct": "50.0",
        "median_accept_hours": "0.5",
        "median_finish_hours": "48.0",
        "open_now": "2",
        "overdue_now": "1",
        "reopened": "1",
        "average_rating": "4.0",
    }


def test_rapor_page_puts_the_worst_first_and_exports_csv(
    client: TestClient, session: Session, fixed_reports: tuple[Unit, Unit]
) -> None:
    unit_a, unit_b = fixed_reports
    staff = make_accounts(session)
    login(client, staff.monitoring)
    query = {"date_from": "2026-01-05", "date_to": "2026-01-15"}
    page = client.get("/dashboard/rapor", params=query)
    assert page.status_code == 200
    assert page.text.index(unit_a.name) < page.text.index(unit_b.name)
    exported = client.get("/dashboard/rapor.csv", params=query)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["unit"], r["received"]) for r in rows] == [(unit_a.name, "5"), (unit_b.name, "1")]
    assert client.get("/dashboard/rapor", params={"level": "nope"}).status_code == 400
