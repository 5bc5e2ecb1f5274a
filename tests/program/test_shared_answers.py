"""A therapist sees the exercise answers a patient chose to share, and no others."""

from __future__ import annotations

from django.urls import reverse

from program.curriculum.actions import open_lesson, save_answer
from program.models import Enrolment, Lesson
from tests.conftest import client_for


def test_only_shared_answers_reach_the_therapist(patient, therapist, programme) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    lesson = Lesson.objects.filter(week__programme=programme, week__number=4).first()
    progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
    worksheet = next(p for p in progress.version.parts if p["type"] == "worksheet")
    fields = {f["key"]: f"my {f['key']}" for f in worksheet["fields"]}
    save_answer(progress=progress, part_key=worksheet["key"], data={"fields": fields}, share=True)
    reflection = next((p for p in progress.version.parts if p["type"] == "reflection"), None)
    if reflection:
        save_answer(
            progress=progress,
            part_key=reflection["key"],
            data={"text": "kept to myself"},
            share=False,
        )
    page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    html = page.content.decode()
    assert worksheet["title"] in html
    assert f"my {worksheet['fields'][0]['key']}" in html
    assert "kept to myself" not in html
