"""Settings, read from the environment.

DEBUG is on only when CUNCUN_DEBUG=1 (make demo sets it). Outside DEBUG the server refuses to start
without SECRET_KEY or CUNCUN_PII_KEY (one sentence, from `cuncun.manage`), and cookies are secure
with HSTS on.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cuncun.core.crypto import GENERATE_KEY, decode_master_key, development_master_key

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CUNCUN_VAR_DIR", Path.cwd() / "var"))


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("CUNCUN_DEBUG")


def _local_secret_key() -> str:
    """For DEBUG without SECRET_KEY: a random key made once on this machine and kept in var/
    (readable by its owner only). A constant in the source would let anyone sign a demo's
    sessions and the sandbox gateway's "paid" notifications; a key made anew at each start would
    differ between the server and the task worker."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = VAR_DIR / f"secret_key.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(50))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: when two processes start at once, one key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set it in the environment (or CUNCUN_DEBUG=1 for local use)."
        )
    SECRET_KEY = _local_secret_key()

# The master key that seals resident ID numbers (cuncun.core.crypto). Outside DEBUG it must be
# given: one derived from SECRET_KEY would lose every ID number the day SECRET_KEY changes.
CUNCUN_PII_KEY = os.environ.get("CUNCUN_PII_KEY", "").strip()
if not CUNCUN_PII_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CUNCUN_PII_KEY is not set: set it in the environment (make one with: "
            f"{GENERATE_KEY}), or CUNCUN_DEBUG=1 for local use."
        )
    CUNCUN_PII_KEY = development_master_key(SECRET_KEY)
# Keys replaced by CUNCUN_PII_KEY, kept (comma-separated) until `cuncun rotate_pii_key` has run.
CUNCUN_PII_OLD_KEYS = [
    k.strip() for k in os.environ.get("CUNCUN_PII_OLD_KEYS", "").split(",") if k.strip()
]
decode_master_key(CUNCUN_PII_KEY)  # a malformed key stops the start, saying how to make one
for _old in CUNCUN_PII_OLD_KEYS:
    decode_master_key(_old, "CUNCUN_PII_OLD_KEYS")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs (Swagger UI) from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "axes",  # wrong passwords counted per account and per address (accounts.lockout)
    # cuncun's rooms, in the order they may depend on each other (arrows point down only)
    "cuncun.core",
    "cuncun.regions",
    "cuncun.accounts",
    "cuncun.plans",
    "cuncun.network",
    "cuncun.merchants",
    "cuncun.catalog",
    "cuncun.promotions",
    "cuncun.trace",
    "cuncun.logistics",
    "cuncun.orders",
    "cuncun.training",
    "cuncun.tourism",
    "cuncun.financing",
    "cuncun.monitoring",
    "cuncun.oversight",
    "cuncun.funds",
    "cuncun.portal",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id, and /metrics counts every answer.
    "cuncun.core.observability.RequestIdMiddleware",
    "cuncun.core.observability.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cuncun.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for a slow village link (static files come compressed from whitenoise);
    # Django pads each with random bytes against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cuncun.core.middleware.ChineseByDefaultMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cuncun.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it answers a locked-out login (accounts.lockout.locked_out).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cuncun.urls"
WSGI_APPLICATION = "cuncun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cuncun.core.context.layout",
                "cuncun.core.context.navigation",
                "cuncun.portal.context.home",
                "cuncun.orders.context.assisted",
            ],
        },
    }
]

# SQLite (one file under var/, WAL mode) unless DATABASE_URL names another database.
_sqlite_default = f"sqlite:///{VAR_DIR / 'cuncun.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _sqlite_default), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue instead of failing half-way with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if os.environ.get("CUNCUN_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["CUNCUN_TEST_DB_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The lockout backend first: it refuses a locked account or address before any password is
# checked, on every door that calls authenticate() (the login page, /admin/login/, the API).
AUTHENTICATION_BACKENDS = [
    "cuncun.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:start"  # each role to its own work (portal.homes)
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout: after this many wrong passwords in a row an account is locked for a while.
CUNCUN_LOGIN_MAX_FAILURES = int(os.environ.get("CUNCUN_LOGIN_MAX_FAILURES", "5"))
CUNCUN_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("CUNCUN_LOGIN_LOCKOUT_MINUTES", "15"))
# django-axes keeps the count in the database (shared by every app server), per account and, on
# its own, per address: guessing many accounts from one address locks the address too.
AXES_FAILURE_LIMIT = CUNCUN_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=CUNCUN_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # "in a row": a right password starts the count again
AXES_LOCKOUT_CALLABLE = "cuncun.accounts.lockout.locked_out"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# A deployment (and `make demo`, and the page-weight bench) names a root and runs collectstatic:
# the files are then compressed (gzip; brotli too where installed) and named by their hash, so
# whitenoise serves them compressed with a year-long cache and a new version gets a new name.
# Without a root (the tests, a bare runserver) whitenoise serves them from the apps as they are.
STATIC_ROOT = os.environ.get("CUNCUN_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_ROOT
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploads are never served from a public folder: each app's view checks who may see the file
# (core.files). Behind nginx, set this to the path of nginx's `internal` location for MEDIA_ROOT
# (e.g. /protected-media/): the view then answers X-Accel-Redirect and nginx sends the bytes.
CUNCUN_MEDIA_ACCEL = os.environ.get("CUNCUN_MEDIA_ACCEL", "").strip()
if CUNCUN_MEDIA_ACCEL and not (
    CUNCUN_MEDIA_ACCEL.startswith("/") and CUNCUN_MEDIA_ACCEL.endswith("/")
):
    raise ImproperlyConfigured(
        "CUNCUN_MEDIA_ACCEL must be a path that starts and ends with /, such as /protected-media/."
    )

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Several app servers share one Redis (CUNCUN_REDIS_URL, e.g. redis://127.0.0.1:6379/0): the cache,
# the sessions (cached_db: read from Redis, written through to the database so a Redis restart logs
# nobody out) and the rate limits. Without it (one server, the tests) each process has its own
# memory cache and sessions live in the database. The login lockout stays in the database either
# way (django-axes' database handler): it must survive a Redis restart and the office unlocks it.
REDIS_URL = os.environ.get("CUNCUN_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CUNCUN_CACHE_PREFIX", "cuncun"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Browsers then never try plain http to the site, not even the first time.
    SECURE_HSTS_PRELOAD = _flag("SECURE_HSTS_PRELOAD", "1")
    SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every answer (core.middleware.ContentSecurityPolicyMiddleware): every
# script and stylesheet is a static file of this site, so none inline, no eval (htmx is told so in
# core/htmx.html) and no framing (as X-Frame-Options). `data:` images: the API docs' stylesheet
# (Swagger UI) draws its icons with them. CUNCUN_CSP replaces the whole policy; empty sends none.
CUNCUN_CSP = os.environ.get(
    "CUNCUN_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Outside DEBUG, logs are one JSON object a line (time, level, logger, message, request_id) for a
# log collector; CUNCUN_LOG_FORMAT=text gives plain lines. The request id comes from the proxy's
# X-Request-ID header when it sends one (nginx: $request_id), so both logs join up.
LOG_FORMAT = os.environ.get("CUNCUN_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cuncun.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "cuncun.core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CUNCUN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# /api/health says "degraded" when the oldest due task has waited longer than this (seconds).
CUNCUN_HEALTH_MAX_TASK_LAG = int(os.environ.get("CUNCUN_HEALTH_MAX_TASK_LAG", "300"))
# A task RUNNING longer than this (seconds) is taken as abandoned by a dead worker and put back
# in the queue by `cuncun requeue_stale_tasks`; longer than the longest task (a 10,000-row roster).
CUNCUN_TASK_STALE_SECONDS = int(os.environ.get("CUNCUN_TASK_STALE_SECONDS", "900"))


def _rate(name: str, default: str) -> tuple[int, int]:
    count, seconds = os.environ.get(f"CUNCUN_RATE_{name}", default).split("/")
    return int(count), int(seconds)


# Attempts per client and window ("count/seconds") at the doors a script could hammer; counted in
# the cache, shared by every app server when CUNCUN_REDIS_URL is set (core.ratelimit).
CUNCUN_RATE_LIMITS = {
    "login": _rate("LOGIN", "30/300"),  # per address; wrong passwords also lock (django-axes)
    "signup": _rate("SIGNUP", "10/3600"),  # per address
    "carrier_api": _rate("CARRIER_API", "600/60"),  # per key or account: batches of events
    # Failures only: wrong pickup codes per counter account (each parcel also locks after 5),
    # so that nobody tries codes across a whole shelf.
    "pickup_code": _rate("PICKUP_CODE", "20/600"),
    # Failures only, per address: check-ins that matched no trainee (the way to probe who is
    # registered). A classroom shares one address and each first-timer fails once before
    # registering, hence a limit above a class's size.
    "checkin": _rate("CHECKIN", "60/600"),
}
# /metrics answers a scraper with this bearer token; without one, only requests from this machine.
CUNCUN_METRICS_TOKEN = os.environ.get("CUNCUN_METRICS_TOKEN", "")

# Demo mode: pages carry a banner that the people in them are invented.
CUNCUN_DEMO = _flag("CUNCUN_DEMO")

# SMS: the default gateway keeps messages in the outbox (admin) — never a silent no-op.
CUNCUN_SMS_GATEWAY = os.environ.get("CUNCUN_SMS_GATEWAY", "cuncun.core.sms.OutboxGateway")
