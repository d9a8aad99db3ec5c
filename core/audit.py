"""The audit log of personal data: every view of someone's personal data by
staff tools, every export, every import."""

from __future__ import annotations

from core.models import AuditEvent
from core.security import client_ip


def audit_record(
    *,
    user,
    action: str,
    target=None,
    target_type: str = "",
    detail: dict | None = None,
    request=None,
) -> AuditEvent:
    """Write one event. `target` is a model instance (or give `target_type`)."""
    if target is not None:
        meta = target._meta
        target_type = f"{meta.app_label}.{meta.model_name}"
    return AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        target_type=target_type,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        detail=detail or {},
        ip_address=client_ip(request) if request is not None else None,
    )


def audit_export(*, request, kind: str, fmt: str, filters: dict | None = None):
    return audit_record(
        user=request.user,
        action=AuditEvent.Action.EXPORT,
        target_type=kind,
        detail={"format": fmt, "filters": filters or {}, "path": request.path},
        request=request,
    )
