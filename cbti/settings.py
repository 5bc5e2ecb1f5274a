"""Settings for the CBT-I platform: one file, every value from the environment.

Development (``make run``) needs no services: SQLite, the database cache and
kombu's filesystem broker. Production sets ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL`` (cache, rate limits and the Celery broker); see the README for
every variable. Parsers fail loudly on a malformed value.
"""

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env()
env.read_env(str(BASE_DIR / ".env"), recurse=False)

# The SQLite file, the filesystem broker's folders and beat's schedule live here.
VAR_DIR = env.path("VAR_DIR", BASE_DIR / "var")
DEBUG = env.bool("DEBUG", False)
# Test runs get fast hashers and no HTTPS redirects: said explicitly, by tests/settings.py
# and bin/test (TESTING=1), never guessed.
TESTING = env.bool("TESTING", False)

# Commands that only read the code (never serve, send or sign anything) run in a fresh
# checkout without a production environment: the migrations check, system checks, the
# translation catalogues.
CODE_ONLY_COMMAND = (
    len(sys.argv) > 1
    and sys.argv[1] in {"makemigrations", "check", "makemessages", "compilemessages", "help"}
    and "--deploy" not in sys.argv
)

if DEBUG or TESTING or CODE_ONLY_COMMAND:
    SECRET_KEY = env.str(
        "SECRET_KEY", "insecure-development-key-never-use-in-production-0123456789"
    )
else:
    # Production must bring its own key: no silent default.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env.str("SITE_NAME", "Sleep Better")
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000")
SITE_ID = 1

INSTALLED_APPS = [
    # First, so that its createsuperuser (which also verifies the email address)
    # takes precedence over django.contrib.auth's.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "program",
]

# A form sent with an out-of-date token gets a page in the site's layout and language.
CSRF_FAILURE_VIEW = "accounts.errors.csrf_failure"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a body: larger than MAX_REQUEST_BYTES is refused (413).
    "accounts.middleware.RequestSizeLimitMiddleware",
    # /healthz answers JSON even when a later middleware fails (the session cannot be read).
    "accounts.middleware.HealthAnswerMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before sign-in, the browser's language (Accept-Language); once signed in, the
    # user's own (accounts.middleware.UserLanguageMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # A page in the person's language for an address that only takes a form (405).
    "accounts.middleware.MethodNotAllowedPageMiddleware",
    "accounts.middleware.RequireStaffMFAMiddleware",
    "accounts.audit.AuditMiddleware",
    # A patient under 18 sees why the programme is not for them (program.enrolment.eligibility).
    "program.enrolment.eligibility.UnderAgeMiddleware",
]

ROOT_URLCONF = "cbti.urls"
WSGI_APPLICATION = "cbti.wsgi.application"
ASGI_APPLICATION = "cbti.asgi.application"

# Form widgets through Jinja2 (Django's own templates), the admin's through Django's engine.
FORM_RENDERER = "cbti.form_renderer.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.site",
                "program.crisis.context_processors.crisis",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("CONN_MAX_AGE", 60),
        # A persistent connection is checked before reuse: after a database restart
        # every idle process holds a dead one, and without the check its next request
        # fails (tests/program/test_database_restart.py, the quiet restart).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    # WAL lets the web server, the worker and beat share the file without
    # "database is locked" errors; the busy timeout waits out short writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
# Rate limits (allauth) and used TOTP codes live in the cache, so it must be
# shared by every process: Redis in production, the database cache otherwise.
# Never the per-process local-memory cache, where limits silently fail open.
REDIS_URL = env.str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, except that Redis down is a miss, not a 500 (see cbti/cache.py).
            "BACKEND": "cbti.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cbti_cache",
        }
    }

# --- Authentication (django-allauth) -------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelt out so they are visible and reviewed.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    # Asking for the password again before a sensitive action (an API token, the data
    # download, the email address); its wrong passwords also count as failed sign-ins.
    "reauthenticate": "10/m/user",
    # Wrong two-factor codes, per person only (accounts.forms): allauth's own count them
    # as failed sign-ins per address, which would lock out a clinic behind one NAT.
    "mfa_code_failed": "5/5m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0)
NINJA_NUM_PROXIES = ALLAUTH_TRUSTED_PROXY_COUNT
# The API's own limit, per person (program/api/throttle.py): a client syncing a diary makes
# a few calls a minute; past this it gets a JSON 429 with Retry-After.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", "120/m")
# Anyone may sign up only where the clinic allows it; otherwise a therapist's
# invitation is the way in.
ALLOW_SELF_SIGNUP = env.bool("ALLOW_SELF_SIGNUP", False)

MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_FORMS = {
    "authenticate": "accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
    "activate_totp": "accounts.forms.MFAActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# For the local demo only: allauth refuses this setting unless DEBUG is on.
MFA_TOTP_INSECURE_BYPASS_CODE = env.str("MFA_DEMO_BYPASS_CODE", "") or None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after this much inactivity (seconds); see IdleTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# Sessions live in the database only. With a Redis copy (cached_db), a sign-out during
# a Redis outage deletes the database row but cannot delete the cached copy, which a
# Redis that was cut off rather than restarted would still serve: the signed-out
# session would work again. A session read costs one primary-key query instead.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Email ---------------------------------------------------------------------
# Console in development; SMTP as soon as EMAIL_URL is set, e.g.
# smtp+tls://user:password@smtp.example.org:587 (Django 6.1's MAILERS setting).
# Production must say where mail goes: no silent console backend there.
EMAIL_URL = (
    env.str("EMAIL_URL", "") if DEBUG or TESTING or CODE_ONLY_COMMAND else env.str("EMAIL_URL")
)
MAILERS: dict[str, dict[str, Any]]
if EMAIL_URL == "memory://":  # keeps mail in memory: benchmarks and dry runs
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
elif EMAIL_URL.startswith("file://"):  # writes mail to files in a folder: fault tests
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": EMAIL_URL.removeprefix("file://")},
        }
    }
elif EMAIL_URL:
    import dj_email_url

    _smtp = dj_email_url.parse(EMAIL_URL)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp["EMAIL_HOST"],
                "port": _smtp["EMAIL_PORT"],
                "username": _smtp["EMAIL_HOST_USER"],
                "password": _smtp["EMAIL_HOST_PASSWORD"],
                "use_tls": _smtp["EMAIL_USE_TLS"],
                "use_ssl": _smtp["EMAIL_USE_SSL"],
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Sleep diary -------------------------------------------------------------------
# What sleep efficiency divides by: "in_bed" (into bed -> out of bed, the Consensus
# Sleep Diary's definition) or "lights_out" (tried to sleep -> out of bed, CBT-i
# Coach's). See program/rules/sleep.py.
DIARY_SE_DENOMINATOR = env.str(
    "DIARY_SE_DENOMINATOR", "in_bed", validate=lambda v: v in ("in_bed", "lights_out")
)

# --- Privacy ---------------------------------------------------------------------
# How long the audit trail of access to patients' data is kept.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", 6 * 365)
# Days between a patient asking to delete their account and its deletion.
ACCOUNT_DELETION_GRACE_DAYS = env.int("ACCOUNT_DELETION_GRACE_DAYS", 14)

# --- Invitations -----------------------------------------------------------------
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", 14)

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The languages a person can choose, each with its interface translated in full and its
# lessons (a lesson not yet in a reader's language is shown in English). Spanish and
# Dutch were offered until December 2026 with nothing translated; docs/languages.md
# says how to add a language.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers as the app writes them, by language (cbti/formats/<language>/formats.py);
# the English dates ("1 Dec 2026 22:14") in the Django admin too.
FORMAT_MODULE_PATH = ["cbti.formats"]
TIME_ZONE = "UTC"  # Stored and computed in UTC; shown in each user's own zone.
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (lesson images). Not served by whitenoise or the web server: the app
# serves them to signed-in users (program:lesson_image).
MEDIA_ROOT = env.path("MEDIA_ROOT", VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", True)
if env.bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The largest request body the app reads (bytes): above it, 413 before anything reads
# it (accounts.middleware.RequestSizeLimitMiddleware). It must stay above the largest
# upload, a 2 MB lesson image (program.curriculum.models.MAX_IMAGE_BYTES). Django's own
# bound on form data is the same figure, and an upload within it stays in memory
# rather than going to a temporary file.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# The pages that take a device's sleep export (Apple Health's export.zip) take bodies up
# to this size instead (program/wearables; docs/wearables.md).
DEVICE_EXPORT_MAX_BYTES = env.int("DEVICE_EXPORT_MAX_BYTES", 200 * 1024 * 1024)
DEVICE_EXPORT_PATHS = [re.compile(r"/diary/device/"), re.compile(r"/patients/\d+/diary/device/")]
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# /healthz tells anyone only up or down; a monitor that sends this in the
# X-Healthz-Token header (or a clinic admin signed in) also gets each part's state.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", "")

# Django's built-in Content Security Policy: no inline scripts anywhere.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Celery ------------------------------------------------------------------------
# Redis in production. Without a Redis server, kombu's filesystem transport
# carries real messages between processes on one machine (never eager mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcasts (the workers' control and pings); kombu's default is "control" in
        # whatever folder the process started in.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A request must never hang on a broker that is down.
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
        "retry_on_timeout": False,
        "max_retries": 1,
        # Longer than any task runs, so an unacknowledged task is not re-delivered
        # while still running (acks_late).
        "visibility_timeout": 2 * 60 * 60,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Survive a killed worker: acknowledge after the task, hand a task back when its
# worker dies, prefetch one at a time. Tasks therefore may run twice and must be
# idempotent (see program/tasks.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "program.tasks.heartbeat_task", "schedule": 60.0},
    # Each patient's titration day is found in their own zone by our code, so one
    # hourly UTC tick serves every zone (no per-user schedules, no crontab DST bugs).
    "titration": {"task": "program.tasks.titration_tick_task", "schedule": 3600.0},
    "reminders": {"task": "program.tasks.reminder_tick_task", "schedule": 60.0},
    # The caseload rows a write distrusted are worked out again within a minute, off the
    # clinician's page (a caseload that finds one costs about 1.7 times a fresh one:
    # bench/caseload.py --changed); each row rolls over at its patient's own midnight in
    # the same run. A run not started within the minute is dropped for the next.
    "caseload-refresh": {
        "task": "program.tasks.refresh_caseload_summaries_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "audit-retention": {"task": "program.tasks.purge_audit_task", "schedule": 24 * 3600.0},
    "account-deletion": {"task": "program.tasks.delete_accounts_task", "schedule": 3600.0},
    # Each patient's kind hours are found in their own zone: hourly serves every zone.
    "comeback": {"task": "program.tasks.comeback_task", "schedule": 3600.0},
}
# Web push (optional channel): base64url raw keys, e.g. from `manage.py vapid_keys`.
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", "mailto:" + env.str("ADMIN_EMAIL", "admin@localhost"))
# The largest cut of a sleep medicine's dose in one taper step, as a percentage of the
# dose before, that a plan may hold without a note to the clinician (empty: no clinic
# limit; each template's own rate is always checked). E.g. 25.
TAPER_MAX_STEP_PERCENT = env.str("TAPER_MAX_STEP_PERCENT", "")
# The clinic's duty list for risk alerts (program.risk.actions): these addresses, comma-separated
# (a shared on-call inbox, named clinicians), plus every active clinic admin. They are
# emailed for a patient without a therapist, and for every alert not acknowledged within
# RISK_ESCALATE_AFTER_HOURS working hours: the clinic's open hours (CLINIC_HOURS, e.g.
# "Mon-Fri 09:00-17:00"; "Mon-Sun 00:00-24:00" for clock hours) in CLINIC_TIME_ZONE
# (program.rules.working_hours). A malformed value stops the app here, naming the variable.
RISK_DUTY_EMAILS: list[str] = env.list("RISK_DUTY_EMAILS", [])
RISK_ESCALATE_AFTER_HOURS = env.float("RISK_ESCALATE_AFTER_HOURS", 4.0)
CLINIC_HOURS = env.str("CLINIC_HOURS", "Mon-Fri 09:00-17:00")
CLINIC_TIME_ZONE = env.str("CLINIC_TIME_ZONE", "Europe/London")


def _check_clinic_hours() -> None:
    from program.rules import working_hours  # pure Python, no Django

    try:
        working_hours.zone(CLINIC_TIME_ZONE)
    except ValueError as error:
        raise ImproperlyConfigured(f"CLINIC_TIME_ZONE: {error}") from None
    try:
        working_hours.parse(CLINIC_HOURS, CLINIC_TIME_ZONE)
    except ValueError as error:
        raise ImproperlyConfigured(f"CLINIC_HOURS: {error}") from None


_check_clinic_hours()
# Whose crisis contacts a person is shown until they say where they live (an ISO 3166
# code from accounts/countries.py; the contacts themselves are data, edited by clinic
# admins on /clinic/crisis-contacts/).
# The codes of accounts/countries.py (not imported here: settings load before apps).
_COUNTRY_CODES = frozenset(
    {"AU", "AT", "BE", "CA", "DK", "FI", "FR", "DE", "IE", "IT"}
    | {"LU", "NL", "NZ", "NO", "PT", "ES", "SE", "CH", "GB", "US"}
)
CLINIC_DEFAULT_COUNTRY = env.str(
    "CLINIC_DEFAULT_COUNTRY", "GB", validate=lambda v: v.upper() in _COUNTRY_CODES
).upper()

# Who runs this installation, for the About page (program.about), the message to a
# person under 18 (program.rules.age) and a problem report that reached nobody: the clinic's
# name, how to contact it (a phone number, an address, in plain words), and who makes
# the software as deployed here. Empty: the pages say the clinic has not set it.
CLINIC_NAME = env.str("CLINIC_NAME", "")
CLINIC_CONTACT = env.str("CLINIC_CONTACT", "")
SOFTWARE_MANUFACTURER = env.str("SOFTWARE_MANUFACTURER", "")


# The version on the About page: the deployment's own (e.g. a release tag or commit),
# else pyproject.toml's, else "unknown" (a copy of the code without it).
def _project_version() -> str:
    try:
        text = (BASE_DIR / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    return str(tomllib.loads(text).get("project", {}).get("version", "unknown"))


APP_VERSION = env.str("APP_VERSION", "") or _project_version()

# A sleep-window recommendation waiting for a clinician this many days reminds the
# patient's therapist by email, and after as many days again the duty list
# (program.sleep_window.waiting); a patient without a therapist goes to the duty list at the first.
RECOMMENDATION_REMIND_AFTER_DAYS = env.int("RECOMMENDATION_REMIND_AFTER_DAYS", 3)
# The reminder and titration ticks do nothing while this host's clock is ahead of the
# database's by more than this (program.clock_guard): a clock jump must not make next
# week's reviews now or push every reminder ahead.
CLOCK_GUARD = env.bool("CLOCK_GUARD", True)
CLOCK_TOLERANCE_MINUTES = env.int("CLOCK_TOLERANCE_MINUTES", 5)
# A reminder due while workers were down is still sent this late, else skipped.
REMINDER_GRACE_MINUTES = env.int("REMINDER_GRACE_MINUTES", 120)
# The link in a reminder email (change reminders without signing in) works this many
# days, and stops sooner once the choices are saved or the person signs out everywhere.
REMINDER_LINK_VALID_DAYS = env.int("REMINDER_LINK_VALID_DAYS", 14)
# "At risk of dropping out" on the caseload and the round (program.rules.engagement): the
# first week predicts dropout [SIMON25], but no study gives cut-offs, so these are the
# clinic's choice [D]: fewer diary nights than this in week 1; week 1's lessons not done
# within this many days of the start; no diary night for this many mornings; the week-1
# reasons are shown until this many days after the start.
DROPOUT_MIN_WEEK1_NIGHTS = env.int("DROPOUT_MIN_WEEK1_NIGHTS", 4)
DROPOUT_FIRST_MODULE_DAYS = env.int("DROPOUT_FIRST_MODULE_DAYS", 7)
DROPOUT_GAP_NIGHTS = env.int("DROPOUT_GAP_NIGHTS", 3)
DROPOUT_EARLY_DAYS = env.int("DROPOUT_EARLY_DAYS", 21)
# A break the patient takes ("I'm ill", "I'm travelling": program.today.actions) ends by
# itself after at most this many days [D]; the patient can resume sooner.
PATIENT_PAUSE_MAX_DAYS = env.int("PATIENT_PAUSE_MAX_DAYS", 14)
# Today says "welcome back" after this many days without a diary night [D]
# (program.rules.engagement.welcome_back), and after a break.
WELCOME_BACK_GAP_DAYS = env.int("WELCOME_BACK_GAP_DAYS", 4)
# The come-back note (program.rules.reengagement) [D]: a patient with no diary written, lesson
# opened or sign-in for the first of these days gets a kind note, then one at each next day
# count, at most COMEBACK_MAX_REMINDERS per absence (0 turns it off), none until they are back.
COMEBACK_AFTER_DAYS: list[int] = [int(d) for d in env.list("COMEBACK_AFTER_DAYS", ["3", "7"])]
COMEBACK_MAX_REMINDERS = env.int("COMEBACK_MAX_REMINDERS", 2)
# A risk alert or new-message email not sent this long after the request that published
# it is queued again by the reminder tick (program.notifications).
NOTIFY_RETRY_AFTER_SECONDS = env.int("NOTIFY_RETRY_AFTER_SECONDS", 120)
# Called with the user after they change their settings (e.g. time zone), so other
# apps can follow without accounts importing them.
# (follow_age: a new date of birth may change the protocol proposed; program.rules.age.)
ACCOUNTS_SETTINGS_CHANGED_HOOKS = [
    "program.reminders.actions.refresh_schedules",
    "program.sleep_window.actions.follow_age",
]
# Called with a patient who signed up on their own (ALLOW_SELF_SIGNUP).
ACCOUNTS_SIGNED_UP_HOOKS = ["program.enrolment.actions.enrol_self_signed_up"]
# Called with a date of birth typed at onboarding (accept an invitation, sign up); raises
# a ValidationError, with the words to show, for a person the programme is not for.
ACCOUNTS_BIRTH_DATE_CHECK = "program.enrolment.eligibility.check_adult"
# Called with a user who signed out everywhere else (allauth's sessions page, through
# USERSESSIONS_ADAPTER): the links in their reminder emails stop working.
ACCOUNTS_SIGNED_OUT_EVERYWHERE_HOOKS = ["program.reminders.actions.revoke_manage_links"]
USERSESSIONS_ADAPTER = "accounts.services.UserSessionsAdapter"

# --- Logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Unit tests run tasks in-process. Delivery itself is tested with a real
    # worker on a real broker (tests/program/test_celery_live.py), never eagerly.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
