"""Settings for one Tongban node, read from environment variables.

Every setting a deployment changes comes from a ``TONGBAN_*`` variable; the defaults
run the embedded configuration (SQLite, database task queue, local files) that
``make demo`` uses.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("TONGBAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("TONGBAN_DEBUG", False)
SECRET_KEY = os.environ.get("TONGBAN_SECRET_KEY", "tongban-development-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = [h for h in os.environ.get("TONGBAN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
# Anonymous POST /api/v1/licences/verify answered by a lean WSGI lane (tongban.licences.fastlane, ADR 0018).
LICENCE_VERIFY_FAST_LANE = _env_bool("TONGBAN_LICENCE_VERIFY_FAST_LANE", True)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("TONGBAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# The region this node serves (GB/T 2260 code) and the URL peers reach it at.
TONGBAN_REGION = os.environ.get("TONGBAN_REGION", "120000")
TONGBAN_BASE_URL = os.environ.get("TONGBAN_BASE_URL", "http://127.0.0.1:8000")
TONGBAN_STANDARDS_DIR = Path(os.environ.get("TONGBAN_STANDARDS_DIR", BASE_DIR.parent / "shared" / "standards"))
TONGBAN_OCDS_PREFIX = os.environ.get("TONGBAN_OCDS_PREFIX", "ocds-tongbn")  # registered OCID prefix
TONGBAN_FILES_DIR = Path(os.environ.get("TONGBAN_FILES_DIR", VAR_DIR / "files"))
# Federation (ADR 0013): accepted clock skew, outbox retries with exponential backoff, HTTP timeout,
# and the least time between two key refreshes of a peer triggered by an unknown key id.
TONGBAN_FEDERATION_SKEW_SECONDS = float(os.environ.get("TONGBAN_FEDERATION_SKEW_SECONDS", "300"))
TONGBAN_FEDERATION_MAX_ATTEMPTS = int(os.environ.get("TONGBAN_FEDERATION_MAX_ATTEMPTS", "8"))
TONGBAN_FEDERATION_BACKOFF_SECONDS = float(os.environ.get("TONGBAN_FEDERATION_BACKOFF_SECONDS", "5"))
TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS = float(os.environ.get("TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS", "3600"))
TONGBAN_FEDERATION_TIMEOUT = float(os.environ.get("TONGBAN_FEDERATION_TIMEOUT", "10"))
TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = float(os.environ.get("TONGBAN_FEDERATION_KEY_REFRESH_SECONDS", "10"))
# Messages the worker sends to a peer in one POST to its batch endpoint (each still signed on its own).
TONGBAN_FEDERATION_BATCH_SIZE = int(os.environ.get("TONGBAN_FEDERATION_BATCH_SIZE", "100"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "tongban.core",
    "tongban.regions",
    "tongban.accounts",
    "tongban.catalog",
    "tongban.cases",
    "tongban.supervision",
    "tongban.licences",
    "tongban.sharing",
    "tongban.hotline",
    "tongban.federation",
    "tongban.homelogin",
    "tongban.forwarding",
    "tongban.trading",
    "tongban.web",
    "oauth2_provider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tongban.accounts.sessions.SessionMaxAgeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tongban.core.middleware.RequestContextMiddleware",
    "tongban.core.privacy.PersonalDataReadMiddleware",
    "tongban.core.middleware.TextInputMiddleware",
]

ROOT_URLCONF = "tongban.urls"
WSGI_APPLICATION = "tongban.wsgi.application"

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
                "tongban.web.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("TONGBAN_DATABASE_URL", f"sqlite:///{VAR_DIR / 'tongban.sqlite3'}"),
        conn_max_age=int(os.environ.get("TONGBAN_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool("TONGBAN_DB_PREPARE", True):
    # Django's cursors bind parameters client-side and never prepare; this lets the hot reads
    # that ask for it (the catalog search) use prepared statements. Turn it off behind a
    # transaction-pooling PgBouncer older than 1.21.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5

# Covering indexes (INCLUDE) serve PostgreSQL's index-only scans; on SQLite they are plain
# indexes, which is all the embedded default needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Counters of failed guesses (tongban.core.throttle): shared by every process of the node. The
# database by default (its table is made by core's migration 0003); Redis when the node runs on
# several machines (TONGBAN_THROTTLE_CACHE_URL=redis://host:6379/1, with the ``redis`` package).
_THROTTLE_CACHE_URL = os.environ.get("TONGBAN_THROTTLE_CACHE_URL", "")
THROTTLE_CACHE_TABLE = "tongban_throttle_cache"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _THROTTLE_CACHE_URL, "TIMEOUT": 900}
        if _THROTTLE_CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": THROTTLE_CACHE_TABLE,
            "TIMEOUT": 900,
        }
    ),
    # Search answers keyed by the search index's generation, read from the database on every
    # request, so per-process memory stays correct behind a load balancer (catalog/search_cache.py).
    "search": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tongban-search",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Apache ECharts from the npm registry (package.json), served as /static/vendor/echarts/echarts.min.js.
STATICFILES_DIRS = [("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist")]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": TONGBAN_FILES_DIR},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Notifications (tongban.accounts.notifications): comma list of console, file, smtp, sms.
TONGBAN_NOTIFY_BACKENDS = [b.strip() for b in os.environ.get("TONGBAN_NOTIFY_BACKENDS", "file").split(",") if b.strip()]
TONGBAN_NOTIFY_FILE = Path(os.environ.get("TONGBAN_NOTIFY_FILE", VAR_DIR / "notifications.log"))
TONGBAN_SMS_GATEWAY_URL = os.environ.get("TONGBAN_SMS_GATEWAY_URL", "")
TONGBAN_SMS_API_KEY = os.environ.get("TONGBAN_SMS_API_KEY", "")
TONGBAN_SMS_SENDER = os.environ.get("TONGBAN_SMS_SENDER", "TONGBAN")
TONGBAN_SMS_SIGNATURE = os.environ.get("TONGBAN_SMS_SIGNATURE", "通办")
TONGBAN_SMS_TIMEOUT = float(os.environ.get("TONGBAN_SMS_TIMEOUT", "5"))
EMAIL_HOST = os.environ.get("TONGBAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("TONGBAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("TONGBAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TONGBAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("TONGBAN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("TONGBAN_EMAIL_FROM", "tongban@localhost")

SESSION_COOKIE_AGE = int(os.environ.get("TONGBAN_SESSION_SECONDS", str(30 * 60)))
TONGBAN_SESSION_MAX_SECONDS = int(os.environ.get("TONGBAN_SESSION_MAX_SECONDS", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("TONGBAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Browsers share cookies between ports of one host: nodes run side by side on one machine (the
# three-node demo) need cookie names of their own, e.g. TONGBAN_COOKIE_PREFIX=tongban110000_.
TONGBAN_COOKIE_PREFIX = os.environ.get("TONGBAN_COOKIE_PREFIX", "")
SESSION_COOKIE_NAME = TONGBAN_COOKIE_PREFIX + "sessionid"
CSRF_COOKIE_NAME = TONGBAN_COOKIE_PREFIX + "csrftoken"

# OpenID Connect provider (django-oauth-toolkit) at /o/; see tongban.accounts.oidc.
from tongban.accounts.oidc_keys import load_or_create_rsa_key  # noqa: E402

# Named so that models may point at it (accounts.PeerLoginClient); the default of django-oauth-toolkit.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": load_or_create_rsa_key(
        Path(os.environ.get("TONGBAN_OIDC_RSA_KEY_FILE", VAR_DIR / "oidc-rsa.pem"))
    ),
    "OIDC_ISS_ENDPOINT": os.environ.get("TONGBAN_OIDC_ISSUER", ""),
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "OAUTH2_VALIDATOR_CLASS": "tongban.accounts.oidc.TongbanOAuth2Validator",
    "SCOPES": {
        "openid": _("Sign you in (your account kind and home region)"),
        "profile": _("Your name, masked ID number and the enterprises you act for"),
        "phone": _("Your mobile phone number"),
        "email": _("Your email address"),
        # Only for peer regions' nodes (accounts.scopes): they keep an account for the resident (ADR 0015).
        "id_number": _("Your full ID number (for the node of another region you log in at)"),
    },
    "SCOPES_BACKEND_CLASS": "tongban.accounts.scopes.TongbanScopes",
    "DEFAULT_SCOPES": ["openid"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REQUEST_APPROVAL_PROMPT": "auto",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TONGBAN_LOG_LEVEL", "WARNING")},
    "loggers": {"jieba": {"level": "ERROR"}},
}
