import pytest
from sqlalchemy.orm import Session

from backend.areas.service import find_area
from backend.officials.service import escalation_chain, require_unit
from backend.routing.service import route_report
from backend.routing.table import Override, Rule, load_routing_table

EXPECTED_AGENCY = {
    "kemacetan": "Sudin Perhubungan Jakarta Selatan",
    "banjir": "Sudin SDA Jakarta Selatan",
    "sampah": "Sudin Lingkungan Hidup Jakarta Selatan",
    "jalan_rusak": "Sudin Bina Marga Jakarta Selatan",
    "pkl_liar": "Satpol PP Jakarta Selatan",
    "pohon_tumbang": "Sudin Pertamanan Jakarta Selatan",
    "kebakaran": "Damkar Jakarta Selatan",
    "kriminal": "Polsek Mampang Prapatan",
}


@pytest.mark.parametrize("category,agency", sorted(EXPECTED_AGENCY.items()))
def test_category_and_area_route_to_the_kelurahan_and_inform_the_agency(
    session: Session, category: str, agency: str
) -> None:
    bangka = find_area(session, region="jakarta", level="kelurahan", name="Bangka")
    route = route_report(session, region="jakarta", category=category, area=bangka)
    assert route.responsible.name == "Kelurahan Bangka"
    assert agency in [u.name for u in route.informed]


def test_override_rows_of_the_table_win(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    table = load_routing_table("jakarta")
    patched = table.__class__(
        **{
            **table.__dict__,
            "overrides": (
                Override(category="banjir", area="Mampang Prapatan", rule=Rule(responsible="agency:sda")),
            ),
        }
    )
    monkeypatch.setattr("backend.routing.service.load_routing_table", lambda region: patched)
    bangka = find_area(session, region="jakarta", level="kelurahan", name="Bangka")
    assert route_report(session, region="jakarta", category="banjir", area=bangka).responsible.name == (
        "Sudin SDA Jakarta Selatan"
    )


def test_without_an_area_the_monitoring_unit_is_responsible(session: Session) -> None:
    route = route_report(session, region="jakarta", category="banjir", area=None)
    assert route.responsible.kind == "monitoring"


def test_escalation_chain_follows_the_area_tree(session: Session) -> None:
    lurah_office = require_unit(session, region="jakarta", name="Kelurahan Bangka")
    assert [u.name for u in escalation_chain(session, unit=lurah_office)] == [
        "Kecamatan Mampang Prapatan",
        "Kota Jakarta Selatan",
        "Unit Pemantau Jakarta",
    ]
    agency = require_unit(session, region="jakarta", name="Sudin Bina Marga Jakarta Selatan")
    assert [u.name for u in escalation_chain(session, unit=agency)] == [
        "Kota Jakarta Selatan",
        "Unit Pemantau Jakarta",
    ]
    seribu = require_unit(session, region="jakarta", name="Kabupaten Kepulauan Seribu")
    assert [u.name for u in escalation_chain(session, unit=seribu)] == ["Unit Pemantau Jakarta"]
