"""A registry of demo-data steps. Each app contributes steps in its own demo.py;
`manage.py load_demo` runs them in order. Steps must be idempotent."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings


@dataclass
class DemoContext:
    password: str
    password_source: str
    logins: list[tuple[str, str]] = field(
        default_factory=list
    )  # (username, role label)
    log: Callable[[str], None] = print


_steps: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def step(order: int, name: str):
    def decorator(func):
        if not any(existing == name for _o, existing, _f in _steps):
            _steps.append((order, name, func))
        return func

    return decorator


def steps():
    return sorted(_steps, key=lambda s: s[0])


def demo_password() -> tuple[str, str]:
    """DEMO_PASSWORD if set; else one generated once and kept in .demo-password."""
    if settings.DEMO_PASSWORD:
        return settings.DEMO_PASSWORD, "DEMO_PASSWORD"
    path = Path(settings.BASE_DIR) / ".demo-password"
    if path.exists():
        return path.read_text().strip(), str(path)
    password = "Demo-" + secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    os.chmod(path, 0o600)
    return password, str(path)
