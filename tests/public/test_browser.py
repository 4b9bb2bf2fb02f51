"""The public pages in a real browser: headless Chromium (Debian's) driven by Playwright.

Needs /usr/bin/chromium (`apt-get install -y chromium`); Playwright's own browser download is never used.
Screenshots go to test-output/ for a person to look at.
"""

from __future__ import annotations

import itertools

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from backend.areas.models import Area
from backend.reports.categories import category_codes
from backend.reports.photos import store_photo
from backend.reports.service import change_status
from tests.browser import OUTPUT
from tests.images import jpeg
from tests.public.conftest import LiveSite
from tests.public.helpers import CIPETE_UTARA, make_report, official


@pytest.fixture(scope="module")
def site(live_site: LiveSite) -> dict[str, str]:
    """Reports across Jakarta (at kelurahan centroids), a mix of categories and statuses, one photo."""
    with live_site.db.session() as session:
        centroids = session.execute(
            select(Area.centroid_lat, Area.centroid_lon)
            .where(Area.region == "jakarta", Area.level == "kelurahan")
            .order_by(Area.id)
            .limit(40)
        ).all()
        codes = itertools.cycle(category_codes())
        for index, (lat, lon) in enumerate(centroids):
            report = make_report(
                session, point=(lat, lon), category=next(codes), description=f"Laporan uji {index}"
            )
            if index % 3 == 1:
                change_status(session, report=report, to_status="diproses", actor=official(report))
            elif index % 3 == 2:
                change_status(
                    session, report=report, to_status="selesai", actor=official(report), note="Beres"
                )
        photo, _ = store_photo(
            session,
            data=jpeg(320, 240, "orange", gps=CIPETE_UTARA),
            media_dir=live_site.settings.media_dir,
            max_bytes=10_000_000,
        )
        featured = make_report(session, description="Banjir sepaha, mobil tidak bisa lewat", photos=[photo])
        change_status(
            session, report=featured, to_status="diproses", actor=official(featured), note="Tim menuju"
        )
        return {"ticket": featured.ticket, "count": str(len(centroids) + 1)}


def _watch(page: Page, base: str) -> tuple[list[str], list[str]]:
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else outside.append(r.url),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None,
    )
    return outside, errors


def _wait_for_map(page: Page) -> None:
    page.wait_for_function(
        "() => { const m = document.getElementById('map');"
        " return m && m.dataset.markersLoaded && m.dataset.boundariesLoaded; }",
        timeout=20_000,
    )


def test_map_page_draws_boundaries_and_clustered_markers_without_tiles(
    browser: Browser, live_site: LiveSite, site: dict[str, str]
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside, errors = _watch(page, live_site.url)
    page.goto(f"{live_site.url}/peta")
    _wait_for_map(page)
    map_el = page.locator("#map")
    assert map_el.get_attribute("data-markers-loaded") == site["count"]
    assert int(map_el.get_attribute("data-boundaries-loaded") or 0) > 200
    assert page.locator("#map path.leaflet-interactive").count() > 200  # kelurahan polygons drawn
    assert page.locator("#map .leaflet-marker-icon").count() >= 1  # markers or clusters
    assert page.locator("#map .leaflet-tile").count() == 0  # no tile layer configured
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUTPUT / "peta.png"), full_page=True)
    assert outside == [], outside
    assert errors == [], errors
    page.close()


def test_map_marker_popup_links_to_the_report_page(
    browser: Browser, live_site: LiveSite, site: dict[str, str]
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"{live_site.url}/peta?kelurahan=Cipete+Utara")
    _wait_for_map(page)
    page.wait_for_timeout(400)  # the fit-to-markers animation
    page.screenshot(path=str(OUTPUT / "peta-phone.png"), full_page=True)
    markers = page.locator("#map .marker")
    assert markers.count() >= 1
    markers.first.click()
    link = page.locator(".leaflet-popup-content a").first
    link.wait_for(timeout=5_000)
    assert (
        site["ticket"] in (link.text_content() or "")
        or "Cipete" in page.locator(".leaflet-popup-content").inner_text()
    )
    href = link.get_attribute("href") or ""
    assert href.startswith("/laporan/")
    page.goto(f"{live_site.url}{href}")
    assert href.rsplit("/", 1)[-1] in page.locator(".ticket").inner_text()
    page.close()


def test_report_page_shows_the_report_its_place_and_its_photo(
    browser: Browser, live_site: LiveSite, site: dict[str, str]
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    for name, viewport in (
        ("laporan.png", {"width": 1280, "height": 900}),
        ("laporan-phone.png", {"width": 390, "height": 844}),
    ):
        page = browser.new_page(viewport=viewport)
        outside, errors = _watch(page, live_site.url)
        page.goto(f"{live_site.url}/laporan/{site['ticket']}")
        _wait_for_map(page)
        assert page.locator("h1").inner_text().startswith("Banjir")
        assert "Diproses" in page.locator(".ticket").inner_text()
        assert "Tim menuju" in page.locator("ol.history").inner_text()
        assert page.locator("#map path.leaflet-interactive").count() == 1  # the kelurahan boundary
        assert page.locator("#map .leaflet-marker-icon").count() == 1
        image = page.locator(".photos img").first
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const i = document.querySelector('.photos img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert "/public/photos/" in (image.get_attribute("src") or "")
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUTPUT / name), full_page=True)
        assert outside == [], outside
        assert errors == [], errors
        page.close()


def test_statistics_page_renders_its_chart(
    browser: Browser, live_site: LiveSite, site: dict[str, str]
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_site.url}/statistik")
    assert page.locator("svg.chart rect.received").count() >= 1
    page.screenshot(path=str(OUTPUT / "statistik-phone.png"), full_page=True)
    page.close()


def test_the_chat_page_makes_a_whole_report_on_a_phone(browser: Browser, live_site: LiveSite) -> None:
    """/chat in a phone-sized Chromium: words, the browser's geolocation, a photo upload and "Kirim"."""
    OUTPUT.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        geolocation={"latitude": -6.3330, "longitude": 106.8330},  # Jagakarsa
        permissions=["geolocation"],
        locale="id-ID",
    )
    page = context.new_page()
    try:
        page.goto(f"{live_site.url}/chat")
        log = page.locator("#log")
        expect(log.locator(".msg.bot").first).to_be_visible(timeout=10_000)  # the greeting
        page.fill("#text", "sampah numpuk di pinggir jalan udah seminggu, bau banget")
        page.click("#send")
        expect(log.locator(".msg.bot").last).to_contain_text("Di mana lokasinya", timeout=10_000)
        page.click("#loc")
        expect(log.locator(".msg.bot").last).to_contain_text("Kirim foto", timeout=10_000)
        page.set_input_files(
            "#photo", files=[{"name": "sampah.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
        )
        send = page.locator('button[data-value="confirm:send"]')
        expect(send).to_be_visible(timeout=10_000)  # the summary, with Kirim / Ubah / Batal
        expect(log.locator(".msg.bot").last).to_contain_text("Jagakarsa")
        send.click()
        expect(log.locator(".msg.bot").last).to_contain_text("Nomor tiket", timeout=10_000)
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, "the chat is readable on a phone without scrolling sideways"
        page.screenshot(path=str(OUTPUT / "chat-phone.png"), full_page=True)
        ticket = log.locator(".msg.bot").last.inner_text().split("Nomor tiket: ")[1].split()[0]
    finally:
        context.close()
    report = httpx.get(f"{live_site.url}/api/reports/{ticket}", timeout=10).json()
    assert report["category"] == "sampah" and report["kelurahan"] == "Jagakarsa"
    assert len(report["photo_urls"]) == 1
