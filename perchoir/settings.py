"""Every setting of Perchoir, read from environment variables.

The defaults give the embedded layout of `make run`: SQLite, files and mail under `var/`, a secret
key generated once and kept there. The README's configuration table lists every variable.
"""

import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from perchoir.accounts.providers import (
    provider_authorization_origins,
    socialaccount_providers_from_env,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"PERCHOIR_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """Generate the secret key on first start and keep it, so sessions survive a restart."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
TESTING = "pytest" in sys.modules or env_bool("TESTING")
SECRET_KEY = env("SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address people reach the site at, used in links printed by commands and sent by email.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.forms",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.twitter_oauth2",
    "allauth.mfa",
    "ninja",
    "oauth2_provider",
    "perchoir.core",
    "perchoir.accounts",
    "perchoir.invitations",
    "perchoir.media",
    "perchoir.api",
    "perchoir.follows",
    "perchoir.links",
    "perchoir.notifications",
    "perchoir.live",
    "perchoir.conversations",
    "perchoir.oauth",
    "perchoir.collections",
    "perchoir.moderation",
    "perchoir.privacy",
    "perchoir.discovery",
]

MIDDLEWARE = [
    "perchoir.core.observability.RequestIdMiddleware",
    "perchoir.core.metrics.MetricsMiddleware",
    # Before anything reads or writes the database (sessions included): replicas or the primary.
    "perchoir.core.routers.ReplicaRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "perchoir.api.cors.ApiCorsMiddleware",
    "perchoir.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "perchoir.core.middleware.UserLanguageMiddleware",
    # Retried API writes with an Idempotency-Key get the first answer again.
    "perchoir.core.middleware.IdempotencyMiddleware",
    "perchoir.core.middleware.NulCharacterMiddleware",
    "perchoir.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Restricted, suspended and banned people read but do not write (perchoir.moderation).
    "perchoir.moderation.middleware.SanctionMiddleware",
    "perchoir.core.middleware.ApplicationErrorMiddleware",
]

# How long after a moderator's decision the person may appeal it, in days (D5).
MODERATION_APPEAL_DAYS = int(env("MODERATION_APPEAL_DAYS", "183"))

ROOT_URLCONF = "perchoir.urls"
WSGI_APPLICATION = "perchoir.wsgi.application"
ASGI_APPLICATION = "perchoir.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "perchoir.core.context_processors.site",
                "perchoir.notifications.context_processors.unread",
                "perchoir.moderation.context_processors.sanction",
            ],
        },
    }
]

# Forms render through templates/django/forms/ (inline errors, hints, aria attributes); Django's
# own form templates (the "django.forms" app) fill in the rest.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -----------------------------------------------------------------------------------

SQLITE_OPTIONS = {
    # A web server and a worker write at once: WAL, a busy timeout and IMMEDIATE transactions keep
    # SQLite from answering "database is locked".
    "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'perchoir.sqlite3'}"),
        conn_max_age=0 if TESTING else 60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # A file, not memory, so that a real worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# Streaming replicas (docs/decisions/0013): reads of web requests go to a healthy replica, writes,
# transactions, background tasks and the requests of whoever has just written to the primary.


def replica_databases(urls: list[str]) -> dict[str, dj_database_url.DBConfig]:
    """`replica1`, `replica2`, … from PERCHOIR_DATABASE_REPLICA_URLS."""
    replicas: dict[str, dj_database_url.DBConfig] = {}
    for number, url in enumerate(urls, start=1):
        replica = dj_database_url.parse(
            url, conn_max_age=0 if TESTING else 60, conn_health_checks=True
        )
        if replica["ENGINE"] == "django.db.backends.postgresql":
            # A replica that went away must not hold a page for long: it is skipped instead.
            replica.setdefault("OPTIONS", {})["connect_timeout"] = 2
        # The tests have one database: replicas are the primary seen through another connection.
        replica["TEST"] = {"MIRROR": "default"}
        replicas[f"replica{number}"] = replica
    return replicas


DATABASES.update(replica_databases(env_list("DATABASE_REPLICA_URLS")))
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["perchoir.core.routers.ReplicaRouter"]
# Someone who has just written reads from the primary this long (a signed cookie says so).
READ_YOUR_WRITES_SECONDS = float(env("READ_YOUR_WRITES_SECONDS", "5"))
# A replica further behind than this is skipped until it catches up.
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", "2"))
# Adds X-Perchoir-Read-From (the databases a request read from) to every response: for checking
# a deployment, not for a public site.
DATABASE_ROUTING_HEADER = env_bool("DATABASE_ROUTING_HEADER")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits, sessions ---------------------------------------------------------------

REDIS_URL = env("REDIS_URL")
# Parallel test workers (pytest-xdist) share one Redis: each keeps to its own keys.
CACHE_PREFIX = env("CACHE_PREFIX", "perchoir") + (
    os.environ.get("PYTEST_XDIST_WORKER", "") if TESTING else ""
)
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis unreachable: a miss and a logged warning, not a 500 (perchoir.core.cache).
            "BACKEND": "perchoir.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            # A Redis that hangs costs a request at most this long per cache call.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "perchoir_cache",
        }
    }


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit written `<requests>/<seconds>`, e.g. `60/60`: (requests, seconds)."""
    value = env(name, default)
    count, _, seconds = value.partition("/")
    try:
        rate = (int(count), int(seconds))
    except ValueError:
        rate = (0, 0)
    if rate[0] < 1 or rate[1] < 1:
        raise ImproperlyConfigured(
            f"PERCHOIR_{name}={value!r}: write a rate limit as <requests>/<seconds>, e.g. 60/60."
        )
    return rate


# Global rate limits (E4), for the pages and the API alike: every write, and every expensive read
# (a search), counted per person (or per access token) and per address, or per application
# for a third-party application's token.
RATE_LIMITS = {
    "write:person": env_rate("RATE_LIMIT_WRITES", "60/60"),
    "write:address": env_rate("RATE_LIMIT_WRITES_PER_ADDRESS", "300/60"),
    "expensive-read:person": env_rate("RATE_LIMIT_EXPENSIVE_READS", "30/60"),
    "expensive-read:address": env_rate("RATE_LIMIT_EXPENSIVE_READS_PER_ADDRESS", "120/60"),
    "write:app": env_rate("RATE_LIMIT_WRITES_PER_APP", "1200/60"),
    "expensive-read:app": env_rate("RATE_LIMIT_EXPENSIVE_READS_PER_APP", "480/60"),
}

# Rendered fragments (a conversation's page of messages), kept in each process's memory: their
# keys name the live event they reflect, so processes need not share them, and reading a large
# fragment from memory costs less than from Redis or the database.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "perchoir-fragments",
    "OPTIONS": {"MAX_ENTRIES": int(env("FRAGMENT_CACHE_ENTRIES", "500"))},
}

# With Redis, sessions are read from the cache and written through to the database, so that they
# survive Redis going away (the cache then misses and the database answers); without, the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SAMESITE = "Lax"
if SITE_URL.startswith("https://"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    # Probes come from inside, often over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Accounts -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is slow on purpose; tests create hundreds of accounts.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Third-party applications (OAuth 2, django-oauth-toolkit; docs/decisions/0009): the
# authorization-code flow with PKCE always, refresh tokens that rotate and are used once.
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "perchoir.oauth.scopes.PerchoirScopes",
    "PKCE_REQUIRED": True,
    # Plain http only while developing and testing (to loopback addresses, see oauth/services).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG or TESTING else ["https"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "auto",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # RFC 9700's recommendations, all enforced: no implicit or password grant, S256 only,
    # tokens never in query strings, `iss` in the answer, only digests of tokens stored.
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )
    },
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

ACCOUNT_ADAPTER = "perchoir.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "perchoir.accounts.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "handle"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Perchoir] "
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
SOCIALACCOUNT_ADAPTER = "perchoir.accounts.social_adapter.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "perchoir.accounts.forms.SocialSignupForm"}
# Sign-in providers (OpenID Connect, GitHub, Google, X) from PERCHOIR_* variables; apps added in
# the admin work as well. The newcomer always confirms the handle (no automatic sign-up), and an
# account is never found or linked through an email address a provider reports.
SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env(os.environ)
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
# Linking or unlinking a way in asks a password-holder for their password again (recent enough).
SOCIALACCOUNT_REAUTHENTICATION_REQUIRED = True
# The CSP's form-action: starting a sign-in is a POST answered by a redirect to the provider.
CSP_FORM_ACTION = ["'self'", *provider_authorization_origins(SOCIALACCOUNT_PROVIDERS)]
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Perchoir"

# --- Email --------------------------------------------------------------------------------------


def email_settings_from_url(url: str) -> dict[str, object]:
    """Turn PERCHOIR_EMAIL_URL into Django's email settings.

    `smtp://user:password@host:587` (STARTTLS), `smtps://…:465` (TLS), `file:///path`,
    `console:`, `locmem:`. Empty: files under var/mail/.
    """
    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(VAR_DIR / "mail"),
        }
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if parts.scheme in {"console", "locmem", "dummy"}:
        return {"EMAIL_BACKEND": f"django.core.mail.backends.{parts.scheme}.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"PERCHOIR_EMAIL_URL: unknown scheme {parts.scheme!r}")
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp" and query.get("tls", ["1"])[0] != "0",
        "EMAIL_TIMEOUT": 20,
    }


globals().update(email_settings_from_url(env("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "Perchoir <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work ----------------------------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Your data (perchoir.privacy) ---------------------------------------------------------------

# A member's data export can be downloaded this many days, then its file is deleted.
EXPORT_EXPIRY_DAYS = int(env("EXPORT_EXPIRY_DAYS", "7"))
# An account deletion waits this many days; signing in again (or the emailed link) cancels it.
ACCOUNT_DELETION_GRACE_DAYS = int(env("ACCOUNT_DELETION_GRACE_DAYS", "14"))
# The site's policy: what members may choose for what they wrote (anonymise, remove, or both).
ACCOUNT_DELETION_MODES = env_list("ACCOUNT_DELETION_MODES", "anonymise,remove")

# --- Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and media ---------------------------------------------------------------------

STATIC_URL = "/static/"
# perchoir/static/ belongs to the project, not to one app: the finders need to be told.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def s3_storages(bucket: str) -> dict[str, dict[str, Any]]:
    """Media and exports in an S3-compatible bucket (docs/decisions/0013): media under `media/`,
    data exports under `exports/`, never public (they are served to their owner by the app)."""
    from botocore.config import Config

    endpoint = env("S3_ENDPOINT_URL")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "access_key": env("S3_ACCESS_KEY_ID") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
        "region_name": env("S3_REGION", "us-east-1"),
        # Names are never reused: a second file of the same name gets another one.
        "file_overwrite": False,
        "default_acl": None,
        "client_config": Config(
            # Other servers than Amazon's (SeaweedFS, MinIO, Garage) want the bucket in the path.
            s3={"addressing_style": "path" if endpoint else "auto"},
            signature_version="s3v4",
            # A storage that does not answer fails the request in seconds, not minutes.
            connect_timeout=3,
            read_timeout=20,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    }
    return {
        "default": {
            "BACKEND": "perchoir.media.storage.MediaStorage",
            "OPTIONS": {**options, "location": "media"},
        },
        "exports": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "exports"},
        },
    }


S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    STORAGES.update(s3_storages(S3_BUCKET))
    # Where browsers fetch media: a CDN or a proxy in front of the bucket's media/ folder; without
    # it, /media/ on this site, served from the bucket by the app (docs/decisions/0013).
    if env("S3_PUBLIC_URL"):
        MEDIA_URL = env("S3_PUBLIC_URL").rstrip("/") + "/"
# Static files are served from the source tree: no collectstatic step before `make run`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Uploads larger than this are refused before they are read whole.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Media served by the app itself in the embedded layout; a reverse proxy or object storage at scale.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)

# The single media pipeline's limits (perchoir.media).
MEDIA_MAX_UPLOAD_BYTES = int(env("MEDIA_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
MEDIA_MAX_PIXELS = int(env("MEDIA_MAX_PIXELS", str(40_000_000)))

# --- Link previews (perchoir.links) ------------------------------------------------------------

# The safe fetcher never reaches private, loopback or link-local addresses; tests may allow
# loopback so that they can serve pages from 127.0.0.1.
FETCH_ALLOW_LOOPBACK = env_bool("FETCH_ALLOW_LOOPBACK")
FETCH_TIMEOUT_SECONDS = float(env("FETCH_TIMEOUT_SECONDS", "5"))
FETCH_MAX_BYTES = int(env("FETCH_MAX_BYTES", str(2 * 1024 * 1024)))

# --- Live updates (perchoir.live) ---------------------------------------------------------------

# Without Redis, each web process looks for new events in the database this often (seconds).
LIVE_POLL_SECONDS = float(env("LIVE_POLL_SECONDS", "1"))
# An event stream is closed after this long; the browser reconnects with Last-Event-ID.
LIVE_STREAM_MAX_SECONDS = int(env("LIVE_STREAM_MAX_SECONDS", "300"))

# --- Benchmarks (bench/) -----------------------------------------------------------------------

# The load scenarios' baseline page, /bench/baseline/ (perchoir.core.baseline): off on a real site.
BENCH_BASELINE = env_bool("BENCH_BASELINE")

# --- Metrics (perchoir.core.metrics, decision 0014) ----------------------------------------

# Where every process of this machine writes its numbers for /metrics (emptied by nothing: the
# counters of processes that have stopped still count).
METRICS_DIR = Path(env("METRICS_DIR", str(VAR_DIR / "metrics"))) / (
    # Parallel test workers each count their own requests.
    os.environ.get("PYTEST_XDIST_WORKER", "") if TESTING else ""
)
# /metrics answers loopback callers that did not come through a proxy, and with this bearer token.
METRICS_TOKEN = env("METRICS_TOKEN")

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "perchoir.core.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "perchoir.core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env("LOG_FORMAT", "plain") == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
