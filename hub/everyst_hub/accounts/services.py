"""Account actions: first owner, login with throttling, users, roles, passwords.

Every action that changes state records an audit event. A password change, a deactivation and
the loss of an owner/admin role end the user's sessions at once (sessions.end_sessions); a change
of host-group access is re-read by every request and drops lost hosts from open sockets.
"""

from __future__ import annotations

import ipaddress
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Conflict, EverystError, Forbidden, InvalidInput, Unauthenticated
from everyst_hub.inventory import access
from everyst_hub.inventory.models import HostGroup, HostGroupAccess
from everyst_hub.realtime.publish import publish_user_event_sync

from .models import LoginFailure, User
from .sessions import end_sessions, revoke_refresh_tokens
from .usernames import normalize, skeleton


class LoginLocked(EverystError):
    code = "locked"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        if retry_after < 90:
            wait = f"{retry_after} second{'s' if retry_after > 1 else ''}"
        else:
            wait = f"{round(retry_after / 60)} minutes"
        super().__init__(f"Too many failed logins from this address: try again in {wait}.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class OwnerCreated:
    user: User
    generated_password: str | None


def _validate_password(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(f"{field}: " + " ".join(exc.messages), code="weak_password") from exc


def _free_username(username: str) -> str:
    """The normalised form of a new username, refused when it or a look-alike is taken."""
    name = normalize(username)
    if User.objects.filter(username_key=name).exists():
        raise Conflict("username: this username is taken.")
    twin = User.objects.filter(username_skeleton=skeleton(name)).first()
    if twin is not None:
        raise Conflict(
            f"username: it looks like the existing username {twin.username!r}; choose another.",
            code="lookalike_username",
        )
    return name


def ensure_owner(username: str, password: str, email: str = "") -> OwnerCreated | None:
    """Create the first owner when no user exists; None when there already are users."""
    with transaction.atomic():
        if User.objects.exists():
            return None
        generated = None
        if not password:
            generated = password = secrets.token_urlsafe(12)
        candidate = User(username=normalize(username), email=email, role=User.Role.OWNER)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise InvalidInput("EVERYST_OWNER_PASSWORD is too weak: " + " ".join(exc.messages)) from exc
        candidate.set_password(password)
        candidate.save()
        record("user.created", actor_name="setup", target=candidate, role=candidate.role)
    return OwnerCreated(user=candidate, generated_password=generated)


def needs_first_owner() -> bool:
    return not User.objects.exists()


def create_first_owner(username: str, password: str, email: str, ip: str | None) -> User:
    """First-run registration from the UI: only possible while no user exists at all."""
    with transaction.atomic():
        if User.objects.select_for_update().exists():
            raise Conflict("The owner account already exists: log in instead.")
        user = User(username=normalize(username), email=email, role=User.Role.OWNER)
        _validate_password(password, user)
        user.set_password(password)
        user.last_login = timezone.now()  # the setup page logs the new owner in
        user.save()
        record("user.created", actor=user, target=user, ip=ip, role=user.role, first_run=True)
    return user


# ---------------------------------------------------------------------------------- login
#
# Failed logins slow down the (username, source) pair that failed, and a source failing across
# many usernames; never the account itself, so nobody can lock the owner out from elsewhere.
# Each failure past the free allowance doubles the wait (30 s, 1 min, 2 min ... up to the cap).


def _source(ip: str | None) -> str | None:
    """The throttled source: the address, or for IPv6 its /64 (one host usually holds a whole /64)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _backoff(failures: list[datetime], allowance: int, now: datetime) -> int:
    """Seconds to wait after these failures (newest first) before the next try; 0 = go ahead."""
    if len(failures) < allowance:
        return 0
    first = settings.LOGIN_FIRST_DELAY_SECONDS
    cap = settings.LOGIN_MAX_DELAY_MINUTES * 60
    delay = min(cap, first * 2 ** min(len(failures) - allowance, 32))
    return max(0, math.ceil((failures[0] + timedelta(seconds=delay) - now).total_seconds()))


def _login_wait(key: str, source: str | None) -> int:
    now = timezone.now()
    recent = LoginFailure.objects.filter(ts__gte=now - timedelta(minutes=settings.LOGIN_WINDOW_MINUTES))
    pair = list(recent.filter(username=key, ip=source).order_by("-ts").values_list("ts", flat=True))
    wait = _backoff(pair, settings.LOGIN_MAX_FAILURES, now)
    if source is not None:
        # Only as many rows as the delay needs: a flooded source must not make each check slow.
        limit = settings.LOGIN_MAX_FAILURES_PER_IP + 40
        per_source = list(recent.filter(ip=source).order_by("-ts").values_list("ts", flat=True)[:limit])
        wait = max(wait, _backoff(per_source, settings.LOGIN_MAX_FAILURES_PER_IP, now))
    return wait


def log_in(username: str, password: str, ip: str | None) -> User:
    key, source = normalize(username)[:150], _source(ip)
    retry_after = _login_wait(key, source)
    if retry_after:
        raise LoginLocked(retry_after)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        # Rows past the window count for nothing: dropping them here bounds the table by the
        # rate failures are let in, which the throttling itself limits.
        LoginFailure.objects.filter(
            ts__lt=timezone.now() - timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)
        ).delete()
        LoginFailure.objects.create(username=key, ip=source)
        record("login.failed", actor_name=username[:150], outcome="failure", ip=ip)
        retry_after = _login_wait(key, source)
        if retry_after:
            record("login.locked", actor_name=username[:150], outcome="failure", ip=ip, seconds=retry_after)
        raise Unauthenticated("Invalid username or password.", code="invalid_credentials")
    assert isinstance(user, User)
    LoginFailure.objects.filter(username=key, ip=source).delete()
    _mark_logged_in(user)
    record("login.succeeded", actor=user, ip=ip)
    return user


def _mark_logged_in(user: User) -> None:
    # Django's login() would set this, but a JWT login never calls it (and simplejwt's
    # UPDATE_LAST_LOGIN only applies to its own token view, which the hub does not use).
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])


def recent_login_failures(users: Iterable[User]) -> dict[int, int]:
    """Failed logins per user within the throttle window, from every source."""
    keys = {user.username_key[:150]: user.id for user in users}
    since = timezone.now() - timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)
    rows = (
        LoginFailure.objects.filter(username__in=keys, ts__gte=since)
        .values_list("username")
        .annotate(n=Count("id"))
    )
    return {keys[name]: n for name, n in rows}


def unlock_login(actor: User, user: User, ip: str | None) -> int:
    """Forget the user's failed logins from every source, so its throttling ends now.

    Any owner or admin may do it for anyone: it grants nothing, it only lifts a delay."""
    access.require_fleet_admin(actor, "Only owners and admins unlock logins.")
    cleared, _ = LoginFailure.objects.filter(username=user.username_key[:150]).delete()
    record("login.unlocked", actor=actor, target=user, ip=ip, cleared=cleared)
    return cleared


def log_out(user: User | None, ip: str | None) -> None:
    if user is not None:
        record("logout", actor=user, ip=ip)
        publish_user_event_sync(user.id, "logged_out")


# ---------------------------------------------------------------------------------- self service


def change_own_password(user: User, current: str, new: str, ip: str | None) -> None:
    if not user.check_password(current):
        record("password.change_failed", actor=user, target=user, outcome="failure", ip=ip)
        raise InvalidInput("current_password: the current password is wrong.", code="wrong_password")
    _validate_password(new, user, "new_password")
    user.set_password(new)
    user.save(update_fields=["password"])
    end_sessions(user)
    record("password.changed", actor=user, target=user, ip=ip)


def update_profile(user: User, changes: dict[str, Any], ip: str | None) -> User:
    allowed = {k: v for k, v in changes.items() if k in {"email", "first_name", "last_name", "theme"}}
    for key, value in allowed.items():
        setattr(user, key, value)
    user.save(update_fields=list(allowed) or None)
    if allowed:
        record("profile.updated", actor=user, target=user, ip=ip, fields=sorted(allowed))
    return user


# ---------------------------------------------------------------------------------- administration


def _remaining_owners(excluding: User) -> int:
    return access.owners().filter(is_active=True).exclude(pk=excluding.pk).count()


def create_user(actor: User, *, username: str, email: str, password: str, role: str, ip: str | None) -> User:
    access.require_may_manage_user(actor, role)
    user = User(username=_free_username(username), email=email, role=role)
    _validate_password(password, user)
    user.set_password(password)
    user.save()
    record("user.created", actor=actor, target=user, ip=ip, role=role)
    return user


def update_user(actor: User, user: User, changes: dict[str, Any], ip: str | None) -> User:
    role = changes.get("role", user.role)
    access.require_may_manage_user(actor, role, user)
    if user.pk == actor.pk and ("role" in changes and role != user.role or changes.get("is_active") is False):
        raise Forbidden("You cannot change your own role or disable yourself.")
    if access.ends_ownership(user, changes) and _remaining_owners(user) == 0:
        raise Forbidden("This is the last active owner.")
    before = {"role": user.role, "is_active": user.is_active, "email": user.email}
    for key in ("role", "is_active", "email", "first_name", "last_name"):
        if key in changes:
            setattr(user, key, changes[key])
    user.save()
    after = {"role": user.role, "is_active": user.is_active, "email": user.email}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        record("user.updated", actor=actor, target=user, ip=ip, changes=changed)
    if before["is_active"] and not user.is_active:
        end_sessions(user, "disabled")
    elif access.demoted(before["role"], user.role):
        end_sessions(user)
    elif before["role"] != user.role:
        publish_user_event_sync(user.id, "access_changed")
    return user


def delete_user(actor: User, user: User, ip: str | None) -> None:
    access.require_may_manage_user(actor, user.role, user)
    if user.pk == actor.pk:
        raise Forbidden("You cannot delete yourself.")
    if access.is_owner(user) and _remaining_owners(user) == 0:
        raise Forbidden("This is the last active owner.")
    record("user.deleted", actor=actor, target=user, ip=ip)
    revoke_refresh_tokens(user)
    user_id = user.id
    user.delete()
    publish_user_event_sync(user_id, "disabled")


def reset_password(actor: User, user: User, password: str, ip: str | None) -> None:
    access.require_may_manage_user(actor, user.role, user)
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions(user, "disabled" if not user.is_active else "logged_out")
    record("password.reset", actor=actor, target=user, ip=ip)


def set_group_access(actor: User, user: User, entries: list[tuple[int, str]], ip: str | None) -> None:
    """Replace the user's per-group roles."""
    access.require_may_manage_user(actor, user.role, user)
    groups = {g.id: g for g in HostGroup.objects.filter(id__in=[gid for gid, _ in entries])}
    missing = [gid for gid, _ in entries if gid not in groups]
    if missing:
        raise InvalidInput(f"access: unknown host group {missing[0]}.")
    with transaction.atomic():
        HostGroupAccess.objects.filter(user=user).delete()
        HostGroupAccess.objects.bulk_create(
            [HostGroupAccess(user=user, group=groups[gid], role=role) for gid, role in entries]
        )
    record(
        "access.changed",
        actor=actor,
        target=user,
        ip=ip,
        access=[{"group": groups[gid].name, "role": role} for gid, role in entries],
    )
    publish_user_event_sync(user.id, "access_changed")
