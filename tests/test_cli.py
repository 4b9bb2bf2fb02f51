import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app

runner = CliRunner()
COMMANDS = [
    ["serve"],
    ["db", "upgrade"],
    ["areas", "locate"],
    ["areas", "import"],
    ["officials", "import"],
    ["officials", "invite"],
    ["officials", "seed"],
    ["reports", "create"],
    ["worker"],
    ["telegram", "poll"],
    ["telegram", "set-webhook"],
]


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "db", "areas", "officials", "reports", "nlu"):
        assert name in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "Example" in result.output


def test_locate_prints_json_and_exits_0(cli_env: str) -> None:
    result = runner.invoke(app, ["areas", "locate", "-6.1754", "106.8272"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kelurahan"] == "Gambir" and data["kecamatan"] == "Gambir" and data["kota"] == "Jakarta Pusat"
    assert isinstance(data["area_id"], int)
    blok_m = json.loads(runner.invoke(app, ["areas", "locate", "-6.2443", "106.8003"]).stdout)
    assert blok_m["kelurahan"] == "Melawai"


def test_locate_outside_the_region_names_it_and_exits_3(cli_env: str) -> None:
    result = runner.invoke(app, ["areas", "locate", "-6.9175", "107.6191"])
    assert result.exit_code == 3
    assert "outside DKI Jakarta" in result.output


def test_reports_create_prints_a_routed_ticket(cli_env: str) -> None:
    result = runner.invoke(
        app,
        [
            "reports",
            "create",
            "--category",
            "banjir",
            "--lat",
            "-6.2443",
            "--lon",
            "106.8003",
            "--text",
            "banjir 50 cm",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["ticket"]) == 6 and data["unit"] == "Kelurahan Melawai"
    bad = runner.invoke(app, ["reports", "create", "--category", "ufo", "--lat", "-6.2", "--lon", "106.8"])
    assert bad.exit_code == 2 and "unknown category" in bad.output


def test_officials_invite_and_import(cli_env: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["officials", "invite", "--unit", "Kelurahan Bangka", "--role", "lurah"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip()) == 8
    unknown = runner.invoke(app, ["officials", "invite", "--unit", "Kelurahan Atlantis", "--role", "lurah"])
    assert unknown.exit_code == 2 and "no unit" in unknown.output
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role,unit\nSiti,lurah,Kelurahan Bangka\n", encoding="utf-8")
    assert runner.invoke(app, ["officials", "import", str(roster)]).exit_code == 0


def test_a_second_region_is_an_import(cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.areas.test_import import toy_region

    path = tmp_path / "toy.geojson"
    path.write_text(json.dumps(toy_region()), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "areas",
            "import",
            str(path),
            "--region",
            "toy",
            "--level",
            "kelurahan",
            "--name-field",
            "village",
            "--parent-fields",
            "district,regency",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == {"kota": 1, "kecamatan": 2, "kelurahan": 3}
    monkeypatch.setenv("ADUAN_REGION", "toy")
    monkeypatch.setenv("ADUAN_DEMO_ROSTER", "false")
    from backend.config import get_settings

    get_settings.cache_clear()
    located = runner.invoke(app, ["areas", "locate", "-6.995", "110.015"])
    assert located.exit_code == 0, located.output
    assert json.loads(located.stdout)["kelurahan"] == "Sukasari"
    created = runner.invoke(
        app, ["reports", "create", "--category", "sampah", "--lat", "-6.995", "--lon", "110.015"]
    )
    assert json.loads(created.stdout)["unit"] == "Kelurahan Sukasari"


def test_console_script_runs_as_a_process(cli_env: str) -> None:
    exe = Path(sys.executable).with_name("aduan")
    done = subprocess.run(
        [str(exe), "areas", "locate", "-6.1754", "106.8272"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kelurahan"] == "Gambir"
