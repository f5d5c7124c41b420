"""A real deployment: PostgreSQL, Redis, Celery workers and gunicorn behind TLS.
Every value that differs between deployments is an environment variable (see README)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REGISTRY_TLDS, SECRET_KEY, STORAGES, env_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a long random value.")

# The embedded defaults (SQLite, the sandbox registry on loopback) are for trying the product:
# a deployment that forgot one of these must not start and quietly use them.
_RFC_WHERE = (
    ("REGISTRY_URL",)
    if os.environ.get("REGISTRY_TRANSPORT", "tcp") == "https"
    else ("REGISTRY_HOST", "REGISTRY_PORT")
)
# What each registry in use (by REGISTRY_TLDS) needs to be reached as ourselves.
_PER_REGISTRY = {
    "rfc": (*_RFC_WHERE, "REGISTRY_CLIENT_ID", "REGISTRY_PASSWORD", "REGISTRY_CA_FILE"),
    "nask": (
        "REGISTRY_NASK_URL",
        "REGISTRY_NASK_CLIENT_ID",
        "REGISTRY_NASK_PASSWORD",
        "REGISTRY_NASK_CA_FILE",
    ),
}
_REQUIRED = (
    "DATABASE_URL",
    *(name for key in dict.fromkeys(REGISTRY_TLDS.values()) for name in _PER_REGISTRY.get(key, ())),
)
_missing = [name for name in _REQUIRED if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Set " + ", ".join(_missing) + ": production does not fall back to SQLite or the sandbox registry."
    )

DEBUG = False
# Pages link to content-hashed copies of the static files, which WhiteNoise serves as immutable
# for a year: a browser fetches each file once per release.
# A deployment runs collectstatic, which writes the manifest of hashed names; a server started
# on files that were never collected (a benchmark of the pages alone) names a plain storage.
STORAGES = {
    **STORAGES,
    "staticfiles": {
        "BACKEND": os.environ.get("DJANGO_STATICFILES_STORAGE", "config.staticfiles.HashedStaticFilesStorage")
    },
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
