"""Settings, read from the environment in one place.

Every value has a safe default for the embedded mode (SQLite in ./var, a
filesystem task broker). `SKILLEVAL_ENV=production` switches to
`production.py`, which refuses to start without a secret key.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = PACKAGE_DIR.parents[1]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SKILLEVAL_ENV = env("SKILLEVAL_ENV", "development")
VAR_DIR = Path(env("SKILLEVAL_VAR_DIR", str(PROJECT_DIR / "var")))

VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("SKILLEVAL_DEBUG", False)
SECRET_KEY = env("SKILLEVAL_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("SKILLEVAL_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("SKILLEVAL_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "skilleval.core",
    "skilleval.catalog",
    "skilleval.accounts",
    "skilleval.orgs",
    "skilleval.batches",
    "skilleval.exams",
    "skilleval.results",
    "skilleval.certificates",
    "skilleval.supervision",
    "skilleval.api",
    "skilleval.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "skilleval.core.middleware.IdRangeMiddleware",
    "skilleval.accounts.middleware.LoginRequiredMiddleware",
    "skilleval.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "skilleval.config.urls"
WSGI_APPLICATION = "skilleval.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "skilleval.portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'skilleval.sqlite3'}"),
        # Production keeps connections open between requests (a new PostgreSQL connection per
        # request costs about two thirds of the public query's throughput); checked before reuse.
        conn_max_age=int(env("SKILLEVAL_DB_CONN_MAX_AGE", "60" if SKILLEVAL_ENV == "production" else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write job progress while the web process reads.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        # IMMEDIATE: a transaction that reads then writes takes the write lock up front, so two
        # writers wait for each other instead of failing with "database is locked".
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20,
         "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["skilleval.accounts.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Failed-login lockout: after this many failures in a row the account is locked for the period.
SKILLEVAL_LOGIN_MAX_FAILURES = int(env("SKILLEVAL_LOGIN_MAX_FAILURES", "5"))
SKILLEVAL_LOGIN_LOCK_MINUTES = int(env("SKILLEVAL_LOGIN_LOCK_MINUTES", "15"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("SKILLEVAL_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("SKILLEVAL_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files: the local folder by default; an S3-compatible bucket (MinIO, OSS, COS,
# OBS…) when SKILLEVAL_S3_BUCKET is set, so several app servers share them. The bucket
# stays private: files reach users only through the app's permission-checked views.
if env("SKILLEVAL_S3_BUCKET"):
    DEFAULT_FILE_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env("SKILLEVAL_S3_BUCKET"),
        "endpoint_url": env("SKILLEVAL_S3_ENDPOINT") or None,
        "region_name": env("SKILLEVAL_S3_REGION") or None,
        "access_key": env("SKILLEVAL_S3_ACCESS_KEY") or None,
        "secret_key": env("SKILLEVAL_S3_SECRET_KEY") or None,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "location": env("SKILLEVAL_S3_PREFIX", "media"),
    }}
else:
    DEFAULT_FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_FILE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Outside production the static files are served straight from the apps' folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# A signed-in session lasts a working day at most (seconds), and ends with the browser.
SESSION_COOKIE_AGE = int(env("SKILLEVAL_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Authorities are warned this many days before a filing's term ends.
SKILLEVAL_FILING_EXPIRY_WARNING_DAYS = int(env("SKILLEVAL_FILING_EXPIRY_WARNING_DAYS", "90"))
# Largest reference-data import accepted, in bytes.
SKILLEVAL_MAX_IMPORT_BYTES = int(env("SKILLEVAL_MAX_IMPORT_BYTES", str(20 * 1024 * 1024)))
# Background jobs silent for longer than this (no start, no progress) were abandoned by a
# worker that died or a message that was lost, and are failed so the user can submit again.
SKILLEVAL_JOB_RUNNING_TIMEOUT_MINUTES = int(env("SKILLEVAL_JOB_RUNNING_TIMEOUT_MINUTES", "30"))
SKILLEVAL_JOB_PENDING_TIMEOUT_MINUTES = int(env("SKILLEVAL_JOB_PENDING_TIMEOUT_MINUTES", "120"))

# Certificates: the public address printed in QR codes, and the public query's limits per
# client and window (free queries, then a captcha each, then refused until the window ends).
SKILLEVAL_PUBLIC_BASE_URL = env("SKILLEVAL_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
SKILLEVAL_CERT_QUERY_WINDOW_SECONDS = int(env("SKILLEVAL_CERT_QUERY_WINDOW_SECONDS", "600"))
SKILLEVAL_CERT_QUERY_FREE = int(env("SKILLEVAL_CERT_QUERY_FREE", "10"))
SKILLEVAL_CERT_QUERY_LIMIT = int(env("SKILLEVAL_CERT_QUERY_LIMIT", "60"))
# Reverse proxies (addresses or CIDR networks, comma-separated; default none) in front of the
# app: only a request from one of them has its client taken from X-Forwarded-For (the
# right-most address that is not a trusted proxy), for the query limits above.
SKILLEVAL_TRUSTED_PROXIES = env_list("SKILLEVAL_TRUSTED_PROXIES", "")
try:
    for _proxy in SKILLEVAL_TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as _error:
    raise ImproperlyConfigured(f"SKILLEVAL_TRUSTED_PROXIES: {_error}（应为以逗号分隔的 IP 地址或网段）") from None
# The cache every server process shares (query counters, captchas): Redis when
# SKILLEVAL_CACHE_URL names one (production), else files in the var dir (no extra service).
SKILLEVAL_CACHE_URL = env("SKILLEVAL_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SKILLEVAL_CACHE_URL}
    if SKILLEVAL_CACHE_URL else
    {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache"),
     "OPTIONS": {"MAX_ENTRIES": 20000}}
}

# Task queue. The embedded default needs no service: Kombu's filesystem transport in ./var.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Daily jobs (core/scheduled.py) at 06:30, before the offices open.
# Abandoned background jobs (core/jobs.py) are failed every 10 minutes.
CELERY_BEAT_SCHEDULE = {"daily": {"task": "core.daily", "schedule": crontab(hour=6, minute=30),
                                  "options": {"expires": 6 * 3600}},
                        "abandoned-jobs": {"task": "core.jobs_abandoned", "schedule": crontab(minute="*/10"),
                                           "options": {"expires": 9 * 60}}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("SKILLEVAL_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

if SKILLEVAL_ENV == "production":
    from .production import *  # noqa: E402,F403

    STORAGES["staticfiles"] = {"BACKEND": STATICFILES_BACKEND}  # noqa: F405
