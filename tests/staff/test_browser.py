"""The staff app in a real browser: headless Chromium (Debian's) driven by Playwright, against the
whole app over HTTP. A web-chat citizen (plain HTTP posts) asks for a person; an agent sees it arrive
live, takes over, talks, hands back; a second agent is refused. Screenshots go to test-output/.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from backend.areas.models import Area
from backend.conversations.models import Conversation
from backend.conversations.service import conversation_for, request_human
from backend.db import utcnow
from backend.reports.service import Actor, change_status
from backend.staff.models import AuditLog
from tests.browser import OUTPUT
from tests.dialog.live import wait_for
from tests.public.helpers import make_report
from tests.staff.conftest import LiveApp
from tests.staff.helpers import PASSWORD, Accounts, make_accounts

# The beeps of the queue page, counted: every oscillator the page starts.
COUNT_BEEPS = """
window.__beeps = 0;
const Original = window.AudioContext;
window.AudioContext = function () {
  const ctx = new Original();
  const make = ctx.createOscillator.bind(ctx);
  ctx.createOscillator = function () { window.__beeps += 1; return make(); };
  return ctx;
};
"""


@pytest.fixture(scope="module")
def staff(live_app: LiveApp) -> Accounts:
    with live_app.db.session() as session:
        return make_accounts(session, prefix=f"{uuid.uuid4().hex[:6]}-")


class Citizen:
    """A web-chat citizen, posting like the chat page does."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.session = f"browser-{uuid.uuid4().hex[:16]}"

    def send(self, text: str) -> list[dict[str, Any]]:
        response = self.http.post("/chat/web/messages", data={"session": self.session, "text": text})
        response.raise_for_status()
        return response.json()["replies"]

    def inbox(self) -> list[dict[str, Any]]:
        return self.http.get("/chat/web/messages", params={"session": self.session}).json()["messages"]


def logged_in(browser: Browser, live_app: LiveApp, email: str, **options: Any) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{live_app.url}/dashboard/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # the login POST redirects; wait for that navigation itself, not just for the current page's load
    page.wait_for_url(lambda url: "/login" not in url, timeout=20_000)
    assert "/login" not in page.url, page.content()[:2000]
    return context, page


def conversation_id(live_app: LiveApp, chat_id: str) -> int:
    with live_app.db.session() as session:
        return session.scalar(select(Conversation.id).where(Conversation.chat_id == chat_id))


def test_the_agent_takes_over_talks_and_hands_back(
    browser: Browser, live_app: LiveApp, staff: Accounts
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    context, page = logged_in(browser, live_app, staff.agent.email, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_app.url}/dashboard/antrean")
    expect(page.locator("#live")).to_have_text("live", timeout=10_000)
    page.evaluate("window.__notReloaded = true")

    citizen = Citizen(live_app.url)
    assert citizen.send("petugas")
    conversation = conversation_id(live_app, citizen.session)
    entry = page.locator(f'#queue li[data-conversation="{conversation}"]')
    expect(entry).to_be_visible(timeout=10_000)  # arrived without a reload
    assert page.evaluate("window.__notReloaded") is True
    assert "petugas" in entry.inner_text()
    page.screenshot(path=str(OUTPUT / "dashboard-antrean.png"), full_page=True)

    entry.locator("a").first.click()
    page.click("#take-over")
    expect(page.locator("#hand-back")).to_be_visible()
    assert any("bergabung" in m["text"] for m in citizen.inbox()), "the citizen is told a person joined"

    assert citizen.send("jalan di depan rumah saya banjir sepinggang") == []  # no bot answer
    expect(page.locator("#transcript")).to_contain_text("banjir sepinggang", timeout=10_000)

    page.fill("#say-text", "Baik Bu, di jalan apa tepatnya?")
    page.click("#say button[type=submit]")
    reply = wait_for(lambda: [m for m in citizen.inbox() if m["author"] == "agent"])
    assert reply[-1]["text"] == "Baik Bu, di jalan apa tepatnya?"
    expect(page.locator("#transcript")).to_contain_text("di jalan apa tepatnya")
    page.screenshot(path=str(OUTPUT / "dashboard-percakapan.png"), full_page=True)

    other, second = logged_in(
        browser, live_app, staff.agent2.email, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    second.goto(f"{live_app.url}/dashboard/percakapan/{conversation}")
    second.click("#take-over")
    expect(second.locator("#refused")).to_contain_text("agen1")
    expect(second.locator("#take-over")).to_be_visible()  # still not theirs
    second.screenshot(path=str(OUTPUT / "dashboard-refused-phone.png"), full_page=True)
    other.close()

    page.click("#hand-back")
    page.wait_for_url("**/dashboard/antrean*")
    assert "bot Aduan" in citizen.inbox()[-1]["text"]
    assert citizen.send("bantuan"), "the bot answers again"
    context.close()

    with live_app.db.session() as session:
        audited = session.scalars(
            select(AuditLog.action).where(AuditLog.conversation_id == conversation).order_by(AuditLog.id)
        ).all()
    assert audited == ["take_over", "message", "take_over_refused", "hand_back"]


def test_an_emergency_flashes_and_beeps_in_the_queue(
    browser: Browser, live_app: LiveApp, staff: Accounts
) -> None:
    context = browser.new_context()
    context.add_init_script(COUNT_BEEPS)
    page = context.new_page()
    page.goto(f"{live_app.url}/dashboard/login")
    page.fill("input[name=email]", staff.agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#live")).to_have_text("live", timeout=10_000)
    before = page.evaluate("window.__beeps")
    with live_app.db.session() as session:
        conversation = conversation_for(session, channel="telegram", chat_id=f"tg-{uuid.uuid4().hex[:8]}")
        session.flush()
        request_human(session, conversation=conversation, reason="emergency")
        emergency_id = conversation.id
    entry = page.locator(f'#queue li.emergency[data-conversation="{emergency_id}"]')
    expect(entry).to_be_visible(timeout=10_000)
    expect(page.locator("body.alarm")).to_have_count(1)
    assert page.evaluate("window.__beeps") > before
    context.close()


def test_map_shows_markers_and_open_reports_per_kelurahan(
    browser: Browser, live_app: LiveApp, staff: Accounts
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with live_app.db.session() as session:
        centroids = session.execute(
            select(Area.centroid_lat, Area.centroid_lon)
            .where(Area.region == "jakarta", Area.level == "kelurahan", Area.centroid_lat > -6.4)
            .order_by(Area.id)
            .limit(30)
        ).all()
        for index, (lat, lon) in enumerate(centroids):
            for extra in range(index % 4):  # 0-3 reports per kelurahan: the shades differ
                old = utcnow() - timedelta(days=5 if extra else 0)
                report = make_report(
                    session, point=(lat, lon), description=f"Uji peta {index}-{extra}", now=old
                )
                if (index + extra) % 5 == 0:
                    change_status(
                        session,
                        report=report,
                        to_status="selesai",
                        actor=Actor(kind="official", unit=report.unit),
                    )
    context, page = logged_in(
        browser, live_app, staff.monitoring.email, viewport={"width": 1280, "height": 900}
    )
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith(live_app.url) or r.url.startswith("data:") else outside.append(r.url)
        ),
    )
    page.goto(f"{live_app.url}/dashboard/peta")
    page.wait_for_function(
        "() => { const m = document.getElementById('map');"
        " return m && m.dataset.markersLoaded && m.dataset.boundariesLoaded; }",
        timeout=30_000,
    )
    map_el = page.locator("#map")
    assert int(map_el.get_attribute("data-markers-loaded") or 0) >= 30
    assert int(map_el.get_attribute("data-boundaries-loaded") or 0) > 200
    assert page.locator("#map path.leaflet-interactive").count() > 200
    assert page.locator("#map .marker.late").count() >= 1  # overdue reports stand out
    shaded = page.evaluate(
        "() => Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
        ".filter(p => p.getAttribute('fill') !== '#f7f7f7').length"
    )
    assert shaded >= 10, "kelurahan with open reports are shaded"
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUTPUT / "dashboard-peta.png"), full_page=True)
    assert errors == [] and outside == [], (errors, outside)
    page.goto(f"{live_app.url}/dashboard/rapor")
    page.screenshot(path=str(OUTPUT / "dashboard-rapor.png"), full_page=True)
    context.close()
