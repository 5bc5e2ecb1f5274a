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
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction
from django.test import Client, TestCase
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


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every test under tests/browser/ is marked ``browser``, its file's marks or not:
    bin/test runs the browser journeys in a pass of their own (``-m browser``)."""
    if BROWSER_TESTS in item.path.parents and not item.get_closest_marker("browser"):
        item.add_marker(pytest.mark.browser)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The fault tests run last, each in its collected order. They time what people
    notice while a service is down (a 503 in well under a second, a worker starting
    within a minute); bin/test runs them in the PostgreSQL pass, which usually ends last,
    so last they usually have the machine to themselves."""
    items.sort(key=lambda item: item.get_closest_marker("fault") is not None)


PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@contextmanager
def module_data(django_db_blocker) -> Iterator[None]:
    """For a module-scoped fixture: rows built once for a test module, in a transaction
    rolled back after its last test. Each test still runs in a savepoint of its own
    (``db``), so what one test writes is undone before the next; no on-commit work runs."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        TestCase.captureOnCommitCallbacks(execute=False),
    ):
        yield
        transaction.set_rollback(True)


def make_user(email: str, role: Role, *, mfa: bool | None = None, **extra: object) -> User:
    if role == Role.PATIENT:
        # Patients give it at onboarding (program.rules.age); pass None for an older account.
        extra.setdefault("date_of_birth", date(1980, 5, 17))
    user = create_user(email=email, password=PASSWORD, role=role, **extra)
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
    transactional (browser) tests flush the database, so they are loaded again if missing.

    Loading them took 1.4 s of CPU (1.8 s on PostgreSQL) for each transactional test: the
    first load into a flushed database is kept, table by table, and put back as it was
    into the next ones (``_LoadedContent``)."""
    if _loaded_content is not None and _loaded_content.restore():
        return Programme.objects.default()
    counts = _table_counts()
    programme = _load_programme()
    _remember_content(counts)
    return programme


def _load_programme() -> Programme:
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


def _table_counts() -> dict[str, int] | None:
    """Rows in each of the models' tables, when the content is missing (after a flush);
    None otherwise (nothing to load, so nothing to keep)."""
    from django.db import connection

    if _loaded_content is not None or Week.objects.exists():
        return None
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _remember_content(before: dict[str, int] | None) -> None:
    """Keep the rows the load wrote, if it wrote only into tables that were empty."""
    global _loaded_content
    if before is None:
        return
    from django.db import connection

    quote = connection.ops.quote_name
    grown = []
    with connection.cursor() as cursor:
        for table, rows in before.items():
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            now = cursor.fetchone()[0]
            if now != rows:
                if rows:
                    return  # the load added to rows a test wrote: not kept
                grown.append(table)
    _loaded_content = _LoadedContent.read(grown)


class _LoadedContent:
    """The rows of the tables that loading the content into a flushed database filled,
    as the database gives them (COPY's text on PostgreSQL), to be put back unchanged."""

    def __init__(self, tables: dict[str, tuple[list[str], object]]) -> None:
        self.tables = tables

    @classmethod
    def read(cls, tables: list[str]) -> _LoadedContent:
        from django.db import connection

        quote = connection.ops.quote_name
        kept: dict[str, tuple[list[str], object]] = {}
        with connection.cursor() as cursor:
            for table in tables:
                columns = [
                    c.name for c in connection.introspection.get_table_description(cursor, table)
                ]
                names = ", ".join(quote(c) for c in columns)
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {quote(table)} ({names}) TO STDOUT") as copy:
                        kept[table] = (columns, b"".join(bytes(block) for block in copy))
                else:
                    cursor.execute(f"SELECT {names} FROM {quote(table)}")
                    kept[table] = (columns, cursor.fetchall())
        return cls(kept)

    def restore(self) -> bool:
        """Put the rows back if every one of their tables is empty (a flushed database)
        and every file they name is still stored; False, with nothing written, if not."""
        from django.db import connection, transaction

        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone():
                    return False
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for table, (columns, rows) in self.tables.items():
                    names = ", ".join(quote(c) for c in columns)
                    if connection.vendor == "postgresql":
                        with cursor.cursor.copy(
                            f"COPY {quote(table)} ({names}) FROM STDIN"
                        ) as copy:
                            copy.write(rows)
                    else:
                        cursor.executemany(
                            f"INSERT INTO {quote(table)} ({names}) "
                            f"VALUES ({', '.join(['%s'] * len(columns))})",
                            rows,
                        )
                if connection.vendor == "postgresql":
                    _reset_sequences(cursor, self.tables)
                if not _files_stored():
                    raise _FileGone
        except _FileGone:
            return False
        return True


class _FileGone(Exception):
    """A kept row names a file a test has since deleted: load the content afresh."""


def _files_stored() -> bool:
    from program.curriculum.models import AudioRecording, LessonImage

    return all(
        row.file.storage.exists(row.file.name)
        for model in (LessonImage, AudioRecording)
        for row in model.objects.only("file")
    )


def _reset_sequences(cursor, tables) -> None:
    """Each table's id sequence past the ids put back (as Django's own loaddata does)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]
    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(sql)


_loaded_content: _LoadedContent | None = None


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


@pytest.fixture
def spanish(settings) -> None:
    """A clinic that has added Spanish (docs/languages.md): its lessons can be written,
    imported and read in it. The app ships only the languages translated in full."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("es", "Español")]


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


def reauthenticate(client: Client, password: str = PASSWORD, asked_by: str = ""):
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
