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


def test_the_nearest_open_report_of_the_category_within_100_m_is_found(session: Session) -> None:
    from datetime import timedelta

    from backend.db import utcnow
    from backend.reports.handling import nearby_open_report

    # Around Srengseng Sawah, a spot no other test reports from.
    lat, lon = -6.3460, 106.8230
    metre = 1 / 111_320  # degrees of latitude in a metre

    def report(category: str, north_m: float, *, status: str = "menunggu", hours_ago: float = 0) -> str:
        made = create_report(
            session,
            region="jakarta",
            category=category,
            description="uji",
            latitude=lat + north_m * metre,
            longitude=lon,
            now=utcnow() - timedelta(hours=hours_ago),
        )
        made.status = status
        return made.ticket

    def found() -> str | None:
        near = nearby_open_report(session, category="sampah", latitude=lat, longitude=lon)
        return near.ticket if near else None

    report("sampah", 150)  # too far
    report("banjir", 10)  # another category
    report("sampah", 5, status="selesai")  # closed
    report("sampah", 20, hours_ago=49)  # too old
    assert found() is None
    farther = report("sampah", 80)
    assert found() == farther
    nearer = report("sampah", -40)  # south: the order is by distance, not by latitude
    assert found() == nearer
