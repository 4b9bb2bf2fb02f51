"""`aduan open311 add-key NAME`: prints a working key once and stores only its sha256."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from typer.testing import CliRunner

from backend.cli import app
from backend.db import Database
from backend.public.models import Open311Key
from backend.public.open311 import authenticate


def test_add_key_prints_the_key_once_and_stores_its_hash(cli_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["open311", "add-key", "LAPOR!"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert len(key) >= 40
    database = Database(cli_env)
    try:
        with database.session() as session:
            row = session.scalars(select(Open311Key)).one()
            assert row.name == "LAPOR!" and row.active
            assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
            assert key not in (row.key_hash, row.name)
            assert authenticate(session, api_key=key).id == row.id
    finally:
        database.dispose()
    again = runner.invoke(app, ["open311", "add-key", "LAPOR!"])
    assert again.exit_code == 2 and "exists already" in again.output


def test_open311_help_has_an_example() -> None:
    runner = CliRunner()
    for args in (["open311", "--help"], ["open311", "add-key", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "Example" in result.output and "aduan open311 add-key" in result.output
