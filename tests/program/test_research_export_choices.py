"""The research export's two choices outside the demo clinic (issue 23, part 4): free text
only when the admin asks, and a patient who withdrew is left out of the next export.
(tests/program/test_research_export.py shares one demo clinic among its tests.)"""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.services import set_research_consent
from tests.conftest import make_user
from tests.program.test_research_export import download, rows

pytestmark = pytest.mark.django_db


def test_free_text_is_included_only_when_the_admin_asks(programme) -> None:
    from program.diary.actions import save_entry
    from tests.nights import night_answers

    patient = make_user("p@example.test", Role.PATIENT, name="Ada Lovelace")
    set_research_consent(patient, given=True)
    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(comments="my sister stayed over"),
    )
    admin = make_user("a@example.test", Role.ADMIN)
    without = download(admin)
    assert "night_comments" not in rows(without, "nights.csv")[0]
    assert b"my sister" not in without.read("nights.csv")
    with_text = download(admin, free_text=True)
    assert rows(with_text, "nights.csv")[0]["night_comments"] == "my sister stayed over"
    assert "INCLUDED at the administrator's request" in with_text.read("README.txt").decode()
    dictionary = rows(with_text, "data_dictionary.csv")
    comments = next(r for r in dictionary if r["Variable / Field Name"] == "night_comments")
    assert comments["Identifier?"] == "y"


def test_a_patient_who_withdrew_is_not_in_the_next_export(programme) -> None:
    patient = make_user("p@example.test", Role.PATIENT)
    set_research_consent(patient, given=True)
    admin = make_user("a@example.test", Role.ADMIN)
    assert len(rows(download(admin), "patients.csv")) == 1
    set_research_consent(patient, given=False)
    assert rows(download(admin), "patients.csv") == []
