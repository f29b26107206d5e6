"""Inventory actions: enrollment, agent authentication, host facts and connection state, host groups."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from everyst.agent.v1 import agent_pb2

from everyst_hub.accounts.models import User
from everyst_hub.audit.models import AuditEvent
from everyst_hub.audit.services import peer_ip, record
from everyst_hub.core.errors import EverystError, Forbidden, InvalidInput, NotFound, Unauthenticated
from everyst_hub.realtime.publish import (
    dumps,
    publish_host_sync,
    publish_texts_sync,
    publish_user_event_sync,
    send_to_agent_sync,
    user_group,
)

from .access import operated_group_ids, visible_group_ids, visible_host_ids
from .models import Agent, EnrollmentToken, Host, HostGroup, HostGroupAccess


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
    host: dict[str, Any]
    # How the agent was bound: "new_host", "rebound" (every earlier agent was revoked) or
    # "replaced" (a replacement token revoked them now).
    binding: str


class MachineAlreadyEnrolled(EverystError):
    """The enrolling machine's id belongs to a host whose agent is still active."""

    code = "already_enrolled"
    http_status = 409
    grpc_status = "ALREADY_EXISTS"


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
    return Enrolled(
        agent=enrolled.agent, secret=enrolled.secret, host=enrolled.host, binding=enrolled.binding
    )


def _enrolled_frames(token_id: int, enrolled: _Enrollment) -> list[tuple[str, str]]:
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
    admins = User.objects.filter(is_active=True, role__in=(User.Role.OWNER, User.Role.ADMIN))
    return [(user_group(user_id), text) for user_id in admins.values_list("id", flat=True)]


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


@dataclass(frozen=True)
class _Enrollment:
    agent: Agent
    secret: str
    host: dict[str, Any]
    binding: str
    replaced: list[str]


def _enroll(raw_token: str, facts: agent_pb2.HostFacts) -> tuple[_Enrollment, EnrollmentToken]:
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
    _apply_facts(host, facts)
    host.save()
    # A token's group is where new hosts start; it never moves a host that already exists.
    if token.group_id and binding == "new_host":
        host.groups.add(token.group_id)
    secret = secrets.token_urlsafe(32)
    agent = Agent.objects.create(host=host, secret_hash=hash_secret(secret))
    return _Enrollment(agent, secret, host_summary(host), binding, replaced), token


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
    return host


# The ingest adapter publishes these summaries itself, from its event loop: a blocking
# publish from a worker thread could wait forever on a loop that is shutting down.
def agents_disconnected(host_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Mark hosts whose streams closed offline, in one transaction; their summaries."""
    summaries = []
    with transaction.atomic():
        for start in range(0, len(host_ids), 500):  # within any backend's bound-parameter limit
            chunk = host_ids[start : start + 500]
            Host.objects.filter(id__in=chunk).update(connected=False)
            summaries += [host_summary(host) for host in Host.objects.filter(id__in=chunk)]
    return summaries


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


# ---------------------------------------------------------------------------------- host groups


class GroupNameTaken(EverystError):
    code = "conflict"
    http_status = 409
    grpc_status = "ALREADY_EXISTS"


@dataclass(frozen=True)
class GroupAccessEntry:
    user_id: int
    username: str
    role: str


@dataclass(frozen=True)
class VisibleHostGroup:
    group: HostGroup
    host_count: int
    host_ids: list[str]
    my_role: str
    # Filled only for owners and admins: who has which role on the group.
    access: list[GroupAccessEntry] | None


def _require_admin(actor: Any) -> None:
    if not (actor is not None and actor.is_active and actor.sees_everything):
        raise Forbidden("Only owners and admins manage host groups.")


def visible_host_groups(user: Any, *, only: int | None = None) -> list[VisibleHostGroup]:
    """The groups a user may see, by name: all of them for owners and admins, else those granted
    (`only`: just that group, if visible)."""
    if not user or not user.is_active:
        return []
    if user.sees_everything:
        all_groups = HostGroup.objects.order_by("name")
        groups = list(all_groups if only is None else all_groups.filter(id=only))
        roles = {g.id: "admin" for g in groups}
    elif getattr(user, "api_token", None) is not None:
        # An API token: its own groups that its user still sees, with the role it holds there.
        operated = operated_group_ids(user) or set()
        tokens_groups = HostGroup.objects.filter(id__in=visible_group_ids(user) or set())
        if only is not None:
            tokens_groups = tokens_groups.filter(id=only)
        groups = list(tokens_groups.order_by("name"))
        roles = {g.id: "operator" if g.id in operated else "viewer" for g in groups}
    else:
        grants = HostGroupAccess.objects.filter(user=user).select_related("group").order_by("group__name")
        if only is not None:
            grants = grants.filter(group_id=only)
        groups = [a.group for a in grants]
        roles = {a.group_id: a.role for a in grants}
    members: dict[int, list[str]] = {g.id: [] for g in groups}
    through = Host.groups.through.objects.filter(hostgroup_id__in=list(members))
    for group_id, host_id in through.order_by("host__hostname").values_list("hostgroup_id", "host_id"):
        members[group_id].append(str(host_id))
    # Every host of a granted group is visible to its grantee, so nothing needs hiding here;
    # the filter keeps that true should access ever depend on more than the group.
    visible = None if user.sees_everything else visible_host_ids(user)
    access: dict[int, list[GroupAccessEntry]] = {g.id: [] for g in groups}
    if user.sees_everything:
        rows = HostGroupAccess.objects.filter(group_id__in=list(access)).select_related("user")
        rows = rows.order_by("user__username")
        for a in rows:
            access[a.group_id].append(GroupAccessEntry(a.user_id, a.user.username, a.role))
    return [
        VisibleHostGroup(
            group=g,
            host_count=len(members[g.id]),
            host_ids=[h for h in members[g.id] if visible is None or h in visible],
            my_role=roles[g.id],
            access=access[g.id] if user.sees_everything else None,
        )
        for g in groups
    ]


def _group(group_id: int, *, lock: bool = False) -> HostGroup:
    queryset = HostGroup.objects.select_for_update() if lock else HostGroup.objects
    group = queryset.filter(id=group_id).first()
    if group is None:
        raise NotFound("Host group not found.")
    return group


def _check_name_free(name: str, *, excluding: int | None = None) -> None:
    taken = HostGroup.objects.filter(name__iexact=name)
    if excluding is not None:
        taken = taken.exclude(id=excluding)
    existing = taken.first()
    if existing is not None:
        raise GroupNameTaken(f"name: a host group named “{existing.name}” already exists.")


def _clean_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("name: a host group name has 1 to 100 characters.")
    return name


def create_host_group(actor: Any, *, name: str, description: str = "", ip: str | None = None) -> HostGroup:
    _require_admin(actor)
    name = _clean_name(name)
    try:
        with transaction.atomic():
            _check_name_free(name)
            group = HostGroup.objects.create(name=name, description=description)
            record("host_group.created", actor=actor, target=group, ip=ip, description=description)
    except IntegrityError as exc:  # a concurrent create won the race for the name
        raise GroupNameTaken(f"name: a host group named “{name}” already exists.") from exc
    return group


def update_host_group(actor: Any, group_id: int, changes: dict[str, Any], ip: str | None = None) -> HostGroup:
    """Rename a group or change its description; access and membership stay as they are."""
    _require_admin(actor)
    if "name" in changes:
        changes = {**changes, "name": _clean_name(changes["name"])}
    try:
        with transaction.atomic():
            group = _group(group_id, lock=True)
            before = {"name": group.name, "description": group.description}
            if "name" in changes:
                _check_name_free(changes["name"], excluding=group.id)
            for key in ("name", "description"):
                if key in changes:
                    setattr(group, key, changes[key])
            after = {"name": group.name, "description": group.description}
            changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
            if changed:
                group.save(update_fields=sorted(changed))
                record("host_group.updated", actor=actor, target=group, ip=ip, changes=changed)
    except IntegrityError as exc:
        raise GroupNameTaken(f"name: a host group named “{changes.get('name')}” already exists.") from exc
    return group


def _grantees(group: HostGroup) -> list[Any]:
    """Users whose view of the fleet depends on this group (owners and admins see all anyway)."""
    return [
        a.user
        for a in HostGroupAccess.objects.filter(group=group).select_related("user")
        if a.user.is_active and not a.user.sees_everything
    ]


def _publish_access_changes(before: dict[Any, set[str]], users: list[Any]) -> None:
    """After commit, tell each user whose visible hosts changed: their sockets drop or add hosts."""
    changed = [u.id for u in users if visible_host_ids(u) != before[u.id]]

    def publish() -> None:
        for user_id in changed:
            publish_user_event_sync(user_id, "access_changed")

    transaction.on_commit(publish)


def delete_host_group(actor: Any, group_id: int, ip: str | None = None) -> None:
    """Delete a group: its grantees lose the hosts they could reach only through it."""
    _require_admin(actor)
    with transaction.atomic():
        group = _group(group_id, lock=True)
        users = _grantees(group)
        before = {u.id: visible_host_ids(u) for u in users}
        # Recorded before the delete, while the group still has its id.
        record(
            "host_group.deleted",
            actor=actor,
            target=group,
            ip=ip,
            host_count=group.hosts.count(),
            users=sorted(u.username for u in users),
        )
        group.delete()
        _publish_access_changes(before, users)


def _parse_host_ids(host_ids: list[str]) -> tuple[dict[uuid.UUID, None], list[str]]:
    parsed: dict[uuid.UUID, None] = {}
    invalid: list[str] = []
    for raw in host_ids:
        try:
            parsed[uuid.UUID(str(raw))] = None
        except ValueError:
            invalid.append(str(raw))
    return parsed, invalid


MAX_AUDITED_HOSTNAMES = 50


def set_group_hosts(actor: Any, group_id: int, host_ids: list[str], ip: str | None = None) -> HostGroup:
    """Replace the group's hosts (a host may be in several groups); unknown ids change nothing."""
    _require_admin(actor)
    wanted, invalid = _parse_host_ids(host_ids)
    with transaction.atomic():
        group = _group(group_id, lock=True)
        found = {h.id: h for h in Host.objects.filter(id__in=list(wanted))}
        unknown = invalid + [str(h) for h in wanted if h not in found]
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            raise InvalidInput(
                f"host_ids: unknown host{'s' if len(unknown) > 1 else ''} {shown}.", code="unknown_host"
            )
        current = {h.id: h for h in group.hosts.all()}
        added = [found[h] for h in found if h not in current]
        removed = [current[h] for h in current if h not in found]
        if not added and not removed:
            return group
        users = _grantees(group)
        before = {u.id: visible_host_ids(u) for u in users}
        group.hosts.remove(*removed)
        group.hosts.add(*added)
        record(
            "host_group.hosts_changed",
            actor=actor,
            target=group,
            ip=ip,
            added=sorted(h.hostname for h in added)[:MAX_AUDITED_HOSTNAMES],
            removed=sorted(h.hostname for h in removed)[:MAX_AUDITED_HOSTNAMES],
            added_count=len(added),
            removed_count=len(removed),
            host_count=len(found),
        )
        _publish_access_changes(before, users)
        changed_hosts = added + removed

        def publish_hosts() -> None:
            # After the users' access events, so a socket that lost a host no longer forwards it.
            for host in Host.objects.filter(id__in=[h.id for h in changed_hosts]).prefetch_related("groups"):
                publish_host_sync(host_summary(host))

        transaction.on_commit(publish_hosts)
    return group
