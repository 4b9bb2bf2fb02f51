import itertools

import pytest
from sqlalchemy.orm import Session

from backend.reports.lifecycle import ALLOWED, IllegalTransition, Status, check_transition
from backend.reports.service import Actor, change_status, create_report

EXPECTED_ALLOWED = {
    ("menunggu", "diproses"),
    ("menunggu", "ditolak"),
    ("menunggu", "selesai"),
    ("diproses", "selesai"),
    ("diproses", "ditolak"),
    ("diproses", "menunggu"),
    ("selesai", "menunggu"),
}


@pytest.mark.parametrize("current,target", list(itertools.product([s.value for s in Status], repeat=2)))
def test_every_transition_is_allowed_or_refused(current: str, target: str) -> None:
    if (current, target) in EXPECTED_ALLOWED:
        assert check_transition(current, target) == Status(target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_table_matches_the_documented_life_cycle() -> None:
    assert {(a.value, b.value) for a, targets in ALLOWED.items() for b in targets} == EXPECTED_ALLOWED


def test_unknown_status_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        check_transition("menunggu", "hilang")


def test_service_records_each_change_and_refuses_illegal_ones(session: Session) -> None:
    report = create_report(
        session,
        region="jakarta",
        category="sampah",
        description="sampah numpuk",
        latitude=-6.2443,
        longitude=106.8003,
    )
    lurah = Actor(kind="official", name="Lurah Melawai", unit=report.unit)
    change_status(session, report=report, to_status="diproses", actor=lurah)
    change_status(session, report=report, to_status="selesai", actor=lurah, note="sudah diangkut")
    change_status(
        session, report=report, to_status="menunggu", actor=Actor(kind="citizen"), note="belum beres"
    )
    with pytest.raises(IllegalTransition):
        change_status(session, report=report, to_status="menunggu", actor=lurah)
    session.refresh(report)
    assert [(e.from_status, e.to_status) for e in report.events] == [
        (None, "menunggu"),
        ("menunggu", "diproses"),
        ("diproses", "selesai"),
        ("selesai", "menunggu"),
    ]
    assert report.events[2].note == "sudah diangkut"
    assert report.status == "menunggu"
