"""The audit log: `record()` is called by every service that changes state."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent


def record(
    action: str,
    *,
    actor: Any = None,
    actor_name: str = "",
    outcome: str = "success",
    target: Any = None,
    target_type: str = "",
    target_name: str = "",
    ip: str | None = None,
    **details: Any,
) -> AuditEvent:
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_name = target_name or str(target)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=actor_name or (getattr(actor, "username", "") if actor is not None else ""),
        action=action,
        outcome=outcome,
        target_type=target_type,
        target_id=str(target.pk) if target is not None else "",
        target_name=target_name[:255],
        ip=ip or None,
        details=details,
    )


def client_ip(request: Any) -> str | None:
    """The peer address. Proxies' X-Forwarded-For is not trusted: it is set by the client."""
    meta = getattr(request, "META", {})
    address = meta.get("REMOTE_ADDR") or None
    return str(address) if address else None
