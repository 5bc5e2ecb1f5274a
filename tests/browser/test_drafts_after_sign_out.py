"""What someone typed in a form sent after their session ended comes back after signing in,
on the form's page, saying so; so does what was typed before a reload; nothing is said to
be kept when nothing was typed, nor after the server has answered.

The diary's own walk is in test_diary_integrity_journeys.py; these walk a checklist that
saves to its own page (About you) and a therapist's note, whose form posts to an address
that answers POST only, from a fold of the patient's page.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from program.models import PatientSituations, TherapistNote
from tests.conftest import PASSWORD

from .conftest import screenshot
from .test_sign_in_journeys import sign_in, staff_sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT = "It is kept on this device: sign in and it will be back."
RESTORED = "What you had filled in is back: we kept it on this device."
# The form-expired page's words where nothing was kept (templates/403_csrf.html).
FALLBACK = "If your browser's Back button still shows what you typed"


def sign_in_here(page, email: str) -> None:
    """Sign in on the sign-in page the app sent us to (its next= is kept)."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def staff_sign_in_here(page, email: str) -> None:
    """``sign_in_here`` with the second factor a therapist is asked for."""
    sign_in_here(page, email)
    # The same 30 s as the first code: a person would wait for the next one; allauth refuses a
    # code used once, so the test forgets it instead of waiting.
    cache.clear()
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()


def answer_without_referer(page, address: str) -> None:
    """What the server answers a form sent signed out to ``address`` from a browser that
    sends no Referer (tests/accounts/test_sign_in_return.py): sign in, then that address.
    Chromium cannot be made to drop its Referer, so the test gives that answer."""
    login = f"/accounts/login/?next={address}"
    page.route(
        re.compile(rf"{re.escape(address)}$"),
        lambda route: route.fulfill(status=302, headers={"Location": login}),
    )


def type_then_send_signed_out(page, label: str, text: str, button: str) -> None:
    """Type into a field, lose the session (the idle timeout, or the cookie's age), send."""
    page.get_by_label(label).fill(text)
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name=button).click()


def test_about_you_ticks_sent_signed_out_come_back_after_signing_in(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/about-you/")
    # A page only opened, then the session ends: nothing typed, nothing said to be kept.
    page.context.clear_cookies(name="sessionid")
    page.reload()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/about-you/"))
    expect(page.get_by_text(KEPT)).to_be_hidden()
    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(r"/about-you/$"))
    expect(page.get_by_text(RESTORED)).to_be_hidden()

    shift_work = page.locator("input[name=situations][value=shift_work]")
    shift_work.check()
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    screenshot(page, "about-you-signed-out-phone")
    assert not PatientSituations.objects.filter(patient=patient, answered_at__isnull=False).exists()

    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(r"/about-you/$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(shift_work).to_be_checked()
    screenshot(page, "about-you-restored-phone")
    page.get_by_role("button", name="Save", exact=True).click()
    saved = "Saved. The lessons suggested for you follow your answers."
    expect(page.get_by_text(saved)).to_be_visible()
    assert PatientSituations.objects.get(patient=patient).answers["shift_work"] is True
    # Saved: the same page again says nothing of a kept draft.
    expect(page.get_by_text(RESTORED)).to_be_hidden()
    # Unticked, then the page reloads before Save (a phone dropping the tab): kept.
    shift_work.uncheck()
    page.reload()
    expect(shift_work).not_to_be_checked()
    expect(page.get_by_text(RESTORED)).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("Saved. No lessons for special situations will be suggested.")
    ).to_be_visible()
    assert PatientSituations.objects.get(patient=patient).answers["shift_work"] is False
    expect(page.get_by_text(RESTORED)).to_be_hidden()
    expect(shift_work).not_to_be_checked()


def test_ticks_sent_after_the_browser_cleared_its_cookies_come_back(page, patient: User) -> None:
    """Every cookie gone (the security token's too): the form is refused as expired, and
    what was typed is kept and comes back on its page after signing in again."""
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/about-you/")
    shift_work = page.locator("input[name=situations][value=shift_work]")
    shift_work.check()
    # The page's own requests done first (the offline copies of the patient's pages): one
    # answered after the cookies were cleared would set the security token's cookie again.
    # On a loaded machine one can still be on its way after "networkidle": clear until
    # none comes back.
    for _ in range(10):
        page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
        page.wait_for_timeout(300)
        if page.context.cookies() == []:
            break
    assert page.context.cookies() == []
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="This form had expired")).to_be_visible()
    expect(page.get_by_text("What you typed is kept on this device.")).to_be_visible()
    expect(page.get_by_text(FALLBACK)).to_be_hidden()
    screenshot(page, "form-expired-kept-phone")
    page.get_by_role("link", name="Back to the form").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/about-you/"))
    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(r"/about-you/$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(shift_work).to_be_checked()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("Saved. The lessons suggested for you follow your answers.")
    ).to_be_visible()
    assert PatientSituations.objects.get(patient=patient).answers["shift_work"] is True


@pytest.mark.parametrize("referer", [True, False], ids=["referer", "no-referer"])
def test_a_note_sent_signed_out_comes_back_on_the_patients_page(
    desktop_page, therapist: User, patient: User, referer: bool
) -> None:
    """From a browser that sends no Referer the server can only send the sign-in back to
    the note's own address (tests/accounts/test_sign_in_return.py); the sign-in page finds
    the draft sent there and returns to the page it was typed on."""
    page = desktop_page
    patient_page = f"/patients/{patient.pk}/"
    if not referer:
        answer_without_referer(page, f"{patient_page}notes/")
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.goto(patient_page)
    page.locator("#notes summary").click()
    text = "Sleeps better on nights after the walk; ask about the weekend lie-ins."
    type_then_send_signed_out(page, "Note (private to the care team)", text, "Save note")
    # Back to the page the form was on, not to the note's address (it answers POST only).
    sent_to = patient_page if referer else f"{patient_page}notes/"
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(sent_to)}$"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    assert not TherapistNote.objects.exists()

    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(rf"{re.escape(patient_page)}$"))
    page.unroute_all()
    note = page.get_by_label("Note (private to the care team)")
    expect(note).to_be_visible()  # its fold opened
    expect(note).to_have_value(text)
    # The page has other forms keeping drafts (a questionnaire result): this one is back.
    expect(page.locator("#notes").get_by_text(RESTORED)).to_be_visible()
    screenshot(page, f"note-restored-desktop-{'referer' if referer else 'no-referer'}")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()
    assert TherapistNote.objects.get(patient=patient).text == text


def test_a_message_sent_signed_out_comes_back_to_be_sent(page, patient: User, messages_on) -> None:
    from program.models import Message

    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/messages/")
    text = "The new bedtime is hard on Fridays; can we talk about it?"
    type_then_send_signed_out(page, "Your message", text, "Send")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/messages/"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(r"/messages/$"))
    expect(page.get_by_label("Your message")).to_have_value(text)
    expect(page.get_by_text("Check it, then send it.")).to_be_visible()
    screenshot(page, "message-restored-phone")
    assert not Message.objects.exists()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(text)).to_be_visible()
    assert Message.objects.get(patient=patient).text == text
    expect(page.get_by_label("Your message")).to_have_value("")


def test_a_draft_is_dropped_when_someone_else_signs_in_on_the_tab(
    page, patient: User, outsider_patient: User, messages_on
) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/messages/")
    page.get_by_label("Your message").fill("Only for my therapist")
    mine = f"cbti-draft:{patient.pk}:"
    assert any(k.startswith(mine) for k in page.evaluate("Object.keys(sessionStorage)"))
    # The session ends, and another person signs in on the same tab.
    page.context.clear_cookies(name="sessionid")
    page.goto("/accounts/login/")
    expect(page.get_by_text(KEPT)).to_be_hidden()
    sign_in_here(page, outsider_patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    assert not any(k.startswith(mine) for k in page.evaluate("Object.keys(sessionStorage)"))


@pytest.mark.parametrize("referer", [True, False], ids=["referer", "no-referer"])
def test_a_window_decision_sent_signed_out_comes_back_to_be_confirmed(
    desktop_page, therapist: User, patient: User, referer: bool
) -> None:
    """The change, the window and the reason a therapist chose come back after signing in
    again, on the patient's sleep-window page, for them to confirm; without a Referer too
    (the form has a field named "action", which must not be taken for its address)."""
    from program.models import Recommendation
    from tests.program.test_round import pending_recommendation

    waiting = pending_recommendation(patient)
    page = desktop_page
    decide = reverse("program:decide_recommendation", args=[patient.pk, waiting.pk])
    if not referer:
        answer_without_referer(page, decide)
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    window_page = f"/patients/{patient.pk}/sleep-window/"
    page.goto(window_page)
    page.get_by_text("Change", exact=True).click()
    page.get_by_label(re.compile("^Window")).fill("370")
    reason = "Two nights cut short by the heat; keep it gentle."
    type_then_send_signed_out(page, re.compile("^Reason$"), reason, "Confirm decision")
    sent_to = window_page if referer else decide
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(sent_to)}$"))
    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(rf"{re.escape(window_page)}$"))
    page.unroute_all()
    expect(page.get_by_text("Check it, then confirm it.")).to_be_visible()
    expect(page.get_by_label(re.compile("^Reason$"))).to_have_value(reason)
    expect(page.get_by_label(re.compile("^Window"))).to_have_value("370")
    page.get_by_role("button", name="Confirm decision").click()
    waiting.refresh_from_db()
    assert waiting.status == Recommendation.Status.EDITED
    assert waiting.decision_reason == reason


def test_a_decision_on_the_round_sent_signed_out_comes_back_to_be_confirmed(
    desktop_page, therapist: User, patient: User
) -> None:
    """The same on the weekly round's card: the window and the reason come back there."""
    from program.models import Recommendation
    from tests.program.test_round import pending_recommendation

    waiting = pending_recommendation(patient)
    page = desktop_page
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    card = reverse("program:round_patient", args=[patient.pk])
    page.goto(card)
    page.get_by_text("Change", exact=True).click()
    page.get_by_label(re.compile("^Window")).fill("370")
    reason = "Two nights cut short by the heat; keep it gentle."
    type_then_send_signed_out(page, re.compile("^Reason$"), reason, "Confirm decision")
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(card)}$"))
    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(rf"{re.escape(card)}$"))
    expect(page.get_by_text("Check it, then confirm it.")).to_be_visible()
    expect(page.get_by_label(re.compile("^Reason$"))).to_have_value(reason)
    expect(page.get_by_label(re.compile("^Window"))).to_have_value("370")
    screenshot(page, "drafts-round-decision-back")
    page.get_by_role("button", name="Confirm decision").click()
    waiting.refresh_from_db()
    assert waiting.status == Recommendation.Status.EDITED
    assert waiting.decision_reason == reason


def test_a_lesson_edit_saved_signed_out_comes_back_in_the_editor(
    desktop_page, clinic_admin: User, programme
) -> None:
    """An admin's words typed in the lesson editor, saved after the session ended, are
    in the editor again after signing in, to save; they are saved on the draft they were
    typed on (the page's version marker comes back with them). A chosen picture cannot
    come back, and the editor says so."""
    from program.models import LessonVersion

    lesson = programme.modules.get(number=1).lessons.get(slug="how-sleep-works")
    editor = reverse("program:curriculum_lesson", args=[lesson.pk, "en"])
    page = desktop_page
    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto(editor)
    page.get_by_label("What changed").fill("A gentler opening")
    # A picture chosen but not uploaded cannot come back: the editor says to choose it again.
    page.locator("#add-picture input[type=file]").set_input_files(
        {"name": "clock.png", "mimeType": "image/png", "buffer": b"not sent"}
    )
    type_then_send_signed_out(page, "Title", "How sleep works, gently", "Save the draft")
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(editor)}$"))
    staff_sign_in_here(page, clinic_admin.email)
    page.wait_for_url(re.compile(rf"{re.escape(editor)}$"))
    expect(page.get_by_text("Check it, then save.")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("How sleep works, gently")
    expect(page.get_by_label("What changed")).to_have_value("A gentler opening")
    expect(page.get_by_text("The picture or recording you had chosen was not kept")).to_be_visible()
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Draft saved. Patients see nothing of it")).to_be_visible()
    draft = LessonVersion.objects.get(lesson=lesson, language="en", published_at__isnull=True)
    assert draft.title == "How sleep works, gently"


def test_a_recordings_transcript_uploaded_signed_out_comes_back_to_upload(
    page, clinic_admin: User
) -> None:
    """An exercise recording's transcript, typed by an admin and uploaded after the session
    ended, is in the form again after signing in, with its title, exercise and language;
    the chosen file cannot come back, and the page says to choose it again. Once uploaded,
    the form is empty again."""
    from program.models import AudioRecording
    from tests.audio_files import ogg_opus

    address = "/clinic/curriculum/exercises/"
    transcript = "Breathe in through the nose.\nHold for a moment.\nBreathe out slowly."
    recording = {"name": "breathe.ogg", "mimeType": "audio/ogg", "buffer": ogg_opus()}
    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto(address)
    page.get_by_label("Exercise").select_option("breathing")
    page.get_by_label("Language of the recording").select_option("fr")
    page.get_by_label("Recording (MP3, Ogg or M4A)").set_input_files(recording)
    page.get_by_label("Name shown above the player").fill("Respirer ensemble")
    type_then_send_signed_out(page, "Transcript", transcript, "Upload the recording")
    # The form's address ends in #add, which the browser keeps through the redirect.
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(address)}(#add)?$"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    assert not AudioRecording.objects.filter(title="Respirer ensemble").exists()
    staff_sign_in_here(page, clinic_admin.email)
    page.wait_for_url(re.compile(rf"{re.escape(address)}(#add)?$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Transcript", exact=True)).to_have_value(transcript)
    expect(page.get_by_label("Name shown above the player")).to_have_value("Respirer ensemble")
    expect(page.get_by_label("Exercise")).to_have_value("breathing")
    expect(page.get_by_label("Language of the recording")).to_have_value("fr")
    expect(page.get_by_text("The recording you had chosen was not kept")).to_be_visible()
    screenshot(page, "drafts-exercise-recording-back")
    page.get_by_label("Recording (MP3, Ogg or M4A)").set_input_files(recording)
    page.get_by_role("button", name="Upload the recording").click()
    expect(page.get_by_text("Recording uploaded: patients whose language is")).to_be_visible()
    saved = AudioRecording.objects.get(title="Respirer ensemble")
    assert (saved.exercise, saved.language) == ("breathing", "fr")
    assert saved.transcript.replace("\r\n", "\n") == transcript
    expect(page.get_by_text(RESTORED)).to_be_hidden()
    expect(page.get_by_label("Transcript", exact=True)).to_have_value("")
    page.reload()
    expect(page.get_by_label("Transcript", exact=True)).to_have_value("")


def test_a_crisis_line_and_the_duty_list_sent_signed_out_come_back_to_the_admin(
    page, clinic_admin: User
) -> None:
    """The clinic's own forms keep what was typed too: a crisis line copied from its
    website, and the duty page's three forms, each kept apart from the others."""
    from program.models import CrisisContact

    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto("/clinic/crisis-contacts/new/")
    page.get_by_label("Country").select_option("FR")
    page.get_by_label("Phone number").fill("09 72 39 40 50")
    page.get_by_label("Emergency number").fill("112")
    type_then_send_signed_out(page, "Name of the line", "SOS Amitié", "Save the contact")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/clinic/crisis-contacts/new/"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    assert not CrisisContact.objects.filter(name="SOS Amitié").exists()
    staff_sign_in_here(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/crisis-contacts/new/$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Name of the line")).to_have_value("SOS Amitié")
    expect(page.get_by_label("Phone number")).to_have_value("09 72 39 40 50")
    expect(page.get_by_label("Country")).to_have_value("FR")
    page.get_by_role("button", name="Save the contact").click()
    expect(page.get_by_text("Saved: SOS Amitié, 09 72 39 40 50.")).to_be_visible()
    assert CrisisContact.objects.get(name="SOS Amitié").phone == "09 72 39 40 50"

    page.goto("/clinic/duty/")
    inbox = page.get_by_label("Other addresses (a shared on-call inbox), one a line")
    inbox.fill("oncall@clinic.test")
    page.locator("input[name=open_5]").check()  # Saturday, in the hours' form
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Save the duty list").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/clinic/duty/"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    staff_sign_in_here(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/duty/$"))
    expect(inbox).to_have_value("oncall@clinic.test")
    expect(page.locator("input[name=open_5]")).to_be_checked()
    screenshot(page, "duty-list-restored-phone")


def test_the_duty_list_reopened_shows_the_list_as_it_is_not_an_old_draft(
    page, clinic_admin: User
) -> None:
    """The clinic's settings, typed and left unsent, came back over the values the page
    showed when merely reopened (within 12 hours): one Save could put back a duty list
    a colleague had changed meanwhile. They come back only after a sign-in their
    sending led to (the test above)."""
    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto("/clinic/duty/")
    inbox = page.get_by_label("Other addresses (a shared on-call inbox), one a line")
    inbox.fill("stale@clinic.test")
    page.goto("/clinic/")
    page.goto("/clinic/duty/")
    expect(inbox).to_have_value("")
    expect(page.locator("[data-draft-restored]:visible")).to_have_count(0)


def confirmed_taper_plan(patient: User, therapist: User):
    """The demo's kind of plan: diazepam from 10 mg, confirmed; 6 mg is its third step."""
    from datetime import timedelta

    from program.medication import actions as medication_service
    from tests.taper_plans import diazepam_draft, enter_drug_free_nights

    start = patient.local_today() - timedelta(days=15)
    plan = enter_drug_free_nights(diazepam_draft(patient, therapist, start_on=start), therapist)
    medication_service.confirm_plan(plan=plan, by=therapist)
    return plan


def test_taper_steps_saved_signed_out_come_back_in_the_step_editor(
    desktop_page, therapist: User, patient: User
) -> None:
    """A prescriber's change to a taper plan's steps, saved after the session ended, comes
    back in the step editor after signing in, to save. Before, the editor kept nothing:
    after signing in it showed the plan as it was, and what was typed was gone."""
    plan = confirmed_taper_plan(patient, therapist)
    editor = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    page = desktop_page
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.goto(editor)
    page.get_by_label("Step 3 dose (mg)").fill("7")
    reason = "Withdrawal symptoms at 8 mg: smaller steps, agreed with the GP by phone."
    type_then_send_signed_out(page, "Why this change?", reason, "Save steps")
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(editor)}$"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(rf"{re.escape(editor)}$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Step 3 dose (mg)")).to_have_value("7")
    expect(page.get_by_label("Why this change?")).to_have_value(reason)
    screenshot(page, "taper-steps-restored-desktop")
    page.get_by_role("button", name="Save steps").click()
    expect(page.get_by_text("Steps saved.")).to_be_visible()
    assert [s.dose_mg for s in plan.steps.all()][2] == Decimal(7)
    assert plan.changes.first().reason == reason
    # Saved: the editor opened again shows the plan, and says nothing of a kept draft.
    page.goto(editor)
    expect(page.get_by_text(RESTORED)).to_be_hidden()


def test_taper_steps_that_come_back_do_not_overrule_a_colleagues_change_unseen(
    desktop_page, therapist: User, patient: User
) -> None:
    """What comes back carries the plan as the page showed it when it was typed: a
    colleague's change made meanwhile is not overruled by one Save."""
    from program.medication import actions as medication_service

    plan = confirmed_taper_plan(patient, therapist)
    editor = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    page = desktop_page
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.goto(editor)
    page.get_by_label("Step 3 dose (mg)").fill("7")
    type_then_send_signed_out(page, "Why this change?", "Smaller steps", "Save steps")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    medication_service.pause_plan(
        plan=plan, by=therapist, today=patient.local_today(), reason="Withdrawal"
    )
    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(rf"{re.escape(editor)}$"))
    expect(page.get_by_label("Step 3 dose (mg)")).to_have_value("7")
    page.get_by_role("button", name="Save steps").click()
    expect(page.get_by_text("This plan was changed after the page was opened")).to_be_visible()
    expect(page.get_by_role("heading", name="Your steps, not saved")).to_be_visible()
    assert [s.dose_mg for s in plan.steps.all()][2] == Decimal(6)


def test_a_medicine_added_after_the_cookies_were_cleared_comes_back(page, patient: User) -> None:
    """The patient's list of sleep medicines: the form expired page said "Use your
    browser's Back button to see what you typed", but Back led to the sign-in page and
    the list's form came back empty."""
    from program.models import Medication

    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/medicines/")
    page.get_by_label("Medicine", exact=True).fill("zopiclone")
    page.get_by_label("Your usual dose each night (mg)").fill("7.5")
    for _ in range(10):  # as in test_ticks_sent_after_the_browser_cleared_its_cookies…
        page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
        page.wait_for_timeout(300)
        if page.context.cookies() == []:
            break
    page.get_by_role("button", name="Add to my list").click()
    expect(page.get_by_role("heading", name="This form had expired")).to_be_visible()
    expect(page.get_by_text("What you typed is kept on this device.")).to_be_visible()
    expect(page.get_by_text(FALLBACK)).to_be_hidden()
    page.get_by_role("link", name="Back to the form").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/medicines/"))
    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(r"/medicines/$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Medicine", exact=True)).to_have_value("zopiclone")
    expect(page.get_by_label("Your usual dose each night (mg)")).to_have_value("7.5")
    page.get_by_role("button", name="Add to my list").click()
    expect(page.get_by_label("Medicine", exact=True)).to_have_value("")
    assert Medication.objects.get(patient=patient).usual_dose_mg == Decimal("7.5")


def test_a_reason_to_slow_a_taper_plan_sent_signed_out_comes_back_in_its_fold(
    desktop_page, therapist: User, patient: User
) -> None:
    """The plan's pace (pause, slow down, end) with its reason: the reason came back
    empty after signing in, and the form-expired page told the prescriber to use Back.
    Now it comes back in its fold, beside the plan as it is now; the button is chosen
    again, and the plan's revision shown is the page's own, not the one sent."""
    plan = confirmed_taper_plan(patient, therapist)
    medication = reverse("program:patient_medication", args=[patient.pk])
    page = desktop_page
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.goto(medication)
    page.get_by_text("Change the plan's pace").click()
    page.get_by_label(re.compile("^Spread the remaining steps")).select_option("3")
    reason = "Rebound insomnia at 6 mg for a week; agreed with the GP to go slower."
    type_then_send_signed_out(page, re.compile("^Reason"), reason, "Slow down")
    page.wait_for_url(re.compile(rf"/accounts/login/\?next={re.escape(medication)}$"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    assert not plan.changes.filter(reason=reason).exists()
    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(rf"{re.escape(medication)}$"))
    field = page.get_by_label(re.compile("^Reason"))
    expect(field).to_be_visible()  # its fold opened
    expect(field).to_have_value(reason)
    expect(page.get_by_label(re.compile("^Spread the remaining steps"))).to_have_value("3")
    expect(page.get_by_text(RESTORED)).to_be_visible()
    screenshot(page, "taper-pace-restored-desktop")
    page.get_by_role("button", name="Slow down").click()
    slowed = "Plan slowed: the remaining steps are 3 × as far apart."
    expect(page.get_by_text(slowed)).to_be_visible()
    assert plan.changes.first().reason == reason


def test_a_review_note_sent_after_the_cookies_were_cleared_comes_back(
    desktop_page, therapist: User, patient: User
) -> None:
    """An adverse event's review note: the form-expired page said to use Back, which led
    to the sign-in page and an empty note. Now it is kept and comes back on its event."""
    from program.models import AdverseEvent

    event = AdverseEvent.objects.create(
        patient=patient,
        kind=AdverseEvent.Kind.FALL_OR_ACCIDENT,
        what_happened="Dizzy in the morning after the short window.",
        happened_on=patient.local_today(),
        seriousness=AdverseEvent.Seriousness.MILD,
        reported_by=patient,
        reporter_role="patient",
    )
    page = desktop_page
    staff_sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.goto("/clinic/adverse-events/")
    note = "Phoned her: no injury. Bedtime moved 30 minutes later for this week."
    page.get_by_label("Review note").fill(note)
    for _ in range(10):  # as in test_ticks_sent_after_the_browser_cleared_its_cookies…
        page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
        page.wait_for_timeout(300)
        if page.context.cookies() == []:
            break
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("heading", name="This form had expired")).to_be_visible()
    expect(page.get_by_text("What you typed is kept on this device.")).to_be_visible()
    expect(page.get_by_text(FALLBACK)).to_be_hidden()
    page.get_by_role("link", name="Back to the form").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/clinic/adverse-events/"))
    staff_sign_in_here(page, therapist.email)
    page.wait_for_url(re.compile(r"/clinic/adverse-events/$"))
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Review note")).to_have_value(note)
    screenshot(page, "adverse-event-review-restored-desktop")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Marked as reviewed.")).to_be_visible()
    event.refresh_from_db()
    assert event.review_note == note
