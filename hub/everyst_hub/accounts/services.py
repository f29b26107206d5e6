"""Account actions: first owner, login with lockout, users, roles, passwords.

Every action that changes state records an audit event, and every change that takes access
away revokes refresh tokens and closes the user's live sockets.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from everyst_hub.audit.services import record
from everyst_hub.core.errors import EverystError, Forbidden, InvalidInput, Unauthenticated
from everyst_hub.inventory.models import HostGroup, HostGroupAccess
from everyst_hub.realtime.publish import publish_user_event_sync

from .models import LoginFailure, User


class LoginLocked(EverystError):
    code = "locked"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many failed logins: try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
        self.retry_after = retry_after


class Conflict(EverystError):
    code = "conflict"
    http_status = 409


@dataclass(frozen=True)
class OwnerCreated:
    user: User
    generated_password: str | None


def _validate_password(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(f"{field}: " + " ".join(exc.messages), code="weak_password") from exc


def ensure_owner(username: str, password: str, email: str = "") -> OwnerCreated | None:
    """Create the first owner when no user exists; None when there already are users."""
    with transaction.atomic():
        if User.objects.exists():
            return None
        generated = None
        if not password:
            generated = password = secrets.token_urlsafe(12)
        candidate = User(username=username, email=email, role=User.Role.OWNER)
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
        user = User(username=username, email=email, role=User.Role.OWNER)
        _validate_password(password, user)
        user.set_password(password)
        user.save()
        record("user.created", actor=user, target=user, ip=ip, role=user.role, first_run=True)
    return user


# ---------------------------------------------------------------------------------- login


def _lock_state(username: str, ip: str | None) -> int:
    """Seconds until a login for this username/address is allowed again (0 = allowed)."""
    now = timezone.now()
    window_start = now - timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)
    lock = timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    retry = 0
    checks: list[tuple[dict[str, Any], int]] = [({"username": username.lower()}, settings.LOGIN_MAX_FAILURES)]
    if ip:
        checks.append(({"ip": ip}, settings.LOGIN_MAX_FAILURES_PER_IP))
    for filters, limit in checks:
        recent = LoginFailure.objects.filter(ts__gte=window_start, **filters).order_by("-ts")
        if recent.count() >= limit:
            latest = recent.first()
            assert latest is not None
            retry = max(retry, int((latest.ts + lock - now).total_seconds()))
    return max(0, retry)


def log_in(username: str, password: str, ip: str | None) -> User:
    retry_after = _lock_state(username, ip)
    if retry_after:
        record("login.refused", actor_name=username[:150], outcome="failure", ip=ip, reason="locked")
        raise LoginLocked(retry_after)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        LoginFailure.objects.create(username=username.lower()[:150], ip=ip)
        record("login.failed", actor_name=username[:150], outcome="failure", ip=ip)
        retry_after = _lock_state(username, ip)
        if retry_after:
            record(
                "login.locked",
                actor_name=username[:150],
                outcome="failure",
                ip=ip,
                minutes=settings.LOGIN_LOCK_MINUTES,
            )
        raise Unauthenticated("Invalid username or password.", code="invalid_credentials")
    assert isinstance(user, User)
    LoginFailure.objects.filter(username=username.lower()).delete()
    record("login.succeeded", actor=user, ip=ip)
    return user


def log_out(user: User | None, ip: str | None) -> None:
    if user is not None:
        record("logout", actor=user, ip=ip)
        publish_user_event_sync(user.id, "logged_out")


def revoke_refresh_tokens(user: User) -> int:
    """Blacklist every refresh token the user holds (password change, deactivation)."""
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()).exclude(
        blacklistedtoken__isnull=False
    )
    tokens = list(outstanding)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in tokens], ignore_conflicts=True)
    return len(tokens)


# ---------------------------------------------------------------------------------- self service


def change_own_password(user: User, current: str, new: str, ip: str | None) -> None:
    if not user.check_password(current):
        record("password.change_failed", actor=user, target=user, outcome="failure", ip=ip)
        raise InvalidInput("current_password: the current password is wrong.", code="wrong_password")
    _validate_password(new, user, "new_password")
    user.set_password(new)
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user)
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

POWER_ROLES = {User.Role.OWNER, User.Role.ADMIN}


def _require_can_manage(actor: User, target_role: str, target: User | None = None) -> None:
    if not actor.sees_everything:
        raise Forbidden("Only owners and admins manage users.")
    touches_power = target_role in POWER_ROLES or (target is not None and target.role in POWER_ROLES)
    if touches_power and actor.role != User.Role.OWNER:
        raise Forbidden("Only an owner may manage owners and admins.")


def _remaining_owners(excluding: User) -> int:
    return User.objects.filter(role=User.Role.OWNER, is_active=True).exclude(pk=excluding.pk).count()


def create_user(actor: User, *, username: str, email: str, password: str, role: str, ip: str | None) -> User:
    _require_can_manage(actor, role)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("username: this username is taken.")
    user = User(username=username, email=email, role=role)
    _validate_password(password, user)
    user.set_password(password)
    user.save()
    record("user.created", actor=actor, target=user, ip=ip, role=role)
    return user


def update_user(actor: User, user: User, changes: dict[str, Any], ip: str | None) -> User:
    role = changes.get("role", user.role)
    _require_can_manage(actor, role, user)
    if user.pk == actor.pk and ("role" in changes and role != user.role or changes.get("is_active") is False):
        raise Forbidden("You cannot change your own role or disable yourself.")
    losing_owner = user.role == User.Role.OWNER and (
        role != User.Role.OWNER or changes.get("is_active") is False
    )
    if losing_owner and _remaining_owners(user) == 0:
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
        revoke_refresh_tokens(user)
        publish_user_event_sync(user.id, "disabled")
    elif before["role"] != user.role:
        publish_user_event_sync(user.id, "access_changed")
    return user


def delete_user(actor: User, user: User, ip: str | None) -> None:
    _require_can_manage(actor, user.role, user)
    if user.pk == actor.pk:
        raise Forbidden("You cannot delete yourself.")
    if user.role == User.Role.OWNER and _remaining_owners(user) == 0:
        raise Forbidden("This is the last active owner.")
    record("user.deleted", actor=actor, target=user, ip=ip)
    revoke_refresh_tokens(user)
    user_id = user.id
    user.delete()
    publish_user_event_sync(user_id, "disabled")


def reset_password(actor: User, user: User, password: str, ip: str | None) -> None:
    _require_can_manage(actor, user.role, user)
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user)
    record("password.reset", actor=actor, target=user, ip=ip)
    publish_user_event_sync(user.id, "disabled" if not user.is_active else "logged_out")


def set_group_access(actor: User, user: User, entries: list[tuple[int, str]], ip: str | None) -> None:
    """Replace the user's per-group roles."""
    _require_can_manage(actor, user.role, user)
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
