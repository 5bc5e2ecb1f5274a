"""A patient who chooses another language reads the next page, and the words saying their
choice was saved, in it; and a form's labels follow it (a label made at import time stayed
in the server's English)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_settings_saved_words_are_in_the_language_just_chosen(patient) -> None:
    page = client_for(patient).post(
        reverse("accounts:profile"),
        {"name": "Pat", "time_zone": "Europe/London", "language": "fr", "country": "GB"},
        follow=True,
    )
    text = page.content.decode()
    assert "Vos réglages sont enregistrés." in text
    assert "Your settings are saved." not in text


def test_the_message_box_is_labelled_in_the_patients_language(patient, messages_on) -> None:
    patient.language = "de"
    patient.save()
    text = client_for(patient).get(reverse("program:messages")).content.decode()
    assert "Ihre Nachricht" in text and "Your message" not in text


def test_one_lesson_done_is_singular_in_french(patient, programme) -> None:
    """'1 leçons terminées' read wrong: French counts one in the singular."""
    from django.utils import timezone

    from program.curriculum.actions import open_lesson
    from program.models import Enrolment, Lesson, LessonProgress

    lesson = Lesson.objects.get(week__programme=programme, slug="welcome")
    progress = open_lesson(
        enrolment=Enrolment.objects.get(patient=patient), lesson=lesson, language="fr"
    )
    LessonProgress.objects.filter(pk=progress.pk).update(completed_at=timezone.now())
    patient.language = "fr"
    patient.save()
    page = client_for(patient).get(reverse("program:programme")).content.decode()
    assert "1 leçon terminée sur" in page and "1 leçons terminées" not in page


def test_a_label_and_its_title_keep_french_typography(patient) -> None:
    """'Semaine 1: Comment…' and 'Reprendre là où vous en étiez: …' were joined by a colon
    in the template, so French lost the no-break space it puts before one."""
    patient.language = "fr"
    patient.save()
    page = client_for(patient).get(reverse("program:week", args=[1])).content.decode()
    assert "Semaine 1\u00a0: " in page and "Semaine 1: " not in page
    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "Lire la leçon suivante\u00a0: " in home
