"""The desk's only settings module.

Every value comes from the environment (or a `.env` file beside manage.py, when present) and has
a working default, so `check`, `migrate`, the demo and the tests run on a new machine with no
services: SQLite under the project and Celery tasks run in process. Setting `DATABASE_URL` and
`REDIS_URL` switches to a real database and real Celery workers. Every variable is documented in
`.env.example` and the README.
"""

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ

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
    "axes",
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
    # Last: turns a login refused for a locked-out account into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
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
# Web processes on PostgreSQL share a bounded pool of connections (psycopg_pool through Django):
# a request borrows one and gives it back when it ends, so a process never holds more than
# DATABASE_POOL_MAX_SIZE, whatever its threads (runserver starts one per request; gunicorn's
# gthread keeps --threads of them). A request that finds every connection busy waits up to
# DATABASE_POOL_TIMEOUT seconds, then gets the "try again" page (503), as when the database is
# down. PostgreSQL must allow processes x DATABASE_POOL_MAX_SIZE, plus one per Celery worker slot.
# DATABASE_POOL_MAX_SIZE=0 turns the pool off (e.g. behind PgBouncer); a connection is then kept
# DATABASE_CONN_MAX_AGE seconds per thread, which suits a fixed set of threads only.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=8)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections, not the threads
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=2), DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Celery worker processes keep their own connection instead of the pool, set when a worker starts
# (factcheck/celery.py). A worker runs one task at a time per slot, so it holds at most one
# connection per slot; reopening a connection per job cost more than the job itself. Checked
# before each job's first query (CONN_HEALTH_CHECKS) and closed after a job that failed. 0 closes
# it after every job.
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
# Login throttling (django-axes, database handler: counts shared by every process). After
# FACTCHECK_LOGIN_FAILURE_LIMIT failed sign-ins for one username, that account's sign-in is
# refused, the right password included, for FACTCHECK_LOGIN_COOLOFF_MINUTES from the failure that
# locked it (failures during the lock do not extend it); a successful sign-in before the limit
# resets the count. Locked by username, not address: a newsroom behind one address is not locked
# out by one person's typos, and guessing from many addresses does not multiply the attempts.
# `manage.py axes_reset_username NAME` lifts a lock at once. API tokens are random keys with no
# password login (the API's throttles cap guessing).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("FACTCHECK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("FACTCHECK_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "articles.admin.lockout.locked_out_response"
# axes.W006 warns that a lockout without the address can be dodged by changing User-Agent or
# cookies. Not with the username alone: the failures of every record with that username are
# added up, whatever the agent or address (tests/admin/test_login_throttling.py shows it).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

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
# An import commits its articles in groups of at most this many files (or half a second of
# reading): fewer commits, and a batch job's recorded progress moves a group at a time.
FACTCHECK_IMPORT_GROUP_FILES = env.int("FACTCHECK_IMPORT_GROUP_FILES", default=50)
# Batches with at least this many files go to a Celery job when uploaded through the admin.
FACTCHECK_IMPORT_ASYNC_MIN_FILES = env.int("FACTCHECK_IMPORT_ASYNC_MIN_FILES", default=50)
# A batch job that died: after this many seconds without progress and without a job holding
# it, the periodic check (every minute) queues the batch again, at most this many times in all.
FACTCHECK_IMPORT_STALL_SECONDS = env.int("FACTCHECK_IMPORT_STALL_SECONDS", default=300)
FACTCHECK_IMPORT_MAX_ATTEMPTS = env.int("FACTCHECK_IMPORT_MAX_ATTEMPTS", default=3)
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
# The sweep recomputes every claim marked stale, in batches: queued after each change commits
# (coalesced) and by beat every FACTCHECK_STALE_SWEEP_SECONDS in case a change could not queue
# one. A batch is one transaction of at most FACTCHECK_STALE_SWEEP_BATCH claims; one sweep job
# runs batches for FACTCHECK_STALE_SWEEP_BUDGET_SECONDS, then queues the next job for the rest.
FACTCHECK_STALE_SWEEP_SECONDS = env.float("FACTCHECK_STALE_SWEEP_SECONDS", default=60.0)
FACTCHECK_STALE_SWEEP_BATCH = env.int("FACTCHECK_STALE_SWEEP_BATCH", default=500)
FACTCHECK_STALE_SWEEP_BUDGET_SECONDS = env.float(
    "FACTCHECK_STALE_SWEEP_BUDGET_SECONDS", default=10.0
)
# How often beat recounts the desk-wide snapshots (the index's and adjudication queue's counts,
# the overview's tallies, the annotators' screening: they scan the big tables, so no visit does).
# On the embedded desk (no beat) a visit recounts them once they are older than this.
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

# A burst of ratings is a few batched sweeps: a change queues no sweep while another sweep is
# queued and not yet started (a key on the broker, see articles/tasks/coalescing.py). The key
# expires after this many seconds in case its message is lost (beat's sweep catches the claims
# up anyway); 0 queues a sweep for every change.
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
# --- Celery jobs: what a crash costs ---
# Short jobs (the consensus sweep, contradictions, webhook deliveries, the import check) are
# acknowledged after they run: a job whose worker dies is handed out again. A prefork child
# killed under a job is noticed by its parent at once and the job goes straight back to the
# queue (REJECT_ON_WORKER_LOST). A whole worker that dies (machine lost, SIGKILL, out of
# memory) cannot say anything: Redis hands its unacknowledged jobs to another worker once they
# are CELERY_VISIBILITY_TIMEOUT seconds old, checked every 10 s by every running worker, or
# when a worker starts. So a crash delays a short job by at most the visibility timeout plus
# 10 s: 5 minutes by default.
# The catch (Celery's Redis caveats): a job still unacknowledged after the timeout is handed to
# a second worker even if the first is alive and busy with it. Hence every short job's hard
# time limit, plus the longest retry countdown it waits out holding its message, stays below
# the visibility timeout, and so does every job's longest retry countdown (a job waits it out
# holding its message): articles.E009 checks both at start-up.
# Long jobs (the full recompute, import batches, claim finding after an import) can run longer
# than that, so they are acknowledged when they start and never redelivered; each recovers by
# its own means: the full recompute runs hourly (and two never overlap: a job lock), an import
# batch left without its job is queued again by the periodic check (resuming after its last
# file) or marked failed, and claim finding's suggestions are also computed live on the
# article page.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
# The longest wait between two retries of a job after a lost connection (1, 2, 4 ... seconds).
FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS = env.int(
    "FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS", default=60
)
# The long jobs' own time limit (the soft one a minute earlier).
FACTCHECK_LONG_JOB_TIME_LIMIT = env.int("FACTCHECK_LONG_JOB_TIME_LIMIT", default=3600)
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
    # See "what a crash costs" above.
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    # Look for jobs past the timeout every 10 s (by default kombu scans every 10th time, 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A save queues a sweep after commit; when Redis is down the claim stays marked stale and
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
# The beat schedule (which task runs when) is set on the app, in factcheck/celery.py.

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
# Failed deliveries are retried after 2, 4, 8, ... seconds (capped), for at most the window. The
# cap stays below the visibility timeout: a retry waits in its worker holding its message.
FACTCHECK_WEBHOOK_BACKOFF_SECONDS = env.float("FACTCHECK_WEBHOOK_BACKOFF_SECONDS", default=2.0)
FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS = env.float(
    "FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS", default=120.0
)
FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS = env.float(
    "FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS", default=24 * 3600.0
)

# --- logging ----------------------------------------------------------------------------------
# Every record is redacted before a handler sees it: URL passwords, API keys, Authorization
# values, session and CSRF cookies, password/secret/token fields (factcheck/log_redaction.py).
LOGGING_CONFIG = "factcheck.log_redaction.configure_logging"
DEFAULT_EXCEPTION_REPORTER_FILTER = "factcheck.log_redaction.SecretsReporterFilter"
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
        # SQL with its parameters (session keys, webhook secrets) stays out of the logs whatever
        # DJANGO_LOG_LEVEL says; connection.queries shows it under DEBUG.
        "django.db.backends": {"level": "INFO"},
    },
}
