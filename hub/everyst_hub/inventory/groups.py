"""Host groups: creating, renaming and deleting them, their hosts, and who sees which."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Conflict, InvalidInput, NotFound
from everyst_hub.realtime.publish import publish_host_sync, publish_user_event_sync

from .access import (
    operated_group_ids,
    require_fleet_admin,
    sees_everything,
    visible_group_ids,
    visible_host_ids,
)
from .hosts import host_summary
from .models import Host, HostGroup, HostGroupAccess


class GroupNameTaken(Conflict):
    """A host group of that name exists."""


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
    require_fleet_admin(actor, "Only owners and admins manage host groups.")


def visible_host_groups(user: Any, *, only: int | None = None) -> list[VisibleHostGroup]:
    """The groups a user may see, by name: all of them for owners and admins, else those granted
    (`only`: just that group, if visible)."""
    if not user or not user.is_active:
        return []
    if sees_everything(user):
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
    visible = None if sees_everything(user) else visible_host_ids(user)
    access: dict[int, list[GroupAccessEntry]] = {g.id: [] for g in groups}
    if sees_everything(user):
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
            access=access[g.id] if sees_everything(user) else None,
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
        if a.user.is_active and not sees_everything(a.user)
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
