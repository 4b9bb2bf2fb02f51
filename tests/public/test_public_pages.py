"""The public site: map page, report page, statistics, exports with the map's filters, boundaries, photos."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.db import utcnow
from backend.reports.photos import store_photo
from backend.reports.service import add_note
from tests.images import jpeg
from tests.public.helpers import CIPETE_UTARA, KELAPA_GADING, MENTENG, finish, make_report, official


def test_map_page_lists_reports_and_loads_local_assets_only(client: TestClient, session: Session) -> None:
    report = make_report(session)
    page = client.get("/peta")
    assert page.status_code == 200
    assert report.ticket in page.text
    assert 'name="viewport"' in page.text
    assert "/public/static/vendor/leaflet/leaflet.js" in page.text
    assert "/public/static/vendor/markercluster/leaflet.markercluster.js" in page.text
    assert "https://" not in page.text.split("<footer>")[0]  # nothing from a CDN
    for asset in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "map.js", "public.css"):
        assert client.get(f"/public/static/{asset}").status_code == 200


def test_map_tiles_are_a_setting(settings: Settings, client: TestClient) -> None:
    assert 'data-tiles=""' in client.get("/peta").text
    settings.map_tiles_url = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in client.get("/peta").text


def test_report_page_shows_history_notes_place_and_unit(client: TestClient, session: Session) -> None:
    report = make_report(session, description="Air setinggi lutut")
    add_note(session, report=report, kind="balasan", actor=official(report), note="Tim sedang menuju lokasi")
    finish(session, report, at=utcnow(), note="Air sudah surut, saluran dibersihkan")
    page = client.get(f"/laporan/{report.ticket.lower()}")
    assert page.status_code == 200
    text = page.text
    for expected in (
        report.ticket,
        "Banjir / genangan",
        "Air setinggi lutut",
        "Cipete Utara",
        "Kebayoran Baru",
        "Tim sedang menuju lokasi",
        "Air sudah surut, saluran dibersihkan",
        "Selesai",
        report.unit.name,
    ):
        assert expected in text, expected


def test_citizen_notes_stay_off_the_report_page(client: TestClient, session: Session) -> None:
    from backend.reports.service import Actor

    report = make_report(session)
    add_note(
        session, report=report, kind="balasan_warga", actor=Actor(kind="citizen"), note="rumah saya no 12"
    )
    assert "rumah saya no 12" not in client.get(f"/laporan/{report.ticket}").text


def test_unknown_report_page_is_404(client: TestClient) -> None:
    response = client.get("/laporan/ZZ9ZZ9")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.text


def test_exports_use_the_map_filters(client: TestClient, session: Session) -> None:
    south = make_report(session, point=CIPETE_UTARA, category="banjir")
    centre = make_report(session, point=MENTENG, category="sampah")
    north = make_report(session, point=KELAPA_GADING, category="banjir")
    finish(session, north, at=utcnow())

    def tickets(**params: str) -> set[str]:
        response = client.get("/api/reports.geojson", params=params)
        assert response.status_code == 200, response.text
        return {f["properties"]["ticket"] for f in response.json()["features"]} & {
            south.ticket,
            centre.ticket,
            north.ticket,
        }

    assert tickets() == {south.ticket, centre.ticket, north.ticket}
    assert tickets(category="banjir") == {south.ticket, north.ticket}
    assert tickets(status="open") == {south.ticket, centre.ticket}
    assert tickets(status="selesai") == {north.ticket}
    assert tickets(kota="Jakarta Selatan") == {south.ticket}
    assert tickets(kota="jakarta selatan", kecamatan="Kebayoran Baru", kelurahan="Cipete Utara") == {
        south.ticket
    }
    assert tickets(kecamatan="Menteng") == {centre.ticket}
    today = utcnow().date()
    assert tickets(date_from=str(today - timedelta(days=1)), date_to=str(today + timedelta(days=1))) == {
        south.ticket,
        centre.ticket,
        north.ticket,
    }
    assert tickets(date_to=str(today - timedelta(days=2))) == set()

    response = client.get("/api/reports.csv", params={"category": "banjir"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["ticket"] for r in rows} >= {south.ticket, north.ticket}
    assert centre.ticket not in {r["ticket"] for r in rows}
    row = next(r for r in rows if r["ticket"] == north.ticket)
    assert row["open311_status"] == "closed" and row["kota"] == "Jakarta Utara"

    feature = client.get("/api/reports.geojson", params={"kelurahan": "Cipete Utara"}).json()["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["url"].endswith(f"/laporan/{south.ticket}")


def test_bad_filters_are_400(client: TestClient) -> None:
    assert client.get("/api/reports.geojson", params={"category": "ufo"}).status_code == 400
    assert client.get("/api/reports.csv", params={"date_from": "kemarin"}).status_code == 400
    page = client.get("/peta", params={"status": "hilang"})
    assert page.status_code == 400 and "Saringan tidak valid" in page.text


def test_kelurahan_boundaries_come_from_the_database(client: TestClient) -> None:
    data = client.get("/api/areas/kelurahan.geojson").json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) > 200
    names = {f["properties"]["kelurahan"] for f in data["features"]}
    assert {"Cipete Utara", "Menteng", "Kelapa Gading Timur"} <= names
    assert data["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    thin = client.get("/api/areas/kelurahan.geojson", params={"simplify": "0.0005"})
    assert len(thin.content) < len(client.get("/api/areas/kelurahan.geojson").content)


def test_statistics_count_received_done_median_and_deadline_share(
    client: TestClient, session: Session
) -> None:
    now = utcnow()
    # Banjir: finish within 2 days. One done in 1 day, one done in 3 days, one open and overdue, one new.
    fast = make_report(session, now=now - timedelta(days=5))
    finish(session, fast, at=now - timedelta(days=4))
    slow = make_report(session, now=now - timedelta(days=5))
    finish(session, slow, at=now - timedelta(days=2))
    make_report(session, now=now - timedelta(days=3))
    make_report(session, now=now - timedelta(hours=1))

    from backend.public.service import ReportFilter, places
    from backend.public.stats import compute_statistics

    table = compute_statistics(
        session,
        region="jakarta",
        flt=ReportFilter(kelurahan="Cipete Utara"),
        zone="Asia/Jakarta",
        all_places=places(session, region="jakarta"),
        now=now,
    )
    kelurahan = table.by_level["kelurahan"]
    assert [(s.name, s.parent) for s in kelurahan] == [("Cipete Utara", "Kebayoran Baru")]
    stats = kelurahan[0]
    assert (stats.received, stats.done) == (4, 2)
    assert stats.median_hours == 48.0  # median of 24 h and 72 h
    assert stats.within_deadline == round(1 / 3, 3)  # fast on time; slow late; one open past its deadline
    assert table.by_level["kota"][0].name == "Jakarta Selatan"

    page = client.get("/statistik", params={"kelurahan": "Cipete Utara"})
    assert page.status_code == 200
    assert "<svg" in page.text and "Cipete Utara" in page.text and "33%" in page.text


def test_public_photos_have_no_exif(
    client: TestClient, session: Session, settings: Settings, tmp_path: Path
) -> None:
    original = jpeg(gps=(-6.2615, 106.8106))
    assert Image.open(io.BytesIO(original)).getexif()  # the original carries GPS
    photo, _ = store_photo(session, data=original, media_dir=settings.media_dir, max_bytes=10_000_000)
    orphan, _ = store_photo(
        session, data=jpeg(color="blue"), media_dir=settings.media_dir, max_bytes=10_000_000
    )
    report = make_report(session, photos=[photo])

    page = client.get(f"/laporan/{report.ticket}").text
    url = f"/public/photos/{photo.id}"
    assert url in page and "/media/" not in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"Exif" not in response.content
    assert client.get(url).content == response.content  # the clean copy is cached
    assert client.get(f"/public/photos/{orphan.id}").status_code == 404  # not attached to a report
    assert client.get("/public/photos/999999").status_code == 404
    geo = client.get("/api/reports.geojson", params={"kelurahan": "Cipete Utara"}).json()
    assert geo["features"][0]["properties"]["photo_urls"] == [f"http://testserver{url}"]
