from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.officials.models import InviteCode, Official, Unit
from backend.officials.service import (
    OfficialsError,
    create_invite,
    hash_code,
    import_roster,
    official_for_chat,
    require_unit,
)


def test_demo_roster_staffs_every_office_agency_and_the_city_units(session: Session) -> None:
    per_kind = dict(
        session.execute(
            select(Unit.kind, func.count()).where(Unit.region == "jakarta").group_by(Unit.kind)
        ).all()
    )
    assert per_kind["kelurahan_office"] == 267 and per_kind["kecamatan_office"] == 44
    assert per_kind["kota_office"] == 6 and per_kind["monitoring"] == 1 and per_kind["call_center"] == 1
    assert per_kind["agency"] == 6 * 10 + 44  # ten kota-level agencies, one Polsek per kecamatan
    unstaffed = session.scalar(select(func.count()).select_from(Unit).where(~Unit.officials.any()))
    assert unstaffed == 0
    agents = session.scalars(select(Official).where(Official.role == "agent")).all()
    assert len(agents) == 2


def test_units_are_found_by_the_names_people_use(session: Session) -> None:
    for name in [
        "Kelurahan Bangka",
        "kecamatan  mampang prapatan",
        "Kota Jakarta Selatan",
        "Sudin Bina Marga Jakarta Selatan",
    ]:
        assert require_unit(session, region="jakarta", name=name)
    with pytest.raises(OfficialsError, match="no unit"):
        require_unit(session, region="jakarta", name="Kelurahan Atlantis")


def test_roster_import_adds_officials_and_binds_chats(session: Session, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,role,unit,channel,chat_id\nSiti Aminah,lurah,Kelurahan Bangka,telegram,777\n"
        "Joko,camat,Kecamatan Mampang Prapatan,,\n",
        encoding="utf-8",
    )
    assert import_roster(session, region="jakarta", path=roster) == 2
    official = official_for_chat(session, channel="telegram", chat_id="777")
    assert (
        official is not None and official.name == "Siti Aminah" and official.unit.name == "Kelurahan Bangka"
    )


def test_roster_with_an_unknown_unit_names_the_line_and_adds_nobody(session: Session, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,role,unit\nA,lurah,Kelurahan Bangka\nB,lurah,Kelurahan Atlantis\n", encoding="utf-8"
    )
    before = session.scalar(select(func.count()).select_from(Official))
    with pytest.raises(OfficialsError, match="line 3"):
        import_roster(session, region="jakarta", path=roster)
    assert session.scalar(select(func.count()).select_from(Official)) == before


def test_invite_codes_are_stored_only_as_hashes(session: Session) -> None:
    unit = require_unit(session, region="jakarta", name="Kelurahan Bangka")
    code = create_invite(session, unit=unit, role="lurah")
    stored = session.scalar(select(InviteCode).where(InviteCode.code_hash == hash_code(code)))
    assert stored is not None and code not in stored.code_hash
    with pytest.raises(OfficialsError):
        create_invite(session, unit=unit, role="raja")
