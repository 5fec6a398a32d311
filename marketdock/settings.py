"""marketdock settings. Everything is driven by environment variables; nothing differs per file.

- DATABASE_URL   default: SQLite file under ./var (WAL, IMMEDIATE transactions)
- REDIS_URL      when set, jobs use RedisHuey (many worker machines); otherwise SqliteHuey under ./var
- MARKETDOCK_VAR where data lives (SQLite db, uploads, job db, keys); default ./var
- SECRET_KEY, MARKETDOCK_FERNET_KEY: generated into ./var on first run when not given
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MARKETDOCK_VAR", BASE_DIR / "var")).resolve()
if os.environ.get("PYTEST_XDIST_WORKER"):  # each test process its own SQLite files, job queue and media
    VAR_DIR = VAR_DIR / os.environ["PYTEST_XDIST_WORKER"]


def _restrict_var_dir(root: Path) -> None:
    """./var holds the database, its journal, the job queue, mail, SMS log, uploads and keys: only the
    owner may read it (directories 0700, files 0600). New files get that from the umask that manage.py,
    `marketdock serve`/`worker` and wsgi.py set (0077); what already exists is tightened here."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        if here == root / "static":  # collected static files are public by nature
            dirnames[:] = []
            continue
        for path, mode in [(here, 0o700)] + [(here / name, 0o600) for name in filenames]:
            try:
                if not path.is_symlink() and path.stat().st_mode & 0o077:
                    path.chmod(mode)
            except OSError:
                pass  # not ours (or gone meanwhile): leave it


_restrict_var_dir(VAR_DIR)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _file_secret(name: str, make) -> str:
    """Read a secret from ./var, creating it (mode 600) on first run."""
    path = VAR_DIR / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _file_secret("secret_key", lambda: secrets.token_urlsafe(50))
FERNET_KEYS = [
    k.strip()
    for k in (
        os.environ.get("MARKETDOCK_FERNET_KEY") or _file_secret("fernet.key", lambda: Fernet.generate_key().decode())
    ).split(",")
    if k.strip()
]
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
VERSION = __import__("marketdock").__version__
# Reverse proxies whose X-Forwarded-For is believed when logging client IPs (comma-separated addresses).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "bootstrap",
    "axes",
    "huey.contrib.djhuey",
    "csp",
    "ninja",  # the API docs page serves Swagger UI from the package's static files (no CDN, CSP-safe)
    "marketdock.core",
    "marketdock.catalog",
    "marketdock.inventory",
    "marketdock.channels",
    "marketdock.sandbox",
    "marketdock.orders",
    "marketdock.shipping",
    "marketdock.outbox",
    "marketdock.listings",
    "marketdock.claims",
    "marketdock.settlement",
    "marketdock.analytics",
    "marketdock.api",
    "marketdock.saas",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketdock.core.middleware.CompanyMiddleware",
    "marketdock.core.middleware.ForcePasswordChangeMiddleware",
    "marketdock.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "marketdock.urls"
WSGI_APPLICATION = "marketdock.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "marketdock" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketdock.core.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'marketdock.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"  # 64 MB page cache per connection
        ),
    }
    # Tests use a file too: the in-memory shared cache fails concurrent writers (consumer threads,
    # live server) with "table is locked" instead of waiting like WAL does in production.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "marketdock.core.validators.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# django-axes: 5 consecutive failures per username lock the account until an admin unlocks it.
AXES_ENABLED = _env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_TIME = None
AXES_LOCKOUT_TEMPLATE = "core/auth/locked.html"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
# Locking is per username on purpose (the seller rule: 5 wrong passwords lock *the account*).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# axes records the same client address as the access log (X-Forwarded-For only from TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "marketdock.core.services.client_ip"
# Throttling before any lock (so nobody can lock someone else's account from one address): failed
# sign-ins counted over a sliding window from the access log (shared by every web worker) — per client
# IP, and per IP + username below AXES_FAILURE_LIMIT (reset by a successful sign-in). A throttled
# attempt is answered 429 without checking the password.
LOGIN_THROTTLE_WINDOW_SECONDS = int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", str(15 * 60)))
LOGIN_THROTTLE_PER_IP = int(os.environ.get("LOGIN_THROTTLE_PER_IP", "10"))
LOGIN_THROTTLE_PER_IP_USERNAME = int(os.environ.get("LOGIN_THROTTLE_PER_IP_USERNAME", "4"))
# 비밀번호 찾기: a 6-digit code valid 10 minutes; requests per IP and codes per user per hour.
PASSWORD_RESET_CODE_MINUTES = 10
PASSWORD_RESET_PER_IP = int(os.environ.get("PASSWORD_RESET_PER_IP", "10"))
PASSWORD_RESET_CODES_PER_USER = 5

# --- i18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "marketdock" / "locale"]
TIME_ZONE = "Asia/Seoul"  # shown in KST; stored in UTC (USE_TZ)
USE_I18N = True
USE_TZ = True
# Never group digits automatically: ids in URLs and attributes would render as "1,808".
# Money and counts are grouped explicitly with |intcomma or the won filters.
USE_THOUSAND_SEPARATOR = False
DATE_INPUT_FORMATS = ["%Y-%m-%d"]

# --- static / media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "marketdock.core.staticfinders.PackagedFileFinder",  # plotly.js from the plotly package (no CDN)
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# --- e-mail / SMS ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "marketdock <no-reply@marketdock.local>")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "marketdock.core.sms.LogSmsBackend")
SMS_SENDER = os.environ.get("SMS_SENDER", "")  # the operator's verified number for system messages
# SOLAPI (SMS_BACKEND=marketdock.core.sms.SolapiSmsBackend)
SOLAPI_API_KEY = os.environ.get("SOLAPI_API_KEY", "")
SOLAPI_API_SECRET = os.environ.get("SOLAPI_API_SECRET", "")
SOLAPI_BASE_URL = os.environ.get("SOLAPI_BASE_URL", "https://api.solapi.com")

# --- delivery tracking (marketdock.shipping.tracking_provider) --------------------------------
MARKETDOCK_SANDBOX_URL = os.environ.get("MARKETDOCK_SANDBOX_URL", "http://127.0.0.1:8010")
# API addresses channel accounts may use besides the marketplaces' official hosts ("host" or "host:port",
# comma-separated): a test server, the demo sandbox (`make run` lists it). Nothing else internal.
MARKETDOCK_ALLOWED_API_HOSTS = [h.strip() for h in os.environ.get("MARKETDOCK_ALLOWED_API_HOSTS", "").split(",")
                                if h.strip()]
TRACKING_PROVIDER = os.environ.get("TRACKING_PROVIDER", "marketdock.shipping.tracking_provider.SandboxTrackingProvider")

# --- jobs (Huey) ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("HUEY_NAME", "marketdock"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("WORKER_THREADS", "4")), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "marketdock",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("WORKER_THREADS", "4")), "worker_type": "thread"},
    }
WORKER_STALE_AFTER_SECONDS = 120
# The outbox's first retry waits this long (then doubling, capped at 1 h; ±20 % jitter).
OUTBOX_BACKOFF_BASE_SECONDS = float(os.environ.get("MARKETDOCK_OUTBOX_BACKOFF_SECONDS", "30"))
# One collection page of a company at a time (a PostgreSQL advisory lock per company), on top of the
# row locks; `marketdock bench workers` measures both ways (README, "several workers").
COLLECT_PAGE_PER_COMPANY = _env_bool("MARKETDOCK_COLLECT_PAGE_PER_COMPANY", False)

# --- security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts only from our own static files (htmx and Bootstrap are
# served locally) — no inline <script>, no on* attributes, no eval. Inline style attributes stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# HTTPS: set SECURE_SSL=1 when the site is served over HTTPS (directly, or behind a proxy that sends
# X-Forwarded-Proto: https — then also SECURE_PROXY_SSL_HEADER=1). Turns on the HTTP→HTTPS redirect,
# HSTS and Secure session/CSRF cookies. See the README's production section.
SECURE_SSL = _env_bool("SECURE_SSL", False)
if _env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if SECURE_SSL:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Query parameters whose values never reach a log (buyer search terms: phone, name, free text…).
LOG_REDACTED_QUERY_PARAMS = ("q", "phone", "name", "buyer", "buyer_name", "buyer_phone", "recipient", "receiver",
                             "email", "contact", "address", "tracking_no", "search", "keyword")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- webhooks and retention (saas) ------------------------------------------------------------
# Webhook receivers must be https and public. Hosts the operator allows over plain http
# (comma-separated), and whether private/loopback receivers are allowed (tests and the demo only).
MARKETDOCK_WEBHOOK_HTTP_HOSTS = [h.strip() for h in os.environ.get("MARKETDOCK_WEBHOOK_HTTP_HOSTS", "").split(",")
                                 if h.strip()]
MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = _env_bool("MARKETDOCK_WEBHOOK_ALLOW_PRIVATE", False)
# Days after delivery or cancellation before buyer personal data is purged (README, "보관 기간");
# a company's own value (set by the operator) overrides it.
MARKETDOCK_BUYER_DATA_DAYS = int(os.environ.get("MARKETDOCK_BUYER_DATA_DAYS", "90"))
