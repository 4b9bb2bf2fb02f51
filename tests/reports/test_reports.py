import pytest
from sqlalchemy.orm import Session

from backend.reports.categories import UnknownCategory, load_taxonomy
from backend.reports.service import OutsideRegion, ReportError, create_report, get_by_ticket
from backend.reports.tickets import ALPHABET, LENGTH, looks_like_ticket, new_ticket, normalise_ticket

TAXONOMY = [
    "kemacetan",
    "banjir",
    "sampah",
    "jalan_rusak",
    "parkir_liar",
    "pkl_liar",
    "pengemis",
    "pohon_tumbang",
    "fasilitas_umum",
    "kriminal",
    "kebakaran",
    "bencana",
    "pelanggaran",
    "lainnya",
]


def test_taxonomy_has_the_agreed_codes_labels_and_emergencies() -> None:
    taxonomy = load_taxonomy()
    assert list(taxonomy) == TAXONOMY
    assert {c.code for c in taxonomy.values() if c.emergency} == {"kebakaran", "kriminal", "bencana"}
    for category in taxonomy.values():
        assert category.label_id and category.label_en
        assert category.accept_within < category.finish_within
    assert (
        taxonomy["kebakaran"].accept_within.total_seconds() < taxonomy["sampah"].accept_within.total_seconds()
    )


def test_ticket_codes_avoid_lookalike_characters() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    codes = {new_ticket() for _ in range(2000)}
    assert len(codes) > 1990
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert all(any(ch.isdigit() for ch in c) for c in codes)  # never a plain word


def test_typed_tickets_are_normalised() -> None:
    assert normalise_ticket(" ab3 k7q ") == "AB3K7Q"
    assert normalise_ticket("ABC10Q") is None  # 1 and 0 are never in a code
    assert looks_like_ticket("k7q2mm") and not looks_like_ticket("banjir")


def test_report_is_located_routed_and_has_history(session: Session) -> None:
    report = create_report(
        session,
        region="jakarta",
        category="jalan_rusak",
        description="jalan berlubang besar",
        latitude=-6.2443,
        longitude=106.8003,
        location_text="dkt blok m",
        reporter_channel="telegram",
        reporter_chat_id="12345",
        reporter_name="Budi",
    )
    assert report.area is not None and report.area.name == "Melawai"
    assert report.unit is not None and report.unit.name == "Kelurahan Melawai"
    assert {u.unit.name for u in report.informed} == {"Sudin Bina Marga Jakarta Selatan"}
    assert report.status == "menunggu"
    assert [e.kind for e in report.events] == ["dibuat"]
    assert get_by_ticket(session, ticket=report.ticket.lower()) is report


def test_report_outside_the_region_is_refused_with_its_name(session: Session) -> None:
    with pytest.raises(OutsideRegion, match="DKI Jakarta"):
        create_report(
            session,
            region="jakarta",
            category="banjir",
            description="x",
            latitude=-6.9175,
            longitude=107.6191,
        )


def test_unknown_category_and_missing_location_are_refused(session: Session) -> None:
    with pytest.raises(UnknownCategory):
        create_report(
            session, region="jakarta", category="ufo", description="x", latitude=-6.2, longitude=106.8
        )
    with pytest.raises(ReportError):
        create_report(session, region="jakarta", category="banjir", description="x")
