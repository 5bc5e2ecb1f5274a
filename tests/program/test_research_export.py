"""The clinic admin's research export (issue 23, part 4): a ZIP of CSVs with a REDCap data
dictionary, only of patients who agreed to research use, with no direct identifier
(names, emails, free text, real dates) unless the admin asks for free text, audited, and
in the same number of queries for 5 and 200 patients."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Role, User
from program.demo.clinic import NO_RESEARCH_CONSENT, load_demo
from program.models import Assessment, DiaryEntry, TaperStep
from program.research import export
from tests.conftest import client_for, ensure_programme, make_user, module_data

pytestmark = pytest.mark.django_db

FILES = {
    "README.txt",
    "patients.csv",
    "nights.csv",
    "weeks.csv",
    "questionnaires.csv",
    "window_decisions.csv",
    "taper_steps.csv",
    "data_dictionary.csv",
}


def download(admin, free_text: bool = False) -> zipfile.ZipFile:
    url = reverse("program:research_export_download") + ("?free_text=1" if free_text else "")
    response = client_for(admin).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


@pytest.fixture(scope="module")
def demo_clinic(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo clinic, loaded once for the module in a transaction rolled back at its end
    (each test runs in a savepoint of its own inside it)."""
    with module_data(django_db_blocker):
        ensure_programme()  # an earlier test's flush may have taken the migrated curriculum
        load_demo()
        yield


@pytest.fixture
def demo(demo_clinic, programme, monkeypatch):
    """The demo clinic, and the pseudonyms the next export gives each patient id."""
    drawn: dict[int, export.Subject] = {}
    real = export.subjects

    def keep(patients):
        subs = real(patients)
        drawn.clear()
        drawn.update(subs)
        return subs

    monkeypatch.setattr(export, "subjects", keep)
    return drawn


def test_the_demo_export_holds_every_file_and_only_patients_who_agreed(demo) -> None:
    admin = User.objects.get(email="admin@example.com")
    archive = download(admin)
    assert set(archive.namelist()) == FILES
    agreed = User.objects.filter(role=Role.PATIENT, research_consent_at__isnull=False)
    assert agreed.count() == 5
    assert {r["record_id"] for r in rows(archive, "patients.csv")} == {
        demo[p.pk].record_id for p in agreed
    }
    refused = User.objects.filter(email__in=NO_RESEARCH_CONSENT)
    assert all(p.pk not in demo for p in refused)
    nights = rows(archive, "nights.csv")
    assert len(nights) == DiaryEntry.objects.filter(patient__in=agreed).count()
    assert len(rows(archive, "questionnaires.csv")) == (
        Assessment.objects.filter(patient__in=agreed).count()
    )
    assert len(rows(archive, "taper_steps.csv")) == (
        TaperStep.objects.filter(plan__patient__in=agreed).count()
    )
    decisions = rows(archive, "window_decisions.csv")
    assert decisions and all(d["dec_protocol_key"] and d["dec_protocol_version"] for d in decisions)
    weeks = rows(archive, "weeks.csv")
    assert weeks and all(w["week_number"] for w in weeks)


def test_no_direct_identifier_is_in_any_file_of_the_demo_export(demo) -> None:
    admin = User.objects.get(email="admin@example.com")
    archive = download(admin)
    text = "\n".join(archive.read(n).decode() for n in archive.namelist()).lower()
    for person in User.objects.all():
        assert person.email.lower() not in text
        if person.name:
            assert person.name.lower() not in text, person.name
    for comment in DiaryEntry.objects.exclude(comments="").values_list("comments", flat=True):
        assert comment.lower() not in text
    assert "diazepam" not in text  # a medicine name is typed text
    # Each row's date is its real date moved back by the patient's whole weeks, never the
    # real one (the weekday is kept); rows are in date order within a patient.
    by_record = {s.record_id: (pk, s) for pk, s in demo.items()}
    for file, column, model, field in (
        ("nights.csv", "night_date", DiaryEntry, "diary_date"),
        ("questionnaires.csv", "q_date", Assessment, "completed_on"),
    ):
        seen: dict[str, int] = {}
        for row in rows(archive, file):
            pk, sub = by_record[row["record_id"]]
            real = list(
                model.objects.filter(patient_id=pk)
                .order_by(field, "pk")
                .values_list(field, flat=True)
            )[seen.setdefault(row["record_id"], 0)]
            seen[row["record_id"]] += 1
            assert row[column] == (real - sub.shift).isoformat() != real.isoformat()
            assert sub.shift.days % 7 == 0 and 1 <= sub.shift.days // 7 <= 52
    night = rows(archive, "nights.csv")[0]
    pk, sub = by_record[night["record_id"]]
    assert (
        int(night["night_day"])
        == (
            DiaryEntry.objects.filter(patient_id=pk).order_by("diary_date").first().diary_date
            - sub.day0
        ).days
    )
    readme = archive.read("README.txt").decode()
    assert "moved back by the same whole number of weeks" in readme
    assert "Free text (diary comments" in readme and "left out." in readme


def test_the_dictionary_is_redcaps_and_describes_every_column(demo) -> None:
    archive = download(User.objects.get(email="admin@example.com"))
    dictionary = rows(archive, "data_dictionary.csv")
    header = archive.read("data_dictionary.csv").decode().splitlines()[0]
    assert header.split(",")[:5] == [
        '"Variable / Field Name"' if header.startswith('"') else "Variable / Field Name",
        "Form Name",
        "Section Header",
        "Field Type",
        "Field Label",
    ]
    assert list(dictionary[0]) == export.DICTIONARY_HEADER
    assert dictionary[0]["Variable / Field Name"] == "record_id"
    names = [r["Variable / Field Name"] for r in dictionary]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    forms = [r["Form Name"] for r in dictionary]
    assert forms == sorted(forms, key=forms.index)  # each form's rows are together
    for form in export.FORMS:
        columns = next(csv.reader(io.StringIO(archive.read(f"{form.name}.csv").decode())))
        for column in columns:
            assert column in names or column.startswith("redcap_repeat_"), column
    phq = {r["Variable / Field Name"] for r in dictionary if r["Field Note"].startswith("PHQ9")}
    assert len(phq) == 9
    assert not any(n.startswith("isi") for n in names)  # the ISI's licence keeps its items


def test_each_export_is_in_the_audit_trail_against_each_patient_in_it(demo) -> None:
    admin = User.objects.get(email="admin@example.com")
    download(admin)
    events = AuditEvent.objects.filter(actor=admin, path__contains="research-export")
    assert {e.patient_id for e in events} == set(demo)


def test_the_export_uses_the_same_queries_for_5_and_200_patients(demo) -> None:
    admin = User.objects.get(email="admin@example.com")
    client = client_for(admin)
    url = reverse("program:research_export_download")
    page = reverse("program:research_export")
    client.get(page)

    def count() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            body = b"".join(response.streaming_content)
        with CaptureQueriesContext(connection) as page_ctx:
            assert client.get(page).status_code == 200
        n = len(rows(zipfile.ZipFile(io.BytesIO(body)), "patients.csv"))
        return len(ctx.captured_queries), len(page_ctx.captured_queries), n

    five = count()
    assert five[2] == 5
    # 195 more who agreed, each with the demo's nights and questionnaires copied.
    template = User.objects.get(email="week6@example.com")
    nights = list(DiaryEntry.objects.filter(patient=template))
    results = list(Assessment.objects.filter(patient=template))
    for i in range(195):
        p = make_user(f"r{i}@example.test", Role.PATIENT, mfa=False)
        User.objects.filter(pk=p.pk).update(research_consent_at=template.research_consent_at)
        for row in (*nights, *results):
            row.pk, row.patient = None, p
        DiaryEntry.objects.bulk_create(nights)
        Assessment.objects.bulk_create(results)
    many = count()
    assert many[2] == 200
    assert five[:2] == many[:2], f"{five} with 5 patients, {many} with 200"
    # The download: session and user, the cohort, its anchors (2), one query per file
    # but weeks (3: windows, reviews, nights), the audit events' insert; the page: 7.
    assert five[:2] == (16, 7), five
