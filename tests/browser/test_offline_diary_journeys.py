"""The installable diary that works offline (issue 23, part 3; docs/offline.md): a night
typed without a connection is kept on the phone and sent once when the connection is back;
a second tab or a retry saves nothing twice; signing out empties what the phone kept."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import DiaryEntry

from .conftest import accessibility_violations, screenshot
from .test_diary_integrity_journeys import SAVE, fill_night
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUED = "Saved on this phone, will be sent when you are back online."


def kept_pages(page) -> list[str]:
    """The paths of the pages the service worker keeps on this phone."""
    return page.evaluate(
        """async () => {
            const out = [];
            for (const name of await caches.keys()) {
                if (!name.startsWith('cbti-pages-')) continue;
                const cache = await caches.open(name);
                for (const r of await cache.keys()) out.push(new URL(r.url).pathname);
            }
            return out;
        }"""
    )


def controlled(page) -> None:
    """Wait until the service worker controls the page and has kept the diary form."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    deadline = time.monotonic() + 10
    while "/diary/new/" not in kept_pages(page):
        assert time.monotonic() < deadline, "the diary form was not kept"
        page.wait_for_timeout(100)


def waiting_nights(page) -> int:
    return page.evaluate(
        """() => new Promise(resolve => {
            const open = indexedDB.open('cbti-offline', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('nights', {keyPath: 'key'});
            open.onsuccess = () => {
                const db = open.result;
                const all = db.transaction('nights').objectStore('nights').getAll();
                all.onsuccess = () => { db.close(); resolve(all.result.length); };
            };
        })"""
    )


def test_a_night_typed_offline_is_sent_once_when_back_online(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    controlled(page)
    page.context.set_offline(True)
    page.goto("/diary/new/")
    expect(page.get_by_role("heading", name="How did you sleep?")).to_be_visible()
    fill_night(page, comment="On the train")
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#offline-status")).to_have_text(QUEUED)
    screenshot(page, "offline-diary-saved-on-phone-phone")
    assert accessibility_violations(page) == []
    assert DiaryEntry.objects.filter(patient=patient).count() == 0
    assert waiting_nights(page) == 1
    page.context.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text("Sent.")
    expect(page.locator("#offline-status")).to_contain_text("Saved.")
    screenshot(page, "offline-diary-sent-phone")
    entries = DiaryEntry.objects.filter(patient=patient)
    assert entries.count() == 1
    assert entries.get().comments == "On the train"
    assert waiting_nights(page) == 0


def test_a_second_tab_coming_back_online_does_not_save_the_night_twice(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    controlled(page)
    second = page.context.new_page()
    second.goto("/today/")
    page.context.set_offline(True)
    page.goto("/diary/new/")
    fill_night(page)
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#offline-status")).to_have_text(QUEUED)
    # Both tabs hear that the connection is back, and both try to send what is waiting.
    page.context.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text("Sent.")
    second.reload()
    second.wait_for_load_state()
    # A retry of the very same night (a tab that read it before the first sent it).
    retry = second.evaluate(
        """async () => {
            const session = await (await fetch('/diary/offline/')).json();
            const body = new URLSearchParams(%s);
            const answer = await fetch('/diary/offline/', {method: 'POST', body,
                headers: {'X-CSRFToken': session.csrf}});
            return (await answer.json()).status;
        }"""
        % ("{" + _night_fields(page) + "}")
    )
    assert retry == "already_saved"
    assert DiaryEntry.objects.filter(patient=patient).count() == 1
    assert waiting_nights(second) == 0


def _night_fields(page) -> str:
    """The saved night's fields, as a JavaScript object's body (for the retry)."""
    entry = DiaryEntry.objects.get()
    return (
        f"submission_key: '{entry.submission_key}', queued_by: '{entry.patient_id}', "
        f"diary_date: '{entry.diary_date.isoformat()}', into_bed: '22:40', "
        "lights_off: '23:05', sleep_latency_min: '30', awakenings: '2', awake_min: '40', "
        "final_wake: '05:50', out_of_bed: '06:20', quality: '2'"
    )


def test_a_night_kept_when_the_session_ended_is_sent_after_signing_in_again(
    page, patient: User
) -> None:
    from django.contrib.sessions.models import Session

    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    controlled(page)
    page.context.set_offline(True)
    page.goto("/diary/new/")
    fill_night(page, comment="Hours on a train")
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#offline-status")).to_have_text(QUEUED)
    Session.objects.all().delete()  # hours offline: the session ended meanwhile
    page.context.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text("Sign in again to send it")
    screenshot(page, "offline-diary-sign-in-again-phone")
    assert not DiaryEntry.objects.exists()
    assert waiting_nights(page) == 1
    page.locator("#offline-status").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert kept_pages(page) == []  # nobody signed in: the pages kept go, the night stays
    assert waiting_nights(page) == 1
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.locator("#offline-status")).to_contain_text("Sent.")
    assert DiaryEntry.objects.get(patient=patient).comments == "Hours on a train"
    assert waiting_nights(page) == 0


def test_signing_out_empties_what_this_phone_kept(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    controlled(page)
    page.context.set_offline(True)
    page.goto("/diary/new/")
    fill_night(page)
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#offline-status")).to_have_text(QUEUED)
    # Back online, but the server cannot take the night yet: it stays waiting.
    page.route("**/diary/offline/", lambda route: route.abort())
    page.context.set_offline(False)
    page.goto("/today/")
    expect(page.locator("#offline-status")).to_have_text(QUEUED)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert asked and "has not been sent yet" in asked[0]
    assert kept_pages(page) == []
    assert page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)") == []
    assert not DiaryEntry.objects.exists()


def test_the_patient_side_meets_the_install_criteria(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    controlled(page)
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(href).json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/today/"
    for icon in manifest["icons"]:
        response = page.request.get(icon["src"])
        assert response.ok, icon["src"]
        assert response.headers["content-type"] == icon["type"]
    # Each icon decodes in the browser at the size the manifest says.
    sizes = page.evaluate(
        """async (icons) => Promise.all(icons.filter(i => i.type === 'image/png').map(i =>
            new Promise(ok => { const img = new Image(); img.onload = () =>
                ok([i.sizes, img.naturalWidth + 'x' + img.naturalHeight]); img.src = i.src; })))""",
        manifest["icons"],
    )
    assert sizes and all(said == drawn for said, drawn in sizes)
    assert (
        page.evaluate(
            "async () => (await navigator.serviceWorker.getRegistration('/')).active.state"
        )
        == "activated"
    )
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    # Chromium's own verdict. A test browser is a private (incognito) profile, which
    # Chromium never offers to install from: that is the one reason it may give.
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    screenshot(page, "offline-today-installable-phone")


def test_a_night_the_server_refuses_comes_back_into_the_form(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    controlled(page)
    page.context.set_offline(True)
    page.goto("/diary/new/")
    fill_night(page, comment="Typed in a tunnel")
    page.get_by_label("What time was your final awakening?").fill("99:99")
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#offline-status")).to_have_text(QUEUED)
    page.context.set_offline(False)
    status = page.locator("#offline-status")
    expect(status).to_contain_text("was not accepted. It is back in the diary form")
    screenshot(page, "offline-diary-refused-phone")
    # Nothing typed is lost: the form is back with every answer, to correct and save.
    expect(page.get_by_label("What time was your final awakening?")).to_have_value("99:99")
    expect(page.get_by_label("Anything else about the night?")).to_have_value("Typed in a tunnel")
    assert not DiaryEntry.objects.exists()
    page.get_by_label("What time was your final awakening?").fill("05:50")
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_url(re.compile(r"/diary/$"))
    assert DiaryEntry.objects.get(patient=patient).comments == "Typed in a tunnel"
    assert waiting_nights(page) == 0
