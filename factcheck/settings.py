"""The desk's only settings module.

Every value comes from the environment (or a `.env` file beside manage.py, when present) and has
a working default, so `check`, `migrate`, the demo and the tests run on a new machine with no
services: SQLite under the project and Celery tasks run in process. Setting `DATABASE_URL` and
`REDIS_URL` switches to a real database and real Celery workers. Every variable is documented in
`.env.example` and the README.
"""

from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# --- core -------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-dev-only-key-change-me-0b7f3c1e9a4d4e5f8a6b2c7d9e0f1a2b",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "factcheck.apps.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "factcheck.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "factcheck.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"

# --- database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web server and in-process jobs at once: write-ahead logging
    # lets readers and the writer proceed together, IMMEDIATE transactions avoid "database is
    # locked" on lock upgrades, and NORMAL sync is safe with WAL (no corruption on power loss).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Web processes: seconds a connection is kept between requests. Each thread of a threaded server
# holds its own, so keep this 0 under ASGI (Django's advice) or a server that starts a thread per
# request; a pool of worker threads (gunicorn gthread) holds at most one per thread.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# Celery worker processes: the same, applied when a worker starts (factcheck/celery.py). A worker
# runs one task at a time per pool slot, so it holds at most one connection per slot; reopening a
# connection per job cost more than the job itself. Checked before each job's first query
# (CONN_HEALTH_CHECKS) and closed after a job that failed. 0 closes it after every job.
FACTCHECK_WORKER_CONN_MAX_AGE = env.int("FACTCHECK_WORKER_CONN_MAX_AGE", default=600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the apps when collectstatic has not run (demo, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded import batches are kept here (any Django storage backend works in production).
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# --- security (production values come from the environment) ----------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
)
X_FRAME_OPTIONS = "DENY"

# --- uploads ----------------------------------------------------------------------------------
FACTCHECK_IMPORT_MAX_FILE_BYTES = env.int("FACTCHECK_IMPORT_MAX_FILE_BYTES", default=5 * 1024**2)
FACTCHECK_IMPORT_MAX_ZIP_BYTES = env.int("FACTCHECK_IMPORT_MAX_ZIP_BYTES", default=100 * 1024**2)
FACTCHECK_IMPORT_MAX_ZIP_MEMBERS = env.int("FACTCHECK_IMPORT_MAX_ZIP_MEMBERS", default=10_000)
# Batches with at least this many files go to a Celery job when uploaded through the admin.
FACTCHECK_IMPORT_ASYNC_MIN_FILES = env.int("FACTCHECK_IMPORT_ASYNC_MIN_FILES", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2

# --- consensus --------------------------------------------------------------------------------
# Checked at start-up by articles/checks.py (articles.E001 and on); the method is a name in the
# registry, articles/consensus/methods.py.
FACTCHECK_CONSENSUS_METHOD = env.str("FACTCHECK_CONSENSUS_METHOD", default="calibrated")
FACTCHECK_CONSENSUS_MIN_ANNOTATIONS = env.int("FACTCHECK_CONSENSUS_MIN_ANNOTATIONS", default=3)
FACTCHECK_CONSENSUS_THRESHOLD = env.float("FACTCHECK_CONSENSUS_THRESHOLD", default=0.8)
# Annotators with fewer annotations than this are weighted by a smoothed accuracy, not by their
# full confusion matrix.
FACTCHECK_RELIABILITY_MIN_HISTORY = env.int("FACTCHECK_RELIABILITY_MIN_HISTORY", default=20)
FACTCHECK_ANNOTATORS_PER_CLAIM = env.int("FACTCHECK_ANNOTATORS_PER_CLAIM", default=3)
# The sweep that catches up claims whose consensus job was lost: how often, and at most how many
# claims per run.
FACTCHECK_STALE_SWEEP_SECONDS = env.float("FACTCHECK_STALE_SWEEP_SECONDS", default=60.0)
FACTCHECK_STALE_SWEEP_BATCH = env.int("FACTCHECK_STALE_SWEEP_BATCH", default=500)
# How long the admin index's desk-wide counts (contested, ready, unassigned...) are kept in the
# cache before the next visit recounts them (they scan claims and assignments).
FACTCHECK_DESK_COUNTS_SECONDS = env.int("FACTCHECK_DESK_COUNTS_SECONDS", default=60)

# --- claim finding (articles/claimfinding) ------------------------------------------------------
# Least check-worthiness score for a sentence to be suggested as a claim.
FACTCHECK_SUGGEST_MIN_SCORE = env.float("FACTCHECK_SUGGEST_MIN_SCORE", default=2.0)
# Least similarity (0-1) to propose a sentence as an appearance of a claim on file, and least
# average similarity of the sentences of one import proposed as one new claim.
FACTCHECK_MATCH_MIN_SIMILARITY = env.float("FACTCHECK_MATCH_MIN_SIMILARITY", default=0.25)
FACTCHECK_CLUSTER_MIN_SIMILARITY = env.float("FACTCHECK_CLUSTER_MIN_SIMILARITY", default=0.15)
# Queue the claim-finding job after each import commits.
FACTCHECK_CLAIMFINDING_ON_IMPORT = env.bool("FACTCHECK_CLAIMFINDING_ON_IMPORT", default=True)

# A burst of ratings on one claim is one recompute: a rating's job is not queued while another
# job for the same claim is queued and not yet started (a key per claim on the broker, see
# articles/tasks/coalescing.py). The key expires after this many seconds in case its job is lost
# (the stale sweep recomputes such a claim anyway); 0 queues a job for every change.
FACTCHECK_CONSENSUS_COALESCE_SECONDS = env.int("FACTCHECK_CONSENSUS_COALESCE_SECONDS", default=300)

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# No result backend: no caller reads a task's result or state (jobs write their outcome to the
# database: Consensus rows, ConsensusRun, ImportBatch, webhook deliveries), so storing one per
# task would only be a Redis write per job and keys piling up.
CELERY_TASK_IGNORE_RESULT = True
# Without a broker, tasks run in process so a laptop needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# Celery's Django support closes the database connection before and after every task unless
# this is set, and then closes it every this many tasks regardless of CONN_MAX_AGE. The worker's
# own handlers (factcheck/celery.py) manage the connection instead: kept for
# FACTCHECK_WORKER_CONN_MAX_AGE, health-checked before each task, closed after a failed one.
CELERY_DB_REUSE_MAX = 10_000
# Fail fast when the broker is down: the caller marks the claim stale instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    # A task taken by a worker that died before acknowledging it (acks_late) goes back to the
    # queue after this many seconds; keep it above the longest task's run time.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A save queues its claim's job after commit; when Redis is down the claim stays marked stale and
# the sweep catches it up, so a publish gets one quick retry (a blip), not the default three.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.05,
    "interval_max": 0.05,
}
# The result backend has its own retry policy (20 retries, about 19 s when Redis is down),
# applied to every `.delay()` of a task whose result is kept: bound it like the broker's.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2.0
CELERY_REDIS_SOCKET_TIMEOUT = 10.0
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.05}
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "recompute-stale-claims": {
        "task": "articles.tasks.claims_stale_recompute_task",
        "schedule": FACTCHECK_STALE_SWEEP_SECONDS,
    },
    "full-consensus-recompute": {
        "task": "articles.tasks.consensus_full_recompute_task",
        "schedule": crontab(minute="17", hour="*"),
    },
}

# --- cache ------------------------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- REST framework and the API -------------------------------------------------------------
REST_FRAMEWORK = {
    # The token class comes first: an anonymous request is answered 401 with a
    # `WWW-Authenticate: Token` challenge (the session class has no challenge to offer).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "articles.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "articles.api.pagination.DeskPageNumberPagination",
    "PAGE_SIZE": env.int("FACTCHECK_API_PAGE_SIZE", default=50),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "articles.api.schema.DeskAutoSchema",
    "EXCEPTION_HANDLER": "articles.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("FACTCHECK_THROTTLE_ANON", default="60/minute"),
        "user": env.str("FACTCHECK_THROTTLE_USER", default="1200/minute"),
        # Per API token (per user for sessions): the verdict export in every format.
        "export": env.str("FACTCHECK_THROTTLE_EXPORT", default="120/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Articles, claims, annotations and published verdicts of the fact-check desk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the installed drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "LabelEnum": "articles.models.Label",
        "ConsensusStatusEnum": "articles.models.ConsensusStatus",
        "ClaimStatusEnum": "articles.models.Claim.Status",
        "ImportJobStatusEnum": "articles.models.ImportBatch.Status",
        "VerdictStatusEnum": [("published", "Published"), ("retracted", "Retracted")],
        "ImportResultStatusEnum": ["imported", "duplicate", "rejected"],
        "ArticleImportStatusEnum": ["imported", "duplicate"],
    },
}
# Published verdicts readable without signing in (GET /api/v1/verdicts/ and its details).
FACTCHECK_API_PUBLIC_VERDICTS = env.bool("FACTCHECK_API_PUBLIC_VERDICTS", default=False)
# Rows fetched per round trip of the export's cursor where the export is not a COPY (SQLite).
FACTCHECK_API_EXPORT_CHUNK_ROWS = env.int("FACTCHECK_API_EXPORT_CHUNK_ROWS", default=2000)
# The publishing organisation of ClaimReview JSON-LD, and the public URL of a verdict
# (placeholders {claim_id}, {verdict_id}, {version}).
FACTCHECK_CLAIMREVIEW_ORGANIZATION_NAME = env.str(
    "FACTCHECK_CLAIMREVIEW_ORGANIZATION_NAME", default="factcheck desk"
)
FACTCHECK_CLAIMREVIEW_ORGANIZATION_URL = env.str(
    "FACTCHECK_CLAIMREVIEW_ORGANIZATION_URL", default="https://factcheck.example.org/"
)
FACTCHECK_CLAIMREVIEW_URL = env.str(
    "FACTCHECK_CLAIMREVIEW_URL", default="https://factcheck.example.org/claims/{claim_id}/"
)

# --- webhooks ---------------------------------------------------------------------------------
FACTCHECK_WEBHOOK_TIMEOUT_SECONDS = env.float("FACTCHECK_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Failed deliveries are retried after 2, 4, 8, ... seconds (capped), for at most the window.
FACTCHECK_WEBHOOK_BACKOFF_SECONDS = env.float("FACTCHECK_WEBHOOK_BACKOFF_SECONDS", default=2.0)
FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS = env.float(
    "FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0
)
FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS = env.float(
    "FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS", default=24 * 3600.0
)

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
    "loggers": {
        "articles": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # trafilatura logs every page it finds too short; our importer reports that itself.
        "trafilatura": {"level": "CRITICAL"},
        # The in-process broker of the embedded default announces itself on every connection.
        "kombu": {"level": "ERROR"},
    },
}
