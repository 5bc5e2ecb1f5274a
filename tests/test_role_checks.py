"""Who may do what is asked of the named rules in ``accounts/access.py`` (and, in templates,
their filters: ``{% load access %}{% if user|is_therapist %}``), never by comparing a role
by hand: a comparison elsewhere is a second, unreviewed copy of an access rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# user.role == Role.THERAPIST, x.role != "patient", u.role in (...), role == 'admin' …
PYTHON = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)|\brole\s*(==|!=)\s*[\"']")
TEMPLATE = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)|\.is_staff\b|\.is_superuser\b")
ALLOWED = {
    "accounts/access.py": "the named rules themselves",
    "accounts/models.py": "the model keeps is_staff in step with the role (save, clean)",
    "accounts/audit.py": "access.py builds on the audit trail, so it cannot ask access.py",
    "program/demo/clinic.py": "compares the demo's people as written, before any user exists",
}


def _offenders(pattern: re.Pattern[str], paths: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        name = str(path.relative_to(ROOT))
        if name in ALLOWED or "/migrations/" in name:
            continue
        lines = [
            f"{number}: {line.strip()}"
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)
        ]
        if lines:
            found[name] = lines
    return found


def test_no_role_is_compared_outside_the_access_rules() -> None:
    code = [*ROOT.glob("program/**/*.py"), *ROOT.glob("accounts/**/*.py")]
    offenders = _offenders(PYTHON, code)
    assert not offenders, f"ask a predicate of accounts/access.py instead: {offenders}"


def test_no_template_compares_a_role() -> None:
    offenders = _offenders(TEMPLATE, list(ROOT.glob("templates/**/*.html")))
    assert not offenders, f"use {{% load access %}} and user|is_therapist etc.: {offenders}"


@pytest.mark.parametrize(
    ("line", "caught"),
    [
        ('if request.user.role != "therapist":', True),
        ("if user.role == Role.PATIENT and x:", True),
        ("return user.role in (Role.THERAPIST, Role.ADMIN)", True),
        ("reporter_role=by.role,", False),
        ("User.objects.filter(role=Role.PATIENT)", False),
    ],
)
def test_the_check_sees_a_comparison(line: str, caught: bool) -> None:
    assert bool(PYTHON.search(line)) is caught


def test_the_template_filters_answer_like_the_rules(patient, therapist, clinic_admin) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    page = Template(
        "{% load access %}{{ u|is_patient }} {{ u|is_therapist }} {{ u|is_clinic_admin }} "
        "{{ u|is_own_therapist:p }}"
    )

    def render(user: object) -> str:
        return page.render(Context({"u": user, "p": patient}))

    assert render(patient) == "True False False False"
    assert render(therapist) == "False True False True"
    assert render(clinic_admin) == "False False True False"
    assert render(AnonymousUser()) == "False False False False"


def test_views_sign_people_in_through_the_access_rules() -> None:
    """Django's own ``login_required`` sends a form sent after the session ended back to its
    action, which may answer POST only; ``accounts.access.login_required`` returns to the
    form's page (``accounts.http.page_to_return_to``)."""
    code = [*ROOT.glob("program/**/*.py"), *ROOT.glob("accounts/**/*.py"), *ROOT.glob("cbti/*.py")]
    django_own = re.compile(r"django\.contrib\.auth\.(decorators|mixins)|\buser_passes_test\b")
    offenders = _offenders(django_own, code)
    assert not offenders, f"use accounts.access.login_required or a role decorator: {offenders}"
