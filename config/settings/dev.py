"""Local development: `make run`. Debug on, a fixed insecure key, console e-mail."""

from .base import *

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Serve static files straight from the finders: no collectstatic in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
