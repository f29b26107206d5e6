"""The audit log: `record()` is called by every service that changes state."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import unquote

from django.conf import settings

from everyst_hub.core.params import parses

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
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest address
    in X-Forwarded-For that is not one (the header is the client's to write, so only the part
    appended by our own proxies can be believed)."""
    meta = getattr(request, "META", {})
    address = str(meta.get("REMOTE_ADDR") or "") or None
    proxies = settings.TRUSTED_PROXIES
    if not proxies or address is None or not _is_trusted(address, proxies):
        return address
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    for hop in reversed(hops):
        if not parses(ipaddress.ip_address, hop):
            break  # garbage before our proxies' part: the last trusted hop is all we know
        if not _is_trusted(hop, proxies):
            return hop
        address = hop
    return address


def _is_trusted(address: str, proxies: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def peer_ip(peer: str) -> str | None:
    """The address of a gRPC peer ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000"); None for others."""
    # Recent gRPC versions percent-encode the brackets of IPv6 peers.
    kind, _, rest = unquote(peer).partition(":")
    if kind == "ipv4":
        host = rest.rpartition(":")[0]
    elif kind == "ipv6":
        host = rest.rpartition(":")[0].strip("[]")
    else:
        return None
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        return None
