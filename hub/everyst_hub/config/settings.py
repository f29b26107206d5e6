"""Hub settings, all read from the environment (see .env.example for every variable)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from dotenv import load_dotenv

from everyst_hub.core.static_files import HASHED_ASSET, add_frontend_headers

from .env import ConfigError, env_bool, env_float, env_int, env_list, env_networks, env_str

load_dotenv(env_str("EVERYST_ENV_FILE", ".env"), override=False)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(env_str("EVERYST_DATA_DIR", "var")).resolve()
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
except OSError as exc:
    raise ConfigError(
        f"EVERYST_DATA_DIR={DATA_DIR} cannot be created ({exc.strerror}): create it owned by the hub's user, "
        "or point EVERYST_DATA_DIR at a writable directory."
    ) from exc


def _secret(name: str, filename: str) -> str:
    """A secret from the environment, else one generated once and kept in the data dir."""
    value = env_str(name, "")
    if value:
        return value
    path = DATA_DIR / filename
    try:
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"{path} cannot be created or read ({exc.strerror}): the data dir must belong to the hub's user, "
            f"or set {name}."
        ) from exc


SECRET_KEY = _secret("EVERYST_SECRET_KEY", "secret_key")
JWT_SIGNING_KEY = _secret("EVERYST_JWT_SIGNING_KEY", "jwt_signing_key")
DEBUG = env_bool("EVERYST_DEBUG", False)
ALLOWED_HOSTS = env_list("EVERYST_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("EVERYST_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies whose X-Forwarded-For names the real client (audit, login throttling).
TRUSTED_PROXIES = env_networks("EVERYST_TRUSTED_PROXIES", [])
# Cross-origin API access is closed unless origins are listed (django-cors-headers).
CORS_ALLOWED_ORIGINS = env_list("EVERYST_CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "channels",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "everyst_hub.core",
    "everyst_hub.accounts",
    "everyst_hub.inventory",
    "everyst_hub.metrics",
    "everyst_hub.realtime",
    "everyst_hub.ingest",
    "everyst_hub.audit",
    "everyst_hub.tools",
    "everyst_hub.network",
    "everyst_hub.alerts",
    "everyst_hub.deploy",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything asks for the host or reads the body; after the security headers are set.
    "everyst_hub.core.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, whose files come compressed from the build; sees every API answer.
    "everyst_hub.core.compression.JsonCompressionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Request bodies: the largest legitimate one, a host group of 100,000 host ids, is about 4 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

ROOT_URLCONF = "everyst_hub.config.urls"
ASGI_APPLICATION = "everyst_hub.config.asgi.application"
# Only the API docs page (drf-spectacular) renders a server-side template.
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'everyst.sqlite3'}"), conn_max_age=600
        )
    }
except ValueError as exc:
    raise ConfigError(f"DATABASE_URL is malformed ({exc}): use sqlite:///path or postgres://…") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while ingest writes; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if env_bool("EVERYST_TESTING", False) else 600
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels-redis waits for messages in BZPOPMIN calls of up to 5 s, which redis-py 8's
            # default 5 s read timeout cut short: a TimeoutError ended every agent stream and
            # live socket after 5 s. Longer than those waits, still finite for a Redis that hangs.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "capacity": 5000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "everyst_hub.realtime.layers.EmbeddedChannelLayer",
            "CONFIG": {"capacity": 5000, "expiry": 30},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
FRONTEND_DIST = Path(env_str("EVERYST_FRONTEND_DIST", str(REPO_DIR / "frontend" / "dist")))
# The SPA bundle is served from the site root (/assets/…, /favicon…).
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.is_dir() else None
WHITENOISE_MAX_AGE = 3600
# Hashed build files are cached for good; .br/.gz variants beside them are served by Accept-Encoding.
WHITENOISE_IMMUTABLE_FILE_TEST = HASHED_ASSET
WHITENOISE_ADD_HEADERS_FUNCTION = add_frontend_headers
# Serve app static files (the API docs' assets) straight from the installed packages.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    # API tokens first: that class claims only `Bearer eva_…` and leaves sessions' JWTs to the next.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "everyst_hub.accounts.authentication.ApiTokenAuthentication",
        "everyst_hub.accounts.authentication.SessionJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["everyst_hub.core.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "everyst_hub.core.errors.drf_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Everyst hub API",
    "DESCRIPTION": "REST API of the Everyst hub. Live data flows over the WebSocket /ws/live/ "
    "(docs/protocol.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc assets ship in drf-spectacular-sidecar: nothing is loaded from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "everyst_hub.accounts.models.User.Role",
        "GroupRoleEnum": "everyst_hub.inventory.models.HostGroupAccess.Role",
        "SeverityEnum": "everyst_hub.alerts.models.Severity",
        "ApiTokenRoleEnum": "everyst_hub.accounts.models.ApiToken.Role",
        "ApiTokenStateEnum": "everyst_hub.accounts.serializers.ApiTokenState",
        "MailSecurityEnum": "everyst_hub.alerts.models.MailSettings.Security",
        "MailValueSourceEnum": "everyst_hub.alerts.mail.ValueSource",
        "ChannelKindEnum": "everyst_hub.alerts.models.NotificationChannel.Kind",
        "NetworkEventKindEnum": "everyst_hub.network.models.NetworkEvent.Kind",
        "ScheduleToolEnum": "everyst_hub.network.models.Schedule.Tool",
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env_int("EVERYST_ACCESS_TOKEN_MINUTES", 5, minimum=1, maximum=60)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("EVERYST_REFRESH_TOKEN_DAYS", 7, minimum=1, maximum=90)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
# A rotated refresh token presented again this soon is two tabs racing, not theft (sessions.py).
REFRESH_REUSE_GRACE_SECONDS = env_int("EVERYST_REFRESH_REUSE_GRACE_SECONDS", 10, minimum=0, maximum=300)
# Login throttling (accounts/services.py): free failures per (username, source) and per source,
# then waits doubling from the first delay up to the longest; failures count for the window.
LOGIN_MAX_FAILURES = env_int("EVERYST_LOGIN_MAX_FAILURES", 5, minimum=1, maximum=1000)
LOGIN_MAX_FAILURES_PER_IP = env_int("EVERYST_LOGIN_MAX_FAILURES_PER_IP", 20, minimum=1, maximum=100000)
LOGIN_WINDOW_MINUTES = env_int("EVERYST_LOGIN_WINDOW_MINUTES", 60, minimum=1, maximum=10080)
LOGIN_FIRST_DELAY_SECONDS = env_int("EVERYST_LOGIN_FIRST_DELAY_SECONDS", 30, minimum=1, maximum=3600)
LOGIN_MAX_DELAY_MINUTES = env_int("EVERYST_LOGIN_MAX_DELAY_MINUTES", 15, minimum=1, maximum=1440)
REFRESH_COOKIE_NAME = "everyst_refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth/"
REFRESH_COOKIE_SECURE = env_bool("EVERYST_SECURE_COOKIES", False)

# Security headers; HTTPS-only ones switch on with EVERYST_SECURE_COOKIES behind TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The dashboard loads nothing from other origins; its live socket is same-origin too.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# The API docs page (Swagger UI, assets from drf-spectacular-sidecar, its start-up script served
# as a file by SpectacularSwaggerSplitView): no inline script; Swagger UI sets inline styles.
API_DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = REFRESH_COOKIE_SECURE
CSRF_COOKIE_SECURE = REFRESH_COOKIE_SECURE

# Hub processes of `serve` (a number, or auto: one per core); more than 1 needs PostgreSQL + Redis.
HUB_WORKERS = env_str("EVERYST_HUB_WORKERS", "1")
# Network endpoints of the hub (its workers share them).
HTTP_HOST = env_str("EVERYST_HTTP_HOST", "127.0.0.1")
HTTP_PORT = env_int("EVERYST_HTTP_PORT", 8000, minimum=1, maximum=65535)
GRPC_HOST = env_str("EVERYST_GRPC_HOST", "0.0.0.0")
GRPC_PORT = env_int("EVERYST_GRPC_PORT", 50051, minimum=1, maximum=65535)
GRPC_TLS = env_bool("EVERYST_GRPC_TLS", True)
GRPC_CERT_FILE = env_str("EVERYST_GRPC_CERT_FILE", "")
GRPC_KEY_FILE = env_str("EVERYST_GRPC_KEY_FILE", "")
GRPC_SERVER_NAMES = env_list("EVERYST_GRPC_SERVER_NAMES", [])
GRPC_MAX_MESSAGE_BYTES = env_int(
    "EVERYST_GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, minimum=65536, maximum=64 * 1024 * 1024
)
PUBLIC_GRPC_ADDRESS = env_str("EVERYST_PUBLIC_GRPC_ADDRESS", "")
# The URL other hosts reach the dashboard at (behind a reverse proxy: its https:// URL); install
# commands name it. Unset, they use the address the browser came in by.
PUBLIC_URL = env_str("EVERYST_PUBLIC_URL", "").rstrip("/")
_SITE_URL = r"https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?"
if PUBLIC_URL and not re.fullmatch(_SITE_URL, PUBLIC_URL):
    raise ConfigError(
        f"EVERYST_PUBLIC_URL={PUBLIC_URL!r} is not a site URL: use https://name[:port], with no path."
    )
# The wheel served to new hosts; unset, it is built from this hub's source tree on first request.
AGENT_WHEEL = env_str("EVERYST_AGENT_WHEEL", "")
INGEST_FLUSH_MS = env_int("EVERYST_INGEST_FLUSH_MS", 50, minimum=5, maximum=5000)
# History tiers (see metrics/tiers.py): 1 Hz recent samples, then rollups with avg and max.
METRICS_RECENT_HOURS = env_int("EVERYST_METRICS_RECENT_HOURS", 2, minimum=1, maximum=168)
METRICS_RAW_STEP_SECONDS = env_int("EVERYST_METRICS_RAW_STEP_SECONDS", 15, minimum=2, maximum=60)
METRICS_RAW_DAYS = env_int("EVERYST_METRICS_RAW_DAYS", 7, minimum=1, maximum=365)
METRICS_MINUTE_DAYS = env_int("EVERYST_METRICS_MINUTE_DAYS", 30, minimum=1, maximum=3650)
METRICS_HOUR_DAYS = env_int("EVERYST_METRICS_HOUR_DAYS", 365, minimum=1, maximum=3650)
METRICS_COMPACT_SECONDS = env_int("EVERYST_METRICS_COMPACT_SECONDS", 5, minimum=1, maximum=3600)
# Expiry runs this often, on one replica (the one holding its lock; another takes over when it dies).
METRICS_EXPIRE_SECONDS = env_int("EVERYST_METRICS_EXPIRE_SECONDS", 60, minimum=1, maximum=86400)
# A host counts as online while its stream is open and its last sample is this fresh.
STALE_AFTER_INTERVALS = env_int("EVERYST_STALE_AFTER_INTERVALS", 3, minimum=2, maximum=100)

# Alerts: the host-offline check and rule reload run every ALERTS_TICK_SECONDS; notifications of
# one channel within ALERTS_GROUP_SECONDS of its last message go out together as one; failed
# deliveries are retried after 2^n × the base delay, capped.
ALERTS_TICK_SECONDS = env_float("EVERYST_ALERTS_TICK_SECONDS", 5.0, minimum=0.05, maximum=300.0)
ALERTS_GROUP_SECONDS = env_float("EVERYST_ALERTS_GROUP_SECONDS", 10.0, minimum=0.0, maximum=3600.0)
ALERTS_RETRY_BASE_SECONDS = env_float("EVERYST_ALERTS_RETRY_BASE_SECONDS", 5.0, minimum=0.01, maximum=3600.0)
ALERTS_RETRY_MAX_SECONDS = env_float("EVERYST_ALERTS_RETRY_MAX_SECONDS", 600.0, minimum=0.01, maximum=86400.0)
ALERTS_DELIVERY_TIMEOUT_SECONDS = env_float(
    "EVERYST_ALERTS_DELIVERY_TIMEOUT_SECONDS", 10.0, minimum=0.5, maximum=120.0
)
# Outgoing e-mail (alert notifications), through Django's SMTP backend.
EMAIL_HOST = env_str("EVERYST_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EVERYST_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EVERYST_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EVERYST_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EVERYST_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EVERYST_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("EVERYST_EMAIL_USE_TLS and EVERYST_EMAIL_USE_SSL are both true: keep only one.")
EMAIL_TIMEOUT = env_int("EVERYST_EMAIL_TIMEOUT_SECONDS", 10, minimum=1, maximum=300)
DEFAULT_FROM_EMAIL = env_str("EVERYST_EMAIL_FROM", "everyst@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("EVERYST_LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}
