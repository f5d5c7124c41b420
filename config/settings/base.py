"""Settings shared by every environment; every deployment-specific value comes from the
environment so that one code base serves the embedded default and a real deployment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("REGFLOW_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "viewflow",
    "viewflow.workflow",
    "accounts",
    "registry",
    "workflows",
    "transfers",
    "domains",
    "assignments",
    "documents",
    "audit",
    "callers",
    "portal",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.SessionKeepAliveMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'regflow.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Readers must not fail while a writer holds the database: wait instead.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after inactivity and with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(60 * 60 * 8)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Not a write on every request: accounts.middleware.SessionKeepAliveMiddleware moves the expiry
# forward at most every SESSION_REFRESH_EVERY seconds.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_EVERY = int(os.environ.get("DJANGO_SESSION_REFRESH_EVERY", "300"))

# The supervisor's charts of time to resolution are drawn again at most this often (per
# language and worker process; 0 draws them on every page).
RESOLUTION_CHARTS_CACHE_SECONDS = int(os.environ.get("RESOLUTION_CHARTS_CACHE_SECONDS", "300"))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# Failed logins: lock a username+address pair after five failures for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True
# One date format per language (config/formats/), on every page.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_TLS", False)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Rejestrator <bok@localhost>")

# Celery: with no broker configured the same tasks run in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Business timers live in the database; the broker only ever holds short delays, so a
# countdown never outlives the visibility timeout and runs twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "regflow")
# How long a deliverer of an outbox message holds it before another presumes it dead and
# sends it again: longer than any registry command or mail may take.
# A step's wake-up of the outbox relay does not hold a page while the broker is down: it gives
# up at once, and the relay round sends the message.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
# Celery beat's schedule is generated from the periodic rounds the apps register
# (workflows.rounds, config/celery.py); the embedded default runs `manage.py process_registry --loop`.

# Transfers. The sealing key of the authinfo codes customers enter; without it a key is
# derived from SECRET_KEY with a salt of its own.
TRANSFER_SECRET_KEY = os.environ.get("TRANSFER_SECRET_KEY", "")
# Where links in e-mails point.
TRANSFERS_SITE_URL = os.environ.get("REGFLOW_SITE_URL", "http://127.0.0.1:8000")
# Domains whose incoming transfer always goes before the domains team first (high value).
TRANSFERS_REVIEW_DOMAINS = env_list("TRANSFERS_REVIEW_DOMAINS")

# The port of the sandbox's HTTPS door (EPP over HTTPS with a session cookie, as NASK serves it).
REGISTRY_SANDBOX_HTTPS_PORT = int(os.environ.get("REGISTRY_SANDBOX_HTTPS_PORT", "7743"))
# The registry we speak EPP to. The embedded default is the sandbox on loopback.
_REGISTRY_TRANSPORT = os.environ.get("REGISTRY_TRANSPORT", "tcp")
REGISTRY = {
    # "tcp": RFC 5734 at HOST:PORT; "https": one POST per frame to URL, the session in a cookie
    "TRANSPORT": _REGISTRY_TRANSPORT,
    "HOST": os.environ.get("REGISTRY_HOST", "127.0.0.1"),
    "PORT": int(os.environ.get("REGISTRY_PORT", "7700")),
    "URL": os.environ.get("REGISTRY_URL", f"https://127.0.0.1:{REGISTRY_SANDBOX_HTTPS_PORT}/registry/epp"),
    "CLIENT_ID": os.environ.get("REGISTRY_CLIENT_ID", "regflow"),
    "PASSWORD": os.environ.get("REGISTRY_PASSWORD", "sandbox-regflow-pw"),
    # each door of the sandbox has a certificate of its own
    "CA_FILE": os.environ.get(
        "REGISTRY_CA_FILE",
        str(DATA_DIR / "sandbox" / ("https" if _REGISTRY_TRANSPORT == "https" else "") / "cert.pem"),
    ),
    "CLIENT_CERT": os.environ.get("REGISTRY_CLIENT_CERT", ""),
    "CLIENT_KEY": os.environ.get("REGISTRY_CLIENT_KEY", ""),
    "TIMEOUT": float(os.environ.get("REGISTRY_TIMEOUT", "15")),
    # Path of the support frame log; empty turns it off. authInfo and passwords are redacted.
    "FRAME_LOG": os.environ.get("REGISTRY_FRAME_LOG", ""),
    # Check every frame the registry sends against the shipped XSDs (the tests turn it on; a
    # registry that answers with extensions of its own needs their schemas first).
    "VALIDATE_RESPONSES": env_bool("REGISTRY_VALIDATE_RESPONSES", False),
    # Sessions kept logged in (registry.sessions): per worker process, and per registrar across
    # all processes and machines (the registry's own limit, or less).
    "POOL_SIZE": int(os.environ.get("REGISTRY_POOL_SIZE", "2")),
    "MAX_SESSIONS": int(os.environ.get("REGISTRY_MAX_SESSIONS", "4")),
    # Seconds an idle session waits for a <hello>: below the registry's idle timeout.
    "KEEPALIVE": float(os.environ.get("REGISTRY_KEEPALIVE", "60")),
    # Seconds a command waits for a session when all are in use.
    "SESSION_WAIT": float(os.environ.get("REGISTRY_SESSION_WAIT", "20")),
}
# The .pl registry (NASK): EPP over HTTPS, a POST per frame, the session in a cookie.
REGISTRY_NASK = {
    "TRANSPORT": "https",
    "URL": os.environ.get(
        "REGISTRY_NASK_URL", f"https://127.0.0.1:{REGISTRY_SANDBOX_HTTPS_PORT}/registry/epp"
    ),
    "CLIENT_ID": os.environ.get("REGISTRY_NASK_CLIENT_ID", "regflow"),
    "PASSWORD": os.environ.get("REGISTRY_NASK_PASSWORD", "sandbox-regflow-pw"),
    "CA_FILE": os.environ.get("REGISTRY_NASK_CA_FILE", str(DATA_DIR / "sandbox" / "https" / "cert.pem")),
    "CLIENT_CERT": os.environ.get("REGISTRY_NASK_CLIENT_CERT", ""),
    "CLIENT_KEY": os.environ.get("REGISTRY_NASK_CLIENT_KEY", ""),
    "TIMEOUT": float(os.environ.get("REGISTRY_NASK_TIMEOUT", "15")),
    "FRAME_LOG": os.environ.get("REGISTRY_NASK_FRAME_LOG", os.environ.get("REGISTRY_FRAME_LOG", "")),
    "VALIDATE_RESPONSES": env_bool("REGISTRY_VALIDATE_RESPONSES", False),
}
# Which registry keeps each TLD, by profile (registry/profiles.py): "rfc" speaks RFC 5730-5734
# with the connection in REGISTRY, "nask" speaks NASK's dialect with REGISTRY_NASK.
REGISTRY_TLDS = dict(
    pair.split("=", 1)
    for pair in os.environ.get("REGISTRY_TLDS", "pl=nask,com=rfc,net=rfc,eu=rfc").split(",")
    if "=" in pair
)
REGISTRY_SANDBOX_DIR = Path(os.environ.get("REGISTRY_SANDBOX_DIR", DATA_DIR / "sandbox"))
# Where the sandbox's NASK writes the e-mails a registry sends (transfer confirmations), as .eml
REGISTRY_SANDBOX_MAIL_DIR = Path(os.environ.get("REGISTRY_SANDBOX_MAIL_DIR", DATA_DIR / "mail"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Documents that reach us (documents.sanitize): limits on what one upload may be. A scan of
# the signed pages at 300 dpi is well inside all of them.
DOCUMENT_UPLOAD_MAX_BYTES = int(os.environ.get("DOCUMENT_UPLOAD_MAX_MB", "20")) * 1024 * 1024
DOCUMENT_MAX_PDF_PAGES = int(os.environ.get("DOCUMENT_MAX_PDF_PAGES", "30"))
# An A4 page at 600 dpi is 35 megapixels.
DOCUMENT_MAX_IMAGE_PIXELS = int(os.environ.get("DOCUMENT_MAX_IMAGE_MEGAPIXELS", "40")) * 1_000_000
# What all compressed streams of one PDF may unpack to: 30 greyscale A4 pages at 300 dpi
# stored losslessly come to about 260 MB; a decompression bomb goes far beyond.
DOCUMENT_MAX_INFLATED_BYTES = int(os.environ.get("DOCUMENT_MAX_INFLATED_MB", "300")) * 1024 * 1024
# Stored documents are personal data: readable by the application's user and group only.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
