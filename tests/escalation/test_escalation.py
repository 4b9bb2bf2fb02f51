"""Deadlines are rows; a pass at a given time escalates what is overdue, one level at a time."""

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from backend.db import utcnow
from backend.escalation.models import Deadline
from backend.escalation.service import check_deadlines
from backend.notifications.models import OutboxMessage
from backend.officials.service import add_official, bind_identity, require_unit
from backend.reports import handling
from backend.reports.models import Report
from backend.reports.service import create_report

BANGKA = (-6.2640, 106.8190)


def new_report(session: Session, category: str = "banjir", at=None) -> Report:
    return create_report(
        session,
        region="jakarta",
        category=category,
        description="banjir selutut",
        latitude=BANGKA[0],
        longitude=BANGKA[1],
        reporter_channel="telegram",
        reporter_chat_id="citizen-1",
        now=at,
    )


def on_telegram(session: Session, unit_name: str, chat_id: str, role: str = "lurah") -> None:
    unit = require_unit(session, region="jakarta", name=unit_name)
    bind_identity(
        session,
        official=add_official(session, unit=unit, name=f"Petugas {chat_id}", role=role),
        channel="telegram",
        chat_id=chat_id,
    )


def outbox_to(session: Session, chat_id: str) -> list[str]:
    return [
        r.payload["text"]
        for r in session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
    ]


def test_deadlines_are_rows_from_the_category_sla(session: Session) -> None:
    t0 = utcnow()
    report = new_report(session, at=t0)
    deadlines = {d.kind: d for d in session.scalars(select(Deadline).where(Deadline.report_id == report.id))}
    assert deadlines["accept"].due_at == t0 + timedelta(hours=1)  # banjir: accept within 1h
    assert deadlines["finish"].due_at == t0 + timedelta(days=2)
    assert deadlines["accept"].unit_id == report.unit_id


def test_each_step_up_the_chain(session: Session) -> None:
    on_telegram(session, "Kecamatan Mampang Prapatan", "camat-1", "camat")
    on_telegram(session, "Kota Jakarta Selatan", "walikota-1", "walikota")
    on_telegram(session, "Unit Pemantau Jakarta", "monitor-1", "monitoring")
    t0 = utcnow()
    report = new_report(session, at=t0)
    mine = lambda done: [(e.from_unit, e.to_unit) for e in done if e.ticket == report.ticket]  # noqa: E731
    assert mine(check_deadlines(session, now=t0 + timedelta(minutes=59))) == []
    steps = []
    at = t0
    for _ in range(4):
        at += timedelta(minutes=61)
        steps.append(mine(check_deadlines(session, now=at)))
    assert steps == [
        [("Kelurahan Bangka", "Kecamatan Mampang Prapatan")],
        [("Kecamatan Mampang Prapatan", "Kota Jakarta Selatan")],
        [("Kota Jakarta Selatan", "Unit Pemantau Jakarta")],
        [],  # the top: nobody above the monitoring unit
    ]
    session.refresh(report)
    assert (
        report.unit is not None
        and report.unit.name == "Unit Pemantau Jakarta"
        and report.escalation_level == 3
    )
    assert [e.kind for e in report.events].count("eskalasi") == 3
    assert any("Eskalasi" in text for text in outbox_to(session, "camat-1"))
    assert any("Eskalasi" in text for text in outbox_to(session, "walikota-1"))
    assert any("Pemantauan" in text for text in outbox_to(session, "monitor-1")), (
        "the monitoring unit is told"
    )
    assert any("diteruskan ke Kecamatan" in text for text in outbox_to(session, "citizen-1"))


def test_an_accepted_report_escalates_only_when_the_finish_deadline_passes(session: Session) -> None:
    t0 = utcnow()
    report = new_report(session, at=t0)
    lurah = require_unit(session, region="jakarta", name="Kelurahan Bangka").officials[0]
    handling.accept(session, report=report, official=lurah, now=t0 + timedelta(minutes=10))
    assert [
        e for e in check_deadlines(session, now=t0 + timedelta(hours=5)) if e.ticket == report.ticket
    ] == []
    done = check_deadlines(session, now=t0 + timedelta(days=2, minutes=1))
    assert [(e.to_unit, e.reason) for e in done if e.ticket == report.ticket] == [
        ("Kecamatan Mampang Prapatan", "finish")
    ]


def test_finished_reports_never_escalate(session: Session) -> None:
    t0 = utcnow()
    report = new_report(session, at=t0)
    lurah = require_unit(session, region="jakarta", name="Kelurahan Bangka").officials[0]
    handling.finish(session, report=report, official=lurah, note="surut", now=t0 + timedelta(minutes=5))
    assert [
        e for e in check_deadlines(session, now=t0 + timedelta(days=30)) if e.ticket == report.ticket
    ] == []


def test_sla_check_command_runs_one_pass_as_if_at_a_time(cli_env: str) -> None:
    from backend.cli import app

    runner = CliRunner()
    created = runner.invoke(
        app,
        [
            "reports",
            "create",
            "--category",
            "kebakaran",
            "--lat",
            str(BANGKA[0]),
            "--lon",
            str(BANGKA[1]),
            "--text",
            "api besar",
        ],
    )
    assert created.exit_code == 0, created.output
    ticket = json.loads(created.stdout)["ticket"]
    assert json.loads(runner.invoke(app, ["sla", "check"]).stdout) == []
    later = (utcnow() + timedelta(minutes=11)).isoformat()
    result = runner.invoke(app, ["sla", "check", "--at", later])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "ticket": ticket,
            "from_unit": "Kelurahan Bangka",
            "to_unit": "Kecamatan Mampang Prapatan",
            "reason": "accept",
        }
    ]
    bad = runner.invoke(app, ["sla", "check", "--at", "kemarin"])
    assert bad.exit_code == 2 and "ISO" in bad.output
