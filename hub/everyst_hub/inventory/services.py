"""Inventory actions: enrollment, agent authentication, host facts and connection state."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from everyst.agent.v1 import agent_pb2

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from everyst_hub.realtime.publish import publish_host_sync, send_to_agent_sync

from .models import Agent, EnrollmentToken, Host, HostGroup


def hash_secret(secret: str) -> str:
    # Secrets are 256-bit random values, so a fast hash is enough (as for API tokens): there
    # is nothing to brute-force, and agents authenticate on every reconnect.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class EnrollmentTokenCreated:
    token: EnrollmentToken
    raw: str


def create_enrollment_token(
    *,
    created_by: Any = None,
    ttl: timedelta = timedelta(hours=1),
    uses: int = 1,
    group: HostGroup | None = None,
    description: str = "",
) -> EnrollmentTokenCreated:
    if uses < 1:
        raise InvalidInput("An enrollment token needs at least one use.")
    raw = "evt_" + secrets.token_urlsafe(32)
    token = EnrollmentToken.objects.create(
        token_hash=hash_secret(raw),
        expires_at=timezone.now() + ttl,
        uses_left=uses,
        group=group,
        created_by=created_by,
        description=description,
    )
    return EnrollmentTokenCreated(token=token, raw=raw)


def issue_enrollment_token(
    *,
    actor: Any,
    ttl: timedelta,
    uses: int,
    description: str = "",
    group: HostGroup | None = None,
    group_name: str = "",
    ip: str | None = None,
) -> EnrollmentTokenCreated:
    """An admin's enrollment token; `group_name` names a host group, created if missing (as the CLI)."""
    with transaction.atomic():
        if group is None and group_name:
            group = HostGroup.objects.get_or_create(name=group_name)[0]
        created = create_enrollment_token(
            created_by=actor, ttl=ttl, uses=uses, group=group, description=description
        )
        token = created.token
        record(
            "enrollment_token.created",
            actor=actor,
            target=token,
            target_name=_token_name(token),
            ip=ip,
            uses=token.uses_left,
            expires_at=token.expires_at.isoformat(),
            group=group.name if group else None,
        )
    return created


def delete_enrollment_token(token_id: int, *, actor: Any, ip: str | None = None) -> None:
    with transaction.atomic():
        token = EnrollmentToken.objects.select_for_update().filter(id=token_id).first()
        if token is None:
            raise NotFound("Enrollment token not found.")
        # Recorded before the delete, while the token still has its id.
        record(
            "enrollment_token.deleted",
            actor=actor,
            target=token,
            target_name=_token_name(token),
            ip=ip,
            uses_left=token.uses_left,
        )
        token.delete()


def _token_name(token: EnrollmentToken) -> str:
    return token.description or f"enrollment token {token.id}"


def revoke_agent(agent_id: object, actor: Any, *, ip: str | None = None) -> Agent:
    """Revoke an agent's credential: it can no longer authenticate. Revoking twice changes nothing."""
    try:
        parsed = uuid.UUID(str(agent_id))
    except ValueError as exc:
        raise NotFound("Agent not found.") from exc
    with transaction.atomic():
        agent = Agent.objects.select_for_update().select_related("host").filter(id=parsed).first()
        if agent is None:
            raise NotFound("Agent not found.")
        if agent.revoked_at is None:
            agent.revoked_at = timezone.now()
            agent.save(update_fields=["revoked_at"])
            record(
                "agent.revoked",
                actor=actor,
                target=agent,
                target_name=f"agent of {agent.host.hostname}",
                ip=ip,
                host=str(agent.host_id),
                hostname=agent.host.hostname,
            )
    # Whichever hub replica holds the agent's stream closes it now.
    send_to_agent_sync(agent.host_id, {"type": "agent.revoked", "agent_id": str(agent.id)})
    return agent


@dataclass(frozen=True)
class Enrolled:
    agent: Agent
    secret: str


def enroll_agent(raw_token: str, facts: agent_pb2.HostFacts) -> Enrolled:
    """Trade an enrollment token for a new agent credential on a (new or known) host."""
    if not raw_token:
        raise Unauthenticated("An enrollment token is required.")
    with transaction.atomic():
        token = EnrollmentToken.objects.select_for_update().filter(token_hash=hash_secret(raw_token)).first()
        if token is None:
            raise Unauthenticated("Unknown enrollment token.")
        if token.expires_at <= timezone.now():
            raise Unauthenticated("This enrollment token has expired.")
        if token.uses_left < 1:
            raise Unauthenticated("This enrollment token has been used up.")
        token.uses_left -= 1
        token.save(update_fields=["uses_left"])
        host = Host.objects.filter(machine_id=facts.machine_id).first() if facts.machine_id else None
        if host is None:
            host = Host(hostname=facts.hostname or "unnamed")
        _apply_facts(host, facts)
        host.save()
        if token.group_id:
            host.groups.add(token.group_id)
        secret = secrets.token_urlsafe(32)
        agent = Agent.objects.create(host=host, secret_hash=hash_secret(secret))
    publish_host_sync(host_summary(host))
    return Enrolled(agent=agent, secret=secret)


def authenticate_agent(agent_id: str, secret: str) -> Agent:
    try:
        parsed = uuid.UUID(agent_id)
    except ValueError as exc:
        raise Unauthenticated("Unknown agent.") from exc
    agent = Agent.objects.select_related("host").filter(id=parsed).first()
    # Compare against a dummy hash for unknown ids so timing does not reveal which ids exist.
    expected = agent.secret_hash if agent else hash_secret(secrets.token_hex(8))
    if not hmac.compare_digest(expected, hash_secret(secret)) or agent is None:
        raise Unauthenticated("Unknown agent or wrong secret.")
    if agent.revoked_at is not None:
        raise Unauthenticated("This agent has been revoked.")
    return agent


def _apply_facts(host: Host, facts: agent_pb2.HostFacts) -> None:
    host.hostname = facts.hostname[:255] or host.hostname
    host.machine_id = facts.machine_id[:64]
    host.os = facts.os[:255]
    host.kernel = facts.kernel[:255]
    host.arch = facts.arch[:32]
    host.cpu_model = facts.cpu_model[:255]
    host.cpu_logical = facts.cpu_logical
    host.cpu_physical = facts.cpu_physical
    host.memory_total = facts.memory_total
    host.addresses = list(facts.addresses)[:64]
    host.agent_version = facts.agent_version[:32]
    host.virtualization = facts.virtualization[:32]
    host.boot_time = facts.boot_time or None


def agent_connected(agent: Agent, hello: agent_pb2.Hello, peer: str = "") -> Host:
    host = agent.host
    presented = hello.facts.machine_id
    if host.machine_id and presented != host.machine_id:
        # The credential was copied to another machine: refuse it and tell the admins.
        record(
            "agent.machine_mismatch",
            outcome="failure",
            actor_name=f"agent {agent.id}",
            target=agent,
            target_name=f"agent of {host.hostname}",
            host=str(host.id),
            expected_machine_id=host.machine_id,
            presented_machine_id=presented[:64],
            presented_hostname=hello.facts.hostname[:255],
            peer=peer[:100],
        )
        raise Forbidden(
            f"This agent's credentials belong to machine {host.machine_id[:8]}…, not to this one: "
            "enroll this machine with its own token."
        )
    _apply_facts(host, hello.facts)
    if hello.collect_interval_ms:
        host.collect_interval_ms = max(100, hello.collect_interval_ms)
    host.connected = True
    host.last_seen = timezone.now()
    host.save()
    publish_host_sync(host_summary(host))
    return host


def agent_disconnected(host_id: uuid.UUID) -> None:
    Host.objects.filter(id=host_id).update(connected=False)
    host = Host.objects.filter(id=host_id).first()
    if host is not None:
        publish_host_sync(host_summary(host))


def is_online(host: Host) -> bool:
    from django.conf import settings

    if not host.connected or host.last_seen is None:
        return False
    stale_after = max(5.0, settings.STALE_AFTER_INTERVALS * host.collect_interval_ms / 1000)
    return (timezone.now() - host.last_seen).total_seconds() <= stale_after


def host_summary(host: Host) -> dict[str, Any]:
    """The Host JSON form of docs/protocol.md, without `latest`."""
    return {
        "id": str(host.id),
        "hostname": host.hostname,
        "os": host.os,
        "kernel": host.kernel,
        "arch": host.arch,
        "cpu_model": host.cpu_model,
        "cpu_logical": host.cpu_logical,
        "cpu_physical": host.cpu_physical,
        "memory_total": host.memory_total,
        "addresses": host.addresses,
        "agent_version": host.agent_version,
        "virtualization": host.virtualization,
        "boot_time": host.boot_time,
        "groups": [{"id": g.id, "name": g.name} for g in host.groups.all()],
        "online": is_online(host),
        "last_seen": host.last_seen.isoformat().replace("+00:00", "Z") if host.last_seen else None,
        "collect_interval_ms": host.collect_interval_ms,
        "dropped_samples": host.dropped_samples,
    }
