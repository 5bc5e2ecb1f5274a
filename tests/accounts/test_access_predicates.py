"""The named role rules of accounts.access that views and forms use instead of comparing
roles themselves."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.access import (
    is_clinic_admin,
    is_own_therapist,
    is_patient,
    is_staff_member,
    is_therapist,
)


def test_only_the_patients_own_therapist_is_their_own_therapist(
    patient, therapist, other_therapist, clinic_admin
) -> None:
    assert is_own_therapist(therapist, patient)
    assert not is_own_therapist(other_therapist, patient)
    assert not is_own_therapist(clinic_admin, patient)
    assert not is_own_therapist(patient, patient)


def test_each_role_answers_to_its_own_name(patient, therapist, clinic_admin) -> None:
    assert [is_patient(u) for u in (patient, therapist, clinic_admin)] == [True, False, False]
    assert [is_therapist(u) for u in (patient, therapist, clinic_admin)] == [False, True, False]
    assert [is_clinic_admin(u) for u in (patient, therapist, clinic_admin)] == [False, False, True]


def test_only_signed_in_clinic_admins_are_staff(patient, therapist, clinic_admin) -> None:
    assert is_staff_member(clinic_admin)
    assert not any(is_staff_member(u) for u in (patient, therapist, AnonymousUser()))
