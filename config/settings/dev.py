"""The embedded default: SQLite, no broker, the registry sandbox on loopback."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "1") != "0"
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"  # noqa: F405
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
# runserver serves static files itself; WhiteNoise is for collected files in production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
