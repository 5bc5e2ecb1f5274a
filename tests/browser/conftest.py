"""Headless Chromium (Debian's, never a downloaded build) driven by Playwright
against Django's live server. Screenshots land in var/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.services import require_chromium


def _serve_one_request_at_a_time() -> None:
    """On SQLite the live server's threads share the test's one in-memory connection,
    and a browser loads a page's parts at once (an admin page's script catalogue beside
    an image): two threads on one SQLite connection fail with "bad parameter or other
    API misuse". There, the live server answers one request at a time (Django then
    closes each connection after its response, so none waits on a kept-alive one)."""
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return

    class OneAtATimeWSGIServer(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    LiveServerThread.server_class = OneAtATimeWSGIServer


_serve_one_request_at_a_time()

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between page actions are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
PHONE = {"width": 360, "height": 780}
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Keep Chromium off the (closed) network: no update checks, sync or pings.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# How long a step may wait for the page (a click, a locator, expect()). Generous, because a
# shared CI machine runs the SQLite and PostgreSQL passes side by side: a test that passes
# waits no longer for it, and one that fails only takes longer to say so.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state()
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def image_loaded(page, selector: str) -> bool:
    """The picture at ``selector`` has loaded, waiting for its bytes up to the page's
    timeout (visible is not enough: on a busy machine the bytes may still be coming)."""
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=page.query_selector(selector)
    )
    return True


def require_axe() -> str:
    from tests.services import require

    require(AXE.exists(), "axe-core (npm ci)")
    return AXE.read_text()


def accessibility_violations(page) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2 A/AA) on the page as shown.

    axe is evaluated through the DevTools protocol, which the page's Content Security
    Policy does not apply to, so no inline script is needed."""
    source = require_axe()
    page.wait_for_load_state()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture(autouse=True)
def forget_used_totp_codes(db):
    """allauth remembers used TOTP codes in the cache, which a flushed test database
    does not empty; ids are reused, so two sign-ins in one 30 s window would clash."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def patient_in_week(programme, therapist, email: str, name: str, week: int):
    """A patient of ``therapist`` enrolled long enough ago, with each week up to ``week``
    opened in order by the therapist (as the week-N lesson journeys need)."""
    from datetime import timedelta

    from accounts.models import Role
    from program.curriculum.actions import advance_enrolment
    from program.enrolment.actions import enrol
    from tests.conftest import make_user

    patient = make_user(email, Role.PATIENT, name=name, therapist=therapist, time_zone="UTC")
    enrolment = enrol(
        patient=patient, programme=programme, start_date=patient.local_today() - timedelta(50)
    )
    for number in range(2, week + 1):
        advance_enrolment(enrolment=enrolment, week=number, by=therapist)
    return patient
