"""API tokens: personal, named bearer tokens for scripts and scrapers (`eva_…`).

A token acts for its user, narrowed: only on the host groups chosen for it (and still visible to
the user), at most viewer for read-only tokens, never as an owner or admin, and never on the
endpoints that manage tokens, sessions, passwords or users (they refuse tokens outright).
inventory/access.py applies the narrowing, so every adapter follows it.

Lifetime: a token works until it expires or is revoked, or while its user is disabled. A password
change does not end it: scripts must not break when a person rotates their password, and a token
is revoked by itself on the Account page. Deleting the user deletes its tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from everyst_hub.inventory import access
from everyst_hub.inventory.models import HostGroup

from .models import ApiToken, User

PREFIX = "eva_"
MAX_DAYS = 366
# "Last used" is a hint, not a log: one write a minute per token, not one per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
_SHOWN = len(PREFIX) + 6


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_api_token(raw: str) -> bool:
    return raw.startswith(PREFIX)


def _require_session(user: User) -> None:
    # Views refuse tokens first (RefusesApiTokens); this keeps the rule when a service is called elsewhere.
    if getattr(user, "api_token", None) is not None:
        raise Forbidden(
            "API tokens cannot manage API tokens: log in with your password.", code="session_only"
        )


def create_api_token(
    user: User, *, name: str, role: str, group_ids: list[int], expires_in_days: int, ip: str | None
) -> CreatedToken:
    """A new token; the secret is returned here once and never stored."""
    _require_session(user)
    name = name.strip()
    if not name:
        raise InvalidInput("name: give the token a name.")
    if role not in ApiToken.Role.values:
        raise InvalidInput(f"role: one of {', '.join(ApiToken.Role.values)}.")
    if not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput(f"expires_in_days: between 1 and {MAX_DAYS}.")
    wanted = set(group_ids)
    if not wanted:
        raise InvalidInput("groups: choose at least one host group.")
    groups = list(HostGroup.objects.filter(id__in=wanted).order_by("name"))
    operate = access.token_operates(role)
    allowed = access.operated_group_ids(user) if operate else access.visible_group_ids(user)
    refused = wanted - {g.id for g in groups if allowed is None or g.id in allowed}
    if refused:
        what = "operate" if operate else "see"
        raise InvalidInput(f"groups: you do not {what} host group {min(refused)}.", code="group_not_allowed")
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:_SHOWN],
            secret_hash=hash_secret(secret),
            role=role,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        token.groups.set(groups)
        record(
            "api_token.created",
            actor=user,
            target=token,
            ip=ip,
            role=role,
            groups=[g.name for g in groups],
            expires_at=token.expires_at.isoformat(),
        )
    return CreatedToken(token=token, secret=secret)


def list_api_tokens(user: User) -> list[ApiToken]:
    _require_session(user)
    return list(ApiToken.objects.filter(user=user).prefetch_related("groups").order_by("-created_at"))


def revoke_api_token(user: User, token_id: int, ip: str | None) -> ApiToken:
    """Revoke one of the user's own tokens; revoking it again changes nothing."""
    _require_session(user)
    token = ApiToken.objects.filter(id=token_id, user=user).first()
    if token is None:
        raise NotFound("API token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("api_token.revoked", actor=user, target=token, ip=ip)
    return token


def authenticate(raw: str, ip: str | None) -> ApiToken:
    """The live token with this secret, its user loaded; Unauthenticated says plainly why not."""
    tokens = ApiToken.objects.select_related("user").prefetch_related("groups")
    token = tokens.filter(secret_hash=hash_secret(raw)).first()
    if token is None:
        raise Unauthenticated("Invalid API token.", code="invalid_api_token")
    now = timezone.now()
    if token.revoked_at is not None:
        raise Unauthenticated("This API token was revoked.", code="api_token_revoked")
    if token.expires_at <= now:
        raise Unauthenticated("This API token has expired.", code="api_token_expired")
    if not token.user.is_active:
        raise Unauthenticated("The user of this API token is disabled.", code="user_disabled")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so concurrent requests of one token write once between them.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION), pk=token.pk
        ).update(last_used_at=now, last_used_ip=ip)
    return token
