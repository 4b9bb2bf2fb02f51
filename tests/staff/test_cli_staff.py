"""`aduan staff add` and the demo staff: accounts that can log in."""

from __future__ import annotations

from typer.testing import CliRunner

from backend.cli import app
from backend.db import Database
from backend.staff.service import authenticate, seed_demo_staff

runner = CliRunner()


def test_staff_add_creates_accounts_that_log_in(cli_env: str) -> None:
    assert "Example" in runner.invoke(app, ["staff", "add", "--help"]).output
    result = runner.invoke(
        app,
        ["staff", "add", "agen@dki.go.id", "--role", "agent"],
        env={"ADUAN_STAFF_PASSWORD": "kata-sandi-1"},
    )
    assert result.exit_code == 0, result.output
    official = runner.invoke(
        app,
        ["staff", "add", "lurah@dki.go.id", "--role", "official", "--unit", "Kelurahan Cipete Utara"],
        input="kata-sandi-2\nkata-sandi-2\n",
    )
    assert official.exit_code == 0, official.output
    assert '"unit": "Kelurahan Cipete Utara"' in official.output
    refused = [
        ["staff", "add", "x@dki.go.id", "--role", "official", "--password", "kata-sandi-3"],
        ["staff", "add", "agen@dki.go.id", "--role", "agent", "--password", "kata-sandi-3"],
        ["staff", "add", "y@dki.go.id", "--role", "boss", "--password", "kata-sandi-3"],
        ["staff", "add", "z@dki.go.id", "--role", "agent", "--password", "short"],
        [
            "staff",
            "add",
            "w@dki.go.id",
            "--role",
            "official",
            "--unit",
            "Nowhere",
            "--password",
            "kata-sandi-3",
        ],
    ]
    for args in refused:
        assert runner.invoke(app, args).exit_code == 2, args
    database = Database(cli_env)
    try:
        with database.session() as session:
            agent = authenticate(session, email="agen@dki.go.id", password="kata-sandi-1")
            lurah = authenticate(session, email="lurah@dki.go.id", password="kata-sandi-2")
            assert agent is not None and agent.role == "agent"
            assert lurah is not None and lurah.official is not None
            assert lurah.official.unit.name == "Kelurahan Cipete Utara"
            assert authenticate(session, email="agen@dki.go.id", password="kata-sandi-2") is None
    finally:
        database.dispose()


def test_demo_staff_is_made_once_per_role(cli_env: str) -> None:
    runner.invoke(app, ["db", "upgrade"])
    from backend.bootstrap import prepare_database
    from backend.config import get_settings

    made = prepare_database(get_settings()).demo_staff  # the main job's first start makes them
    assert sorted(role for _e, role, _p in made) == ["admin", "agent", "monitoring", "official"]
    assert prepare_database(get_settings()).demo_staff == [], "and only then"
    database = Database(cli_env)
    try:
        with database.session() as session:
            assert seed_demo_staff(session, "jakarta") == []
            for email, role, password in made:
                account = authenticate(session, email=email, password=password)
                assert account is not None and account.role == role
    finally:
        database.dispose()
