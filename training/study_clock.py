"""Honest study time: the lesson page hands out a signed start time; when the
learner marks the lesson studied, the browser reports how long the page was
visible, and we credit no more than the time that really passed since the page
was served (a client cannot claim more than the wall clock allows)."""

from __future__ import annotations

import time

from django.core import signing

_SALT = "training.study-clock"
MAX_AGE = 24 * 60 * 60


def start_token() -> str:
    return signing.dumps(int(time.time()), salt=_SALT)


def credited_seconds(token: str, claimed: str | int | None) -> int:
    """min(visible seconds the browser claims, seconds since the page was served)."""
    try:
        started = signing.loads(token or "", salt=_SALT, max_age=MAX_AGE)
        claimed = int(claimed or 0)
    except (signing.BadSignature, TypeError, ValueError):
        return 0
    elapsed = max(0, int(time.time()) - int(started))
    return max(0, min(claimed, elapsed))
