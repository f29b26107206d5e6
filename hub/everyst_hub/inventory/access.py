"""Who may see and do what on which host, and who administers the fleet and its users: every role
check of the hub is here. Every adapter (REST, WebSocket, gRPC commands, exports) asks here; roles
are read from the database on every call, never from token claims.

A request made with an API token carries it as `user.api_token` (accounts/authentication.py).
Such a user sees only the token's host groups among those the user may see, operates them only
with an operator token, and never counts as an owner or admin (User.sees_everything is false)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from everyst_hub.accounts.models import ApiToken, User
from everyst_hub.core.errors import Forbidden, NotFound
from everyst_hub.core.params import parse_uuid

from .models import Host, HostGroupAccess

OnHost = TypeVar("OnHost", bound=Any)

# Owners and admins see and manage every host; only owners manage owners and admins.
FLEET_ROLES = (User.Role.OWNER, User.Role.ADMIN)
_RANK = {User.Role.OWNER: 2, User.Role.ADMIN: 1, User.Role.MEMBER: 0}


# ---------------------------------------------------------------------------- the fleet and its users


def holds_fleet_role(user: Any) -> bool:
    """Owner or admin, whatever the request's credential (an API token of theirs included)."""
    return getattr(user, "role", None) in FLEET_ROLES


def sees_everything(user: Any) -> bool:
    """Owner or admin on a session: a request made with an API token is narrowed to the token's
    groups and never administers, whoever its user is (User.sees_everything asks here)."""
    return holds_fleet_role(user) and _api_token(user) is None


def require_fleet_admin(actor: Any, message: str) -> None:
    if not (actor is not None and actor.is_active and sees_everything(actor)):
        raise Forbidden(message)


def fleet_admins() -> QuerySet[User]:
    """The active owners and admins."""
    return User.objects.filter(is_active=True, role__in=FLEET_ROLES)


def is_owner(user: Any) -> bool:
    return getattr(user, "role", None) == User.Role.OWNER


def require_may_manage_user(actor: Any, target_role: str, target: Any = None) -> None:
    """Owners and admins manage users; only owners manage (or make) owners and admins."""
    require_fleet_admin(actor, "Only owners and admins manage users.")
    if (target_role in FLEET_ROLES or holds_fleet_role(target)) and not is_owner(actor):
        raise Forbidden("Only an owner may manage owners and admins.")


def owners() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.OWNER)


def ends_ownership(user: Any, changes: dict[str, Any]) -> bool:
    """Whether applying `changes` (role, is_active) leaves an owner no longer an active owner."""
    new_role = changes.get("role", user.role)
    return is_owner(user) and (new_role != User.Role.OWNER or changes.get("is_active") is False)


def demoted(before_role: str, after_role: str) -> bool:
    """Whether the change of role took something away (the user's sessions end then)."""
    return _RANK[User.Role(after_role)] < _RANK[User.Role(before_role)]


def token_operates(token_role: str) -> bool:
    """A read-only API token only reads; an operator token also writes: runs tools, manages alerts."""
    return token_role == ApiToken.Role.OPERATE


# ---------------------------------------------------------------------------- hosts and groups


def _api_token(user: Any) -> Any:
    return getattr(user, "api_token", None)


def _token_groups(user: Any, role: Any = None) -> set[int]:
    """The token's groups that its user may still see (with `role`: holds that role on)."""
    chosen = {g.id for g in _api_token(user).groups.all()}
    return chosen if holds_fleet_role(user) else chosen & _granted(user, role)


def visible_hosts(user: Any) -> QuerySet[Host]:
    if not user or not user.is_active:
        return Host.objects.none()
    if _api_token(user) is not None:
        return Host.objects.filter(groups__id__in=visible_group_ids(user) or set()).distinct()
    if sees_everything(user):
        return Host.objects.all()
    return Host.objects.filter(groups__access__user=user).distinct()


def visible_host_ids(user: Any) -> set[str]:
    return {str(pk) for pk in visible_hosts(user).values_list("id", flat=True)}


def get_visible_host(user: Any, host_id: object) -> Host:
    """The host if the user may see it; otherwise NotFound (its existence is not revealed)."""
    host = visible_hosts(user).filter(id=parse_uuid(host_id, "Host")).first()
    if host is None:
        raise NotFound("Host not found.")
    return host


def visible_on_host(user: Any, row: OnHost | None, what: str) -> OnHost:
    """A row that belongs to a host (a network, a job), if the user may see that host; otherwise
    NotFound worded as for a missing `what` (its existence is not revealed)."""
    if row is None:
        raise NotFound(f"{what} not found.")
    try:
        get_visible_host(user, row.host_id)
    except NotFound as exc:
        raise NotFound(f"{what} not found.") from exc
    return row


def get_operable_host(user: Any, host_id: object) -> Host:
    """The host if the user may run tools and manage alerts on it."""
    host = get_visible_host(user, host_id)
    if _api_token(user) is not None:
        if not host.groups.filter(id__in=operated_group_ids(user) or set()).exists():
            raise Forbidden("This API token may not operate this host.")
        return host
    if sees_everything(user):
        return host
    operator = HostGroupAccess.objects.filter(
        user=user, role=HostGroupAccess.Role.OPERATOR, group__hosts=host
    ).exists()
    if not operator:
        raise Forbidden("You need the operator role on this host.")
    return host


def users_who_see_host(host_id: object) -> list[Any]:
    """Active users who may see the host: owners and admins, and members of its groups' access."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=FLEET_ROLES) | Q(group_access__group__hosts__id=host_id))
        .distinct()
    )


def visible_group_ids(user: Any) -> set[int] | None:
    """Groups whose hosts the user may see; None means every group (owner, admin)."""
    if _api_token(user) is not None:
        return _token_groups(user)
    if sees_everything(user):
        return None
    return _granted(user)


def _granted(user: Any, role: Any = None) -> set[int]:
    grants = HostGroupAccess.objects.filter(user=user)
    if role is not None:
        grants = grants.filter(role=role)
    return set(grants.values_list("group_id", flat=True))


def operated_group_ids(user: Any) -> set[int] | None:
    """Groups the user operates (runs tools, manages alerts); None means every group."""
    token = _api_token(user)
    if token is not None:
        if not token_operates(token.role):
            return set()
        return _token_groups(user, HostGroupAccess.Role.OPERATOR)
    if sees_everything(user):
        return None
    return _granted(user, HostGroupAccess.Role.OPERATOR)


def users_who_see_hosts(host_groups: dict[Any, set[int]]) -> dict[Any, list[Any]]:
    """users_who_see_host for many hosts at once (given each host's group ids), in two queries."""
    admins = list(fleet_admins())
    wanted = set().union(*host_groups.values()) if host_groups else set()
    by_group: dict[int, list[Any]] = {}
    grants = HostGroupAccess.objects.filter(group_id__in=wanted, user__is_active=True).select_related("user")
    for grant in grants:
        if not holds_fleet_role(grant.user):
            by_group.setdefault(grant.group_id, []).append(grant.user)
    result: dict[Any, list[Any]] = {}
    for host_id, groups in host_groups.items():
        users = {u.id: u for u in admins}
        for group_id in groups:
            users.update((u.id, u) for u in by_group.get(group_id, []))
        result[host_id] = list(users.values())
    return result
