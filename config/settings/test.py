"""Test run: SQLite unless DATABASE_URL says otherwise (CI runs PostgreSQL too)."""

from .base import *

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = BASE_DIR / ".test-media"
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test-private"
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_MEDIA_ROOT
WAGTAILADMIN_BASE_URL = "http://testserver"
AXES_FAILURE_LIMIT = 5
LOGGING = {"version": 1, "disable_existing_loggers": False}
