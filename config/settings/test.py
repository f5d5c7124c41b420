"""Settings the test suite runs with; the database and broker still come from the
environment so that CI runs the same suite on SQLite and on PostgreSQL with Redis."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5
# Each test draws the charts from its own data (tests/portal/test_resolution.py tests the cache).
RESOLUTION_CHARTS_CACHE_SECONDS = 0
# Static files come from the app directories in tests; no collected STATIC_ROOT exists.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os
    import tempfile

    # A database file rather than SQLite's shared in-memory one: threads of one test (the
    # concurrency tests) then wait for the writer's lock instead of failing at once with
    # "database table is locked".
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"regflow-test-{os.getpid()}.sqlite3")
    }
