""" "The patient's active therapist" is one rule (accounts.access.active_therapist), read in
Python for one patient and in SQL for the duty list's queues (without_active_therapist):
the two must name the same patients, or a patient the duty list answers for (alerts,
decisions, messages) would be missing from the lists it reads."""

from __future__ import annotations

import pytest

from accounts.access import active_therapist, without_active_therapist
from accounts.models import Role, User
from program.clinic.actions import needing_a_therapist
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from program.sleep_window import rescreen
from tests.conftest import make_user

# Each way a patient's therapist can be: (has one, account active, still a therapist).
CASES = {
    "none": None,
    "active": (True, Role.THERAPIST),
    "deactivated": (False, Role.THERAPIST),
    "now an admin": (True, Role.ADMIN),
    "deactivated admin": (False, Role.ADMIN),
}


@pytest.mark.parametrize("case", CASES)
def test_the_sql_and_the_python_rule_name_the_same_patients(case, programme) -> None:
    patient = make_user(f"{case.replace(' ', '-')}@example.test", Role.PATIENT)
    if CASES[case] is not None:
        active, role = CASES[case]
        therapist = make_user("t@example.test", Role.THERAPIST)
        User.objects.filter(pk=therapist.pk).update(is_active=active, role=role)
        User.objects.filter(pk=patient.pk).update(therapist=therapist)
    patient = User.objects.select_related("therapist").get(pk=patient.pk)
    nobody = active_therapist(patient) is None
    assert nobody == (case != "active")
    assert (
        without_active_therapist(User.objects.patients()).filter(pk=patient.pk).exists() is nobody
    )
    assert needing_a_therapist().filter(pk=patient.pk).exists() is nobody


def test_a_decision_for_a_patient_whose_therapist_became_an_admin_is_on_the_duty_queue(
    patient, therapist
) -> None:
    """The admin changed the therapist's role: the patient's positive screen is decided by
    the duty list (rescreen.can_decide), so it is on the duty list's queue."""
    sw.submit_screen(patient, {**{q.key: False for q in SCREEN}, "parasomnia": True})
    assert not rescreen.waiting_without_therapist().filter(pk=patient.pk).exists()
    User.objects.filter(pk=therapist.pk).update(role=Role.ADMIN)
    assert rescreen.waiting_without_therapist().filter(pk=patient.pk).exists()
