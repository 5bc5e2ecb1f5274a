"""Personas shared by every test. Each says what it may see.

- ``patient``: sees only their own record; on ``therapist``'s caseload.
- ``other_patient``: another patient of ``therapist``; must never see ``patient``.
- ``outsider_patient``: on ``other_therapist``'s caseload.
- ``therapist``: sees ``patient`` and ``other_patient``, nobody else.
- ``other_therapist``: sees only ``outsider_patient``.
- ``clinic_admin``: sees everyone (audited access).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import Role, User
from accounts.services import create_user
from program.curriculum.actions import forget_structures
from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory
from program.enrolment.actions import enrol
from program.models import Programme, SleepProtocol, Week

# Property tests run on shared, loaded machines: no per-example deadline (an example that
# took 250 ms once failed a run), and no "too slow" health check; the examples are kept.
hypothesis_settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("suite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault tests run last, each in its collected order. They time what people
    notice while a service is down (a 503 in well under a second, a worker starting
    within a minute); bin/test runs the PostgreSQL pass, where they run, beside the
    shorter SQLite pass, so last they usually have the machine to themselves."""
    items.sort(key=lambda item: item.get_closest_marker("fault") is not None)


PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_user(email: str, role: Role, *, mfa: bool | None = None, **extra: object) -> User:
    if role == Role.PATIENT:
        # Patients give it at onboarding (program.rules.age); pass None for an older account.
        extra.setdefault("date_of_birth", date(1980, 5, 17))
    user = create_user(email=email, password=PASSWORD, role=role, **extra)  # type: ignore[arg-type]
    if mfa if mfa is not None else role != Role.PATIENT:
        TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture(autouse=True)
def _fresh_programme_structures() -> None:
    """Each test starts with no programme structure in memory: a rolled-back test's
    content must not be served to the next one (production never rolls back a
    committed revision; see program.curriculum.signals)."""
    forget_structures()


@pytest.fixture(autouse=True)
def _site_language_after_each_test() -> Iterator[None]:
    """Each test starts in the site's language: a test (or a request it made in-process)
    that switched this thread to French must not leave the next one reading French."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def messages_on(programme: Programme) -> Programme:
    """The default programme with secure messages switched on."""
    programme.messages_enabled = True
    programme.save()
    return programme


@pytest.fixture
def programme(db: None) -> Programme:
    """The default programme with its curriculum and the shipped sleep-window protocols."""
    return ensure_programme()


def ensure_programme() -> Programme:
    """Migrations load the curriculum, the protocols and the questionnaires, but
    transactional (browser) tests flush the database, so they are loaded again if missing."""
    from program.assessments.actions import ensure_instruments

    ensure_instruments()
    programme = Programme.objects.default()
    if not Week.objects.filter(programme=programme).exists():
        import_directory(DEFAULT_PROGRAMME_DIR, publish=True)
    if not SleepProtocol.objects.exists():
        from django.apps import apps

        shipped = importlib.import_module("program.migrations.0005_shipped_protocols")
        shipped.ship(apps, None)
    return programme


def new_therapist() -> User:
    return make_user("therapist@clinic.test", Role.THERAPIST, name="Dr Tess Ward")


def new_other_therapist() -> User:
    return make_user("other.therapist@clinic.test", Role.THERAPIST, name="Dr Otto Field")


def new_clinic_admin() -> User:
    return make_user("admin@clinic.test", Role.ADMIN, name="Ada Admin")


def new_patient(therapist: User, programme: Programme) -> User:
    user = make_user(
        "pat@example.test",
        Role.PATIENT,
        name="Pat Patient",
        therapist=therapist,
        time_zone="Europe/London",
    )
    enrol(patient=user, programme=programme, start_date=date(2026, 11, 2))
    return user


def new_other_patient(therapist: User, programme: Programme) -> User:
    user = make_user("olly@example.test", Role.PATIENT, name="Olly Other", therapist=therapist)
    enrol(patient=user, programme=programme, start_date=date(2026, 11, 9))
    return user


def new_outsider_patient(other_therapist: User, programme: Programme) -> User:
    user = make_user(
        "ola@example.test",
        Role.PATIENT,
        name="Ola Outsider",
        therapist=other_therapist,
        time_zone="America/New_York",
    )
    enrol(patient=user, programme=programme, start_date=date(2026, 11, 16))
    return user


# The personas as fixtures, made by the functions above (which a module-scoped fixture
# may call too, to share one set of them across a module's tests).
@pytest.fixture
def therapist(db: None) -> User:
    return new_therapist()


@pytest.fixture
def other_therapist(db: None) -> User:
    return new_other_therapist()


@pytest.fixture
def clinic_admin(db: None) -> User:
    return new_clinic_admin()


@pytest.fixture
def patient(therapist: User, programme: Programme) -> User:
    return new_patient(therapist, programme)


@pytest.fixture
def other_patient(therapist: User, programme: Programme) -> User:
    return new_other_patient(therapist, programme)


@pytest.fixture
def outsider_patient(other_therapist: User, programme: Programme) -> User:
    return new_outsider_patient(other_therapist, programme)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def reauthenticated_client_for(user: User) -> Client:
    """A signed-in client that has just typed its password again, as making a token or
    downloading one's data asks (allauth's reauthentication)."""
    client = client_for(user)
    reauthenticate(client)
    return client


def reauthenticate(client: Client, password: str = PASSWORD, asked_by: str = ""):  # type: ignore[no-untyped-def]
    """What a person does when asked for their password again (making a token, a data
    download): ``asked_by`` is the address they were sent to, which says where to carry
    on."""
    from django.urls import reverse

    return client.post(asked_by or reverse("account_reauthenticate"), {"password": password})


@pytest.fixture
def patient_client(patient: User) -> Client:
    return client_for(patient)


@pytest.fixture
def therapist_client(therapist: User) -> Client:
    return client_for(therapist)


@pytest.fixture
def admin_client(clinic_admin: User) -> Client:  # overrides pytest-django's admin_client
    return client_for(clinic_admin)


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
