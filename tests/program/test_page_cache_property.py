"""A property of the page cache: whatever a patient, their therapist, the clinic's admin
and the clock do, in any order, a page served from memory is the page worked out afresh
(program.page_cache, program.revisions). Each step views a page (so it is kept), acts,
and views the page again beside one worked out with the cache off."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from program import curriculum, messaging
from program import sleep_window as sw
from program.models import Enrolment, Lesson, Week
from program.safety import SCREEN
from tests.conftest import client_for
from tests.live_app import DIARY_NIGHT
from tests.program import test_page_cache
from tests.program.test_page_cache import _without_tokens

PAGES = [*test_page_cache.PAGES, "lesson", "week"]
ACTIONS = [
    "save_night",
    "open_lesson",
    "finish_lesson",
    "therapist_message",
    "therapist_renamed",
    "week_retitled",
    "paused_or_resumed",
    "week_extended",
    "week_advanced",
    "sleep_window_set",
    "minutes_pass",
    "a_day_passes",
]


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(PAGES)), min_size=2, max_size=8
    )
)
def test_a_kept_page_is_always_the_page_worked_out_afresh(patient: User, steps) -> None:  # type: ignore[no-untyped-def]
    client = client_for(patient)
    therapist = patient.therapist
    week = Week.objects.get(programme=patient.enrolments.get().programme, number=1)
    lessons = list(Lesson.objects.filter(week=week).order_by("order")[:2])
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    with time_machine.travel(now, tick=False) as clock:
        for n, (step, page) in enumerate(steps):
            url = _url(page, week, lessons)
            _view(client, url)  # kept in memory, if it can be
            if step == "save_night":
                form = client.get(reverse("program:diary_new"), follow=True).content.decode()
                morning = re.search(r'<option value="([0-9-]+)" selected', form)
                if morning:
                    client.post(
                        reverse("program:diary_new"),
                        {"diary_date": morning[1], **DIARY_NIGHT},
                        follow=True,  # the flash message is read, as a browser would
                    )
            elif step == "open_lesson":
                client.get(reverse("program:lesson", args=[lessons[n % 2].pk]))
            elif step == "finish_lesson":
                client.post(reverse("program:lesson_done", args=[lessons[n % 2].pk]), follow=True)
            elif step == "therapist_message":
                messaging.send(patient=patient, sender=therapist, text=f"Note {n}")
            elif step == "therapist_renamed":
                therapist.name = f"Dr Tess Ward {n}"
                therapist.save()
            elif step == "week_retitled":
                week.title = f"Week one, edition {n}"
                week.save()
            elif step == "paused_or_resumed":
                enrolment = Enrolment.objects.get(patient=patient)
                paused = enrolment.status == Enrolment.Status.PAUSED
                change = curriculum.resume_enrolment if paused else curriculum.pause_enrolment
                change(enrolment=enrolment, by=therapist)
            elif step == "week_extended":
                enrolment = Enrolment.objects.get(patient=patient)
                curriculum.extend_week(enrolment=enrolment, week=1 + n % 3, days=3, by=therapist)
            elif step == "week_advanced":
                enrolment = Enrolment.objects.get(patient=patient)
                curriculum.advance_enrolment(enrolment=enrolment, week=2 + n % 4, by=therapist)
            elif step == "sleep_window_set":
                _set_sleep_window(patient, therapist)
            elif step == "minutes_pass":
                clock.shift(timedelta(minutes=7))
            elif step == "a_day_passes":
                clock.shift(timedelta(days=1))
            kept = _view(client, url)
            if kept is None:
                continue
            with override_settings(PAGE_CACHE_SECONDS=0):
                fresh = client.get(url)
            assert kept.status_code == fresh.status_code, (steps, step, page)
            assert _without_tokens(kept.content) == _without_tokens(fresh.content), (
                steps,
                step,
                page,
            )


def _set_sleep_window(patient: User, therapist: User) -> None:
    """The safety screen, a first window and the therapist's approval, as far as the
    patient's diary allows (a window needs a baseline week of nights)."""
    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    try:
        recommendation = sw.start(patient, rise_time=time(6, 30))
        sw.approve(recommendation, by=therapist)
    except sw.SleepWindowError:
        pass


def _view(client, url: str):  # type: ignore[no-untyped-def]
    """The page, or None when it sends the patient on (a complete diary's form), in which
    case its word is read where it leads, as a browser would."""
    response = client.get(url)
    if response.status_code == 302:
        client.get(response.url)
        return None
    return response


def _url(page: str, week: Week, lessons: list[Lesson]) -> str:
    if page == "lesson":
        return reverse("program:lesson", args=[lessons[0].pk])
    if page == "week":
        return reverse("program:week", args=[week.number])
    return reverse(page)
