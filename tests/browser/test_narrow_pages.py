"""The progress page, a lesson, both sleep-window pages, and a taper patient's pages for
her therapist (the patient page, the medication page, the step editor) on a 360 px phone
and a 1280 px desktop: nothing runs out of the screen or out of its card (a wide table
scrolls inside its own region, WCAG 1.4.10), and axe finds no serious problem,
nor two regions of one name (landmark-unique). The charts' labels read at 9-16 px,
inside their chart, none over another."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from accounts.models import User
from program.assessments import actions as assessments
from program.demo.clinic import load_demo
from program.diary.actions import save_entry
from program.models import Lesson, TaperPlan
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in, totp_code
from .test_therapist_round import demo_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.layout, pytest.mark.django_db(transaction=True)]

# Every element that is not inside a scrolling (or clipping) box must lie within
# the screen and within the card it sits in. Returns what sticks out.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== 'visible') return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '') +
    ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || scrolls(el)) continue;
    if (r.right > width + 0.5 || r.left < -0.5) { out.push('off screen: ' + name(el)); continue; }
    const card = el.parentElement && el.parentElement.closest('.card');
    if (card) {
      const c = card.getBoundingClientRect();
      if (r.right > c.right + 0.5 || r.left < c.left - 0.5) out.push('out of card: ' + name(el));
    }
  }
  // A question (a fieldset's legend) inside its box, not drawn across its border.
  for (const legend of document.querySelectorAll('main fieldset > legend')) {
    // A legend drawn on the border starts where the fieldset's box does, above its border.
    const box = legend.parentElement, r = legend.getBoundingClientRect();
    const top = box.getBoundingClientRect().top + parseFloat(getComputedStyle(box).borderTopWidth);
    if (r.height > 1 && r.top < top - 0.5) out.push('legend across its box: ' + name(legend));
  }
  // Tables wider than their box: each scrolls in its own region, with a shadow as a cue.
  const scrolling = [...document.querySelectorAll('.table-scroll')]
    .filter(r => r.scrollWidth > r.clientWidth + 1)
    .map(r => ({name: r.getAttribute('aria-labelledby'),
                cue: getComputedStyle(r).backgroundImage.includes('radial-gradient'),
                focusable: r.tabIndex === 0}));
  return {scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 10), scrolling};
}"""

# The regions' names, for landmark-unique (axe's best-practice rule, not run by the
# WCAG tag set) and for a plain check.
UNIQUE_REGIONS = """async () => (await axe.run(document, {runOnly: {type: 'rule',
    values: ['landmark-unique', 'scrollable-region-focusable']}})).violations
    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""


SIZES = ({"width": 360, "height": 780}, {"width": 1280, "height": 900})

# Every chart's labels, as drawn: their size in CSS pixels (the chart is scaled to its
# box), and any label outside its chart or over another label. Folded sections are
# opened first, as a reader would.
CHART_LABELS = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const labels = [...svg.querySelectorAll('text.axis')];
    const name = svg.getAttribute('aria-labelledby');
    for (const [i, t] of labels.entries()) {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      const r = t.getBoundingClientRect();
      if (px < 9 || px > 16) out.push(`${name} "${t.textContent}": ${px.toFixed(1)} px`);
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5
          || r.bottom > box.bottom + 0.5) out.push(`${name} "${t.textContent}": outside`);
      for (const u of labels.slice(i + 1)) {
        const q = u.getBoundingClientRect();
        if (r.left < q.right - 0.5 && q.left < r.right - 0.5 && r.top < q.bottom - 0.5
            && q.top < r.bottom - 0.5) {
          out.push(`${name} "${t.textContent}" over "${u.textContent}"`);
        }
      }
    }
  }
  return {charts: document.querySelectorAll('svg.chart').length, out};
}"""

# Pages whose tables fit a 360 px phone without scrolling (the questionnaires' results:
# date, occasion, total and band).
FITS = re.compile(r"/progress/$")
# Tables that fit it on any page, by their region's name: the sleep window's history, one
# card a window below 640 px (its reason was cut off at a phone's edge, "Set by" hidden);
# a taper plan's steps and its nights against the plan, one card a step or a night (the
# dose and "Against the plan" were behind the region's edge); the plan's step editor, one
# card a step with each box's label shown (the dose, drug-free and note boxes were behind
# the edge, named only by the hidden column headers); the patient page's weekly averages,
# the diary's and the medication's, one card a week (the later figures were cut off); the
# end-of-programme summary's first and last weeks, one card a figure (week 6 was cut off);
# the medication page's week by week and history of the plans, one card a week or a change
# (from the mean dose on, and who changed a plan, what and why, were behind the edge); the
# patient page's sleep-window recommendations decided, one card a review (who decided it
# was behind the edge).
FITTING_TABLES = re.compile(
    r"^(window-history-heading|steps-caption-\d+|dose-table-caption|step-editor-caption"
    r"|weeks-table-caption|medication-weeks-caption|summary-diary(-caption)?"
    r"|med-weeks-caption|history-heading|decisions-heading)$"
)


# The tables shown as cards on a phone that are not laid out as tables (on a desktop).
CARDS_NOT_TABLES = """() => [...document.querySelectorAll('table.row-cards')]
    .filter(t => getComputedStyle(t).display !== 'table')
    .map(t => t.querySelector('caption')?.id || t.className)"""

# The step editor's inputs (a card a step on a phone, its column headers hidden) whose
# label is not shown: without it, a card's boxes are four boxes with no name.
INPUTS_WITHOUT_VISIBLE_LABEL = """() => [...document.querySelectorAll(
    'table.step-editor input:not([type=hidden]), table.step-editor select')]
    .filter(i => { const r = i.labels[0]?.getBoundingClientRect();
                   return !r || r.width <= 1 || r.height <= 1; })
    .map(i => i.name)"""


def correction_links_off_screen(page, width: int) -> list[str]:
    """The link that corrects a night (the only way to) lies within the screen, with
    no sideways scrolling: on a phone each night is a card with the link on its first
    line (at 360 px it was at x=504, beyond a scrolling table's edge)."""
    links = page.get_by_role("link", name=re.compile(r"^Change \d"))
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    if not boxes:
        return [f"/diary/ @{width}: no link to correct a night"]
    return [
        f"/diary/ @{width}: a night's Change link at x={box['x']:.0f}–{box['x'] + box['width']:.0f}"
        for box in boxes
        if box is None or box["x"] < 0 or box["x"] + box["width"] > width
    ][:3]


def problems(page, width: int) -> list[str]:
    found = page.evaluate(STICKING_OUT)
    path = page.url
    out = [f"{path} @{width}: {what}" for what in found["out"]]
    for region in found["scrolling"]:
        if FITS.search(path) or FITTING_TABLES.match(region["name"] or ""):
            out.append(f"{path} @{width}: the table {region['name']} does not fit")
        if not (region["cue"] and region["focusable"]):
            out.append(f"{path} @{width}: the table {region['name']} scrolls with no cue")
    if found["scrollWidth"] > width:
        out.append(f"{path} @{width}: the page scrolls sideways ({found['scrollWidth']} px)")
    out += [
        f"{path} @{width}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for v in accessibility_violations(page)
    ]
    out += [f"{path} @{width}: {v}" for v in page.evaluate(UNIQUE_REGIONS)]
    return out


@pytest.fixture
def record(patient: User, therapist: User) -> User:
    """Two weeks of diary, a sleep window decided and reviewed, and questionnaire
    results in every band width (the ISI's "Clinical insomnia (moderate)" the widest)."""
    today = patient.local_today()
    for back in range(14):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers={
                "into_bed": time(23),
                "lights_off": time(23),
                "final_wake": time(6, 40),
                "out_of_bed": time(7),
                "sleep_latency_min": 30,
                "awakenings": 2,
                "awake_min": 60,
                "quality": 2,
            },
        )
    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    first = sw.start(patient, rise_time=time(6, 30), today=today - timedelta(days=7))
    sw.approve(first, by=therapist)
    sw.weekly_review(sw.course_for(patient), today)
    instruments = assessments.ensure_instruments()
    for key, totals in (("isi", (19, 16, 12)), ("phq9", (17, 12, 6))):
        occasions = zip(("baseline", "week-2", "week-4"), totals, strict=True)
        for weeks, (occasion, total) in enumerate(occasions):
            assessments.record_result(
                patient=patient,
                instrument=instruments[key],
                total=total,
                completed_on=today - timedelta(days=28 - 14 * weeks),
                occasion=occasion,
                by=therapist,
            )
    return patient


def test_the_pages_fit_a_phone_and_a_desktop(
    page, browser, live_server, record: User, therapist
) -> None:
    """Each signs in once (a TOTP code is accepted once), then the screen changes size."""
    lesson = Lesson.objects.get(slug="how-sleep-works")
    sign_in(page, record.email)
    page.wait_for_url(re.compile(r"/today/$"))
    context = browser.new_context(viewport=SIZES[0], base_url=live_server.url)
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    sign_in(desk, therapist.email)
    desk.get_by_label("Code from your authenticator app").fill(totp_code())
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(re.compile(r"/caseload/$"))
    visits = [
        (page, "/diary/", "diary"),
        (page, "/progress/", "progress"),
        (page, f"/lessons/{lesson.pk}/", "lesson"),
        (page, "/sleep-window/", "sleep-window"),
        (desk, f"/patients/{record.pk}/sleep-window/", "therapist-sleep-window"),
        (desk, f"/patients/{record.pk}/", "patient-detail"),
    ]
    found: list[str] = []
    for size in SIZES:
        for who, path, name in visits:
            who.set_viewport_size(size)
            assert who.goto(path).ok, path
            screenshot(who, f"narrow-{name}-{size['width']}")
            found += problems(who, size["width"])
            if name == "diary":
                found += correction_links_off_screen(who, size["width"])
        charts = 0
        for who, path in (
            (page, "/diary/"),
            (page, "/progress/"),
            (desk, f"/patients/{record.pk}/"),
        ):
            assert who.goto(path).ok, path
            labels = who.evaluate(CHART_LABELS)
            charts += labels["charts"]
            found += [f"{path} @{size['width']}: {what}" for what in labels["out"]]
        assert charts == 8, charts  # the diary's two and two results, on each side
    context.close()
    assert not found, "\n".join(found)


def test_a_taper_patients_staff_pages_fit_a_phone(page, live_server, programme) -> None:
    """The demo's Eva (a diazepam taper) as her therapist sees her: the patient page, the
    medication page and the plan's step editor, every fold open, fit 360 px with their
    tables as cards, and are unchanged tables at 1280 px."""
    load_demo()
    eva = User.objects.get(email="taper@example.com")
    plan = TaperPlan.objects.get(patient=eva, status=TaperPlan.Status.ACTIVE)
    demo_sign_in(page, "therapist@example.com", staff=True)
    page.wait_for_url(re.compile(r"/caseload/$"))
    visits = [
        (f"/patients/{eva.pk}/", "eva-patient"),
        (f"/patients/{eva.pk}/medication/", "eva-medication"),
        (f"/patients/{eva.pk}/medication/plans/{plan.pk}/", "eva-step-editor"),
    ]
    found: list[str] = []
    for size in SIZES:
        page.set_viewport_size(size)
        for path, name in visits:
            assert page.goto(path).ok, path
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            screenshot(page, f"narrow-{name}-{size['width']}")
            found += problems(page, size["width"])
            if size["width"] < 640:
                found += [
                    f"{path} @{size['width']}: the input {name} has no visible label"
                    for name in page.evaluate(INPUTS_WITHOUT_VISIBLE_LABEL)
                ]
            if size["width"] > 640:
                found += [
                    f"{path} @{size['width']}: {name} is not a table"
                    for name in page.evaluate(CARDS_NOT_TABLES)
                ]
    assert not found, "\n".join(found)


def test_the_end_of_programme_summary_fits_a_phone(page, live_server, programme) -> None:
    """The demo's done@ at the end of the programme: the summary's first and last weeks
    side by side were cut off at a 360 px phone's edge (week 6 behind the region's shadow);
    there each figure is a card with both weeks, and at 1280 px it is a table."""
    load_demo()
    demo_sign_in(page, "done@example.com", staff=False)
    page.wait_for_url(re.compile(r"/today/"))
    found: list[str] = []
    for size in SIZES:
        page.set_viewport_size(size)
        assert page.goto("/today/summary/").ok
        assert page.locator("table.summary-table").count() == 1
        screenshot(page, f"narrow-summary-{size['width']}")
        found += problems(page, size["width"])
        if size["width"] > 640:
            found += [
                f"/today/summary/ @{size['width']}: {name} is not a table"
                for name in page.evaluate(CARDS_NOT_TABLES)
            ]
    assert not found, "\n".join(found)
