"""Enrollment: tokens, trading one for an agent credential, authenticating and revoking agents."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from everyst.agent.v1 import agent_pb2

from everyst_hub.audit.models import AuditEvent
from everyst_hub.audit.services import peer_ip, record
from everyst_hub.core.errors import Conflict, EverystError, InvalidInput, NotFound, Unauthenticated
from everyst_hub.core.leader import lock_until_commit
from everyst_hub.realtime.publish import dumps, publish_texts_sync, send_to_agent_sync, user_group

from .access import fleet_admins
from .hosts import apply_facts, host_summary
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
        _record_token(
            "created",
            actor,
            token,
            ip,
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
        _record_token("deleted", actor, token, ip, uses_left=token.uses_left)
        token.delete()


def _record_token(action: str, actor: Any, token: EnrollmentToken, ip: str | None, **details: Any) -> None:
    """The audit entry of an enrollment token's creation or deletion, named by its description."""
    name = token.description or f"enrollment token {token.id}"
    record(f"enrollment_token.{action}", actor=actor, target=token, target_name=name, ip=ip, **details)


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
    host: dict[str, Any]
    # How the agent was bound: "new_host", "rebound" (every earlier agent was revoked) or
    # "replaced" (a replacement token revoked them now).
    binding: str
    # The ids of the agents it displaced (revoked now).
    replaced: list[str]


class MachineAlreadyEnrolled(Conflict):
    """The enrolling machine's id belongs to a host whose agent is still active."""

    code = "already_enrolled"


class _Refused(Exception):
    """An enrollment refusal on its way out of the transaction, to be audited after the rollback."""

    def __init__(self, error: EverystError, reason: str, *, host: Host | None = None, **details: Any) -> None:
        super().__init__(error.message)
        self.error = error
        self.reason = reason
        self.host = host
        self.details = details


def enroll_agent(raw_token: str, facts: agent_pb2.HostFacts, *, peer: str = "") -> Enrolled:
    """Trade an enrollment token for a new agent credential on a new or known host.

    Never takes over a host whose agent is still active: the machine id is the enrolling party's
    word only (any local user can read /etc/machine-id). A refused attempt leaves no trace but
    its audit entry: the token keeps its use, since nothing was enrolled with it.
    """
    seen = {
        "machine_id": facts.machine_id[:64],
        "hostname": facts.hostname[:255],
        "peer": peer[:100],
    }
    try:
        with transaction.atomic():
            enrolled, token = _enroll(raw_token, facts)
            record(
                "agent.enrolled",
                actor_name=f"enrollment token {token.id}",
                target=enrolled.agent,
                target_name=f"agent of {enrolled.host['hostname']}",
                ip=peer_ip(peer),
                binding=enrolled.binding,
                host=enrolled.host["id"],
                token=token.id,
                token_created_by=token.created_by.username if token.created_by else None,
                group=token.group.name if token.group and enrolled.binding == "new_host" else None,
                replaced_agents=enrolled.replaced,
                **seen,
            )
            frames = _enrolled_frames(token.id, enrolled)
            transaction.on_commit(lambda: publish_texts_sync(frames))
    except _Refused as refused:
        # Outside the rolled-back transaction, so the refusal is kept.
        record(
            "agent.enrollment_refused",
            outcome="failure",
            actor_name="enrollment",
            target=refused.host,
            ip=peer_ip(peer),
            reason=refused.reason,
            **({"host": str(refused.host.id)} if refused.host else {}),
            **refused.details,
            **seen,
        )
        raise refused.error from None
    for agent_id in enrolled.replaced:
        # Whichever hub replica holds the displaced agent's stream closes it now.
        send_to_agent_sync(enrolled.agent.host_id, {"type": "agent.revoked", "agent_id": agent_id})
    return enrolled


def _enrolled_frames(token_id: int, enrolled: Enrolled) -> list[tuple[str, str]]:
    """An `enrolled` frame for each owner's and admin's live sockets: the Agents page waits on it
    to say which host its token just enrolled. Other users learn of new hosts by `host` frames."""
    text = dumps(
        {
            "type": "enrolled",
            "token": token_id,
            "host": {"id": enrolled.host["id"], "hostname": enrolled.host["hostname"]},
            "binding": enrolled.binding,
        }
    )
    return [(user_group(user_id), text) for user_id in fleet_admins().values_list("id", flat=True)]


def hosts_enrolled_with(token_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each token's enrolled hosts, oldest first, as their audit entries name them (the agent row
    does not keep its token); hosts deleted since are left out, names are today's."""
    events = (
        AuditEvent.objects.filter(action="agent.enrolled", outcome="success", details__token__in=token_ids)
        .order_by("ts", "id")
        .values_list("details", flat=True)
    )
    pairs = [
        (int(d["token"]), str(d["host"])) for d in events if d.get("token") is not None and d.get("host")
    ]
    names = {
        str(host_id): hostname
        for host_id, hostname in Host.objects.filter(id__in={h for _, h in pairs}).values_list(
            "id", "hostname"
        )
    }
    enrolled: dict[int, list[dict[str, str]]] = {token_id: [] for token_id in token_ids}
    for token_id, host_id in pairs:
        entry = {"id": host_id, "hostname": names[host_id]} if host_id in names else None
        if entry is not None and entry not in enrolled[token_id]:
            enrolled[token_id].append(entry)
    return enrolled


def _enroll(raw_token: str, facts: agent_pb2.HostFacts) -> tuple[Enrolled, EnrollmentToken]:
    if not raw_token:
        raise _Refused(Unauthenticated("An enrollment token is required."), "missing_token")
    # Lock the token row only: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
    # joins select_related makes for group, host and created_by.
    token = (
        EnrollmentToken.objects.select_for_update(of=("self",))
        .select_related("group", "host", "created_by")
        .filter(token_hash=hash_secret(raw_token))
        .first()
    )
    if token is None:
        raise _Refused(Unauthenticated("Unknown enrollment token."), "unknown_token")
    about_token: dict[str, Any] = {"token": token.id, "group": token.group.name if token.group else None}
    if token.expires_at <= timezone.now():
        raise _Refused(Unauthenticated("This enrollment token has expired."), "expired_token", **about_token)
    if token.uses_left < 1:
        raise _Refused(
            Unauthenticated("This enrollment token has been used up."), "used_up_token", **about_token
        )

    machine_id = facts.machine_id[:64]
    if machine_id:
        # No row to lock yet for a machine seen for the first time: without this, two tokens
        # enrolling it at once on PostgreSQL would each find nothing and create a host.
        lock_until_commit(f"enroll-machine:{machine_id}")
    known = list(
        Host.objects.select_for_update()
        .filter(machine_id=machine_id)
        .order_by(F("last_seen").desc(nulls_last=True), "-created_at")
        if machine_id
        else []
    )
    active = set(
        Agent.objects.filter(host__in=known, revoked_at__isnull=True).values_list("host_id", flat=True)
    )
    # A replacement token may re-bind its own host even while that host's agent is active.
    taken = next((h for h in known if h.id in active and h.id != token.host_id), None)
    if taken is not None:
        raise _Refused(
            MachineAlreadyEnrolled(
                f"This machine is already enrolled as host {taken.hostname}; an admin must revoke its "
                'agent or use "Replace agent" on the Agents page.'
            ),
            "machine_enrolled",
            host=taken,
            **about_token,
        )

    token.uses_left -= 1
    token.save(update_fields=["uses_left"])
    replaced: list[str] = []
    if token.host is not None:
        host = token.host
        binding = "replaced"
        for old in Agent.objects.select_for_update().filter(host=host, revoked_at__isnull=True):
            old.revoked_at = timezone.now()
            old.save(update_fields=["revoked_at"])
            replaced.append(str(old.id))
            record(
                "agent.revoked",
                actor_name=f"replacement token {token.id}",
                target=old,
                target_name=f"agent of {host.hostname}",
                host=str(host.id),
                hostname=host.hostname,
                reason="replaced",
                issued_by=token.created_by.username if token.created_by else None,
            )
    elif known:
        host, binding = known[0], "rebound"
    else:
        host, binding = Host(hostname=facts.hostname or "unnamed"), "new_host"
    apply_facts(host, facts)
    host.save()
    # A token's group is where new hosts start; it never moves a host that already exists.
    if token.group_id and binding == "new_host":
        host.groups.add(token.group_id)
    secret = secrets.token_urlsafe(32)
    agent = Agent.objects.create(host=host, secret_hash=hash_secret(secret))
    return Enrolled(agent, secret, host_summary(host), binding, replaced), token


def issue_agent_replacement(
    host_id: object, *, actor: Any, ttl: timedelta = timedelta(hours=1), ip: str | None = None
) -> EnrollmentTokenCreated:
    """A one-use token that enrolls a new agent onto this host (whatever its machine id), revoking
    the host's current agents at that moment: the explicit way to re-bind a host."""
    try:
        parsed = uuid.UUID(str(host_id))
    except ValueError as exc:
        raise NotFound("Host not found.") from exc
    with transaction.atomic():
        host = Host.objects.filter(id=parsed).first()
        if host is None:
            raise NotFound("Host not found.")
        raw = "evt_" + secrets.token_urlsafe(32)
        token = EnrollmentToken.objects.create(
            token_hash=hash_secret(raw),
            expires_at=timezone.now() + ttl,
            uses_left=1,
            host=host,
            created_by=actor,
            description=f"replace the agent of {host.hostname}"[:200],
        )
        record(
            "agent.replacement_issued",
            actor=actor,
            target=host,
            ip=ip,
            token=token.id,
            expires_at=token.expires_at.isoformat(),
            active_agents=[
                str(a) for a in host.agents.filter(revoked_at__isnull=True).values_list("id", flat=True)
            ],
        )
    return EnrollmentTokenCreated(token=token, raw=raw)


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
