"""Django settings for HexaBuilders.

Every value that differs between machines comes from an environment variable read
through ``hexabuilders.env``. Without ``DATABASE_URL`` and ``REDIS_URL`` the
project runs in its embedded mode: SQLite, tasks run in-process, an in-memory
channel layer and a local-memory cache. With them it runs the full stack.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from hexabuilders import env

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env file is for development machines; real environment variables win.
if not env.read_bool("HEXA_IGNORE_DOTENV", False):
    load_dotenv(BASE_DIR / ".env", override=False)

DEBUG = env.read_bool("HEXA_DEBUG", False)
TESTING = env.read_bool("HEXA_TESTING", False)

# Only development and test runs may fall back to a throwaway key and local hosts.
_DEVELOPMENT_KEY = "hexabuilders-development-key-never-use-in-production-7f3c9a1e5d"
SECRET_KEY = env.read_str("HEXA_SECRET_KEY", _DEVELOPMENT_KEY if DEBUG or TESTING else env.MISSING)
if SECRET_KEY == _DEVELOPMENT_KEY and not (DEBUG or TESTING):
    raise ImproperlyConfigured("HEXA_SECRET_KEY must be set when HEXA_DEBUG is off.")
ALLOWED_HOSTS = env.read_list(
    "HEXA_ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG or TESTING else env.MISSING,
)
CSRF_TRUSTED_ORIGINS = env.read_list("HEXA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "channels",
    "import_export",
    "django_countries",
    "hexabuilders",
    "partners",
    "onboarding",
    "recruitment",
    "campaigns",
    "notifications",
]

MIDDLEWARE = [
    "hexabuilders.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hexabuilders.urls"
WSGI_APPLICATION = "hexabuilders.wsgi.application"
ASGI_APPLICATION = "hexabuilders.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite for the embedded mode, anything dj-database-url parses otherwise.
DATABASE_URL = env.read_str("DATABASE_URL", "")
if DATABASE_URL:
    # Under daphne every request runs its sync code in a new thread, so persistent
    # connections (CONN_MAX_AGE) would open one connection per request and leak it.
    # Connections therefore close after each request unless Django's psycopg pool,
    # the reuse Django documents for ASGI servers, is switched on.
    DATABASE_POOL = env.read_bool("HEXA_DATABASE_POOL", False)
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASE_POOL:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
else:
    SQLITE_PATH = Path(env.read_str("HEXA_SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis feeds the cache, the Celery broker and the channel layer in the full stack.
REDIS_URL = env.read_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "hexabuilders.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hexa",
            # Without timeouts a hung Redis would hang every request that touches the cache.
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 5},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same time
                # channels-redis blocks in BZPOPMIN on an idle channel, so a slightly slow
                # reply crashed the consumer (close code 1011). Allow twice that.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                "prefix": "hexa:channels",
            },
        }
    }
else:
    # The cache keeps one key per visitor for the unique-click window, so Django's default
    # of 300 entries would forget visitors within minutes and count repeats as unique.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in by username or e-mail in any letter case, for the portal and the admin alike.
AUTHENTICATION_BACKENDS = ["partners.backends.UsernameOrEmailBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:profile"
LOGOUT_REDIRECT_URL = "portal:login"

# Spanish first; English second. Times are stored in UTC and shown in Bogotá time.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
# Our catalog comes first, then Spanish for third-party messages the packages leave in English.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-overrides"]
TIME_ZONE = env.read_str("HEXA_TIME_ZONE", "America/Bogota")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "hexa_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.read_str("HEXA_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
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

# E-mail goes to the console unless an SMTP host is configured.
EMAIL_HOST = env.read_str("HEXA_EMAIL_HOST", "")
EMAIL_BACKEND = env.read_str(
    "HEXA_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.read_int("HEXA_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.read_str("HEXA_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.read_str("HEXA_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.read_bool("HEXA_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env.read_int("HEXA_EMAIL_TIMEOUT", 10, minimum=1)
# Absolute links in e-mails (invitations, password resets sent by jobs) start with this.
PUBLIC_URL = env.read_str("HEXA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.read_str("HEXA_DEFAULT_FROM_EMAIL", "HexaBuilders <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: tasks run in-process when there is no broker.
CELERY_BROKER_URL = env.read_str("HEXA_CELERY_BROKER_URL", REDIS_URL or "memory://localhost//")
CELERY_TASK_ALWAYS_EAGER = env.read_bool("HEXA_TASKS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "campaigns.tasks.*": {"queue": "ingest"},
    "notifications.tasks.*": {"queue": "notifications"},
}
# A retry countdown never exceeds EVENTS_RETRY_MAX_DELAY, and the visibility timeout must
# stay longer than any countdown, or Redis would hand a delayed task to a second worker.
EVENTS_MAX_ATTEMPTS = env.read_int("HEXA_EVENTS_MAX_ATTEMPTS", 8, minimum=1)
EVENTS_RETRY_BASE_DELAY = env.read_int("HEXA_EVENTS_RETRY_BASE_DELAY", 10, minimum=1)
EVENTS_RETRY_MAX_DELAY = env.read_int("HEXA_EVENTS_RETRY_MAX_DELAY", 3600, minimum=1)
EVENTS_RELAY_GRACE_SECONDS = env.read_int("HEXA_EVENTS_RELAY_GRACE_SECONDS", 30, minimum=0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(4 * 3600, 2 * EVENTS_RETRY_MAX_DELAY),
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "max_retries": 1,
}
# A request that publishes an event must not hang when the broker is down: the
# outbox row is committed and the relay delivers it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "hexabuilders.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "hexabuilders.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hexabuilders.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["hexabuilders.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.read_str("HEXA_API_KEY_RATE", "600/minute"),
    },
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    # drf-spectacular 0.30 turns lazy strings into text while it builds each schema,
    # in the language of the request or of its ?lang= parameter, which the docs page sends.
    "TITLE": _("HexaBuilders API"),
    "DESCRIPTION": _(
        "Partner-facing API. Authenticate with an API key: `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our static files: no page may depend on a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Campaigns API: one schema enum name per choice set, because several models have
# "status" and "kind" fields with different choices.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "CampaignKindEnum": "campaigns.models.Campaign.Kind",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "EnrollmentStatusEnum": "campaigns.models.Enrollment.Status",
        "ConversionStatusEnum": "campaigns.models.Conversion.Status",
    }
)

# Production hardening; each value can be relaxed for a proxy that terminates TLS elsewhere.
SECURE_SSL_REDIRECT = env.read_bool("HEXA_SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.read_bool("HEXA_BEHIND_TLS_PROXY", False) else None
)
SECURE_HSTS_SECONDS = env.read_int("HEXA_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not (DEBUG or TESTING)
CSRF_COOKIE_SECURE = not (DEBUG or TESTING)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

LOG_LEVEL = env.read_choice("HEXA_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hexabuilders.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default logging gives "django" a console handler of its own (active
        # while DEBUG is on), and its records also reach the root's, so every request
        # line was written twice. Without handlers here, only the root writes them.
        "django": {"handlers": []},
        "django.db.backends": {"level": "INFO"},
        # In-process tasks would log one line per task run; workers keep the default.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else LOG_LEVEL},
    },
}

# Health checks probe these; storage is checked by writing and deleting a small file.
HEALTH_CHECK_TIMEOUT = env.read_int("HEXA_HEALTH_CHECK_TIMEOUT", 3, minimum=1)

# Serve static files from the app folders without collectstatic in development and tests.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Click redirect /t/<code>: where refused clicks go, which proxies may set the
# visitor's address and country, and how clicks are stored (see campaigns/tracking.py).
CLICK_FALLBACK_URL = env.read_str("HEXA_CLICK_FALLBACK_URL", "/")
TRUSTED_PROXIES = env.read_list("HEXA_TRUSTED_PROXIES", [])
TRUSTED_COUNTRY_HEADER = env.read_str("HEXA_TRUSTED_COUNTRY_HEADER", "")
CLICK_RECORDING = env.read_choice("HEXA_CLICK_RECORDING", ("insert", "buffer"), "insert")
CLICK_LINK_CACHE_SECONDS = env.read_int("HEXA_CLICK_LINK_CACHE_SECONDS", 30, minimum=1)
CLICK_SYNCHRONOUS_COMMIT = env.read_bool("HEXA_CLICK_SYNCHRONOUS_COMMIT", True)

# Conversion postbacks: how far, in seconds, an HMAC-signed postback's timestamp may be
# from the server's clock, in the past or the future (see campaigns/postbacks.py).
POSTBACK_MAX_SKEW = env.read_int("HEXA_POSTBACK_MAX_SKEW", 300, minimum=1, maximum=86400)

# Campaign metrics ingestion: rows per fold batch, and the window in which click and
# postback recording share one queued fold (0 folds after every event).
CAMPAIGNS_FOLD_BATCH_SIZE = env.read_int("HEXA_FOLD_BATCH_SIZE", 10000, minimum=1)
CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = env.read_int(
    "HEXA_FOLD_DEBOUNCE_SECONDS", 0 if CELERY_TASK_ALWAYS_EAGER else 1, minimum=0
)

# Live campaign metrics: the least time between two snapshots of one campaign sent over
# its WebSocket groups (see campaigns/live.py).
LIVE_METRICS_INTERVAL_MS = env.read_int("HEXA_LIVE_METRICS_INTERVAL_MS", 1000, minimum=100)
