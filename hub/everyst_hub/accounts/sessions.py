"""Sessions: the JWT pair a login hands out, its rotation, and ending it early.

Every token carries two claims besides simplejwt's own:
- `gen`: the user's `token_generation` when the session began. A password change, a
  deactivation or the loss of an owner/admin role raises the generation, which ends every
  access token, refresh token and live socket of the user at once, not when they expire.
- `fam`: the session's family id, kept across refresh-token rotation. Presenting a refresh token
  that was already rotated means two parties hold the session (one of them stole it): the whole
  family is revoked. Two tabs refreshing together also present one token twice, so within
  REFRESH_REUSE_GRACE_SECONDS of the rotation the late one is only refused.

Tokens without the claims (from before them) count as generation 0 and no family.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Unauthenticated
from everyst_hub.realtime.publish import publish_user_event_sync

from .claims import FAMILY_CLAIM, GENERATION_CLAIM, token_is_current
from .models import User

logger = logging.getLogger(__name__)

SESSION_EXPIRED = "The session has expired or was revoked: log in again."


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def issue_tokens(user: User, family: str | None = None) -> TokenPair:
    """A new refresh token (recorded as outstanding, with its claims) and its access token."""
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(user.id)
    refresh[GENERATION_CLAIM] = user.token_generation
    refresh[FAMILY_CLAIM] = family or uuid.uuid4().hex
    refresh.outstand()
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def rotate(raw: str, ip: str | None) -> TokenPair:
    """Trade a refresh token for a new pair of the same family; the old one is blacklisted."""
    try:
        # Signature, expiry and type, but not the blacklist: a blacklisted token is the signal.
        claims = UntypedToken(raw)  # type: ignore[arg-type]  # stubs omit str
    except TokenError as exc:
        raise Unauthenticated(SESSION_EXPIRED, code="session_expired") from exc
    if claims.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh":
        raise Unauthenticated(SESSION_EXPIRED, code="session_expired")
    jti = claims[api_settings.JTI_CLAIM]
    user = User.objects.filter(id=claims.get(api_settings.USER_ID_CLAIM), is_active=True).first()
    blacklisted = BlacklistedToken.objects.filter(token__jti=jti).first()
    if blacklisted is not None:
        if user is not None:
            _reused(user, claims.get(FAMILY_CLAIM), blacklisted.blacklisted_at, ip)
        raise Unauthenticated(SESSION_EXPIRED, code="session_expired")
    if user is None or not token_is_current(user, claims):
        raise Unauthenticated(SESSION_EXPIRED, code="session_expired")
    RefreshToken(raw).blacklist()  # type: ignore[arg-type]
    return issue_tokens(user, claims.get(FAMILY_CLAIM))


def _reused(user: User, family: str | None, blacklisted_at: Any, ip: str | None) -> None:
    grace = timedelta(seconds=settings.REFRESH_REUSE_GRACE_SECONDS)
    if timezone.now() - blacklisted_at <= grace:
        return
    # A token from before families (family None): its siblings cannot be told apart, so all go.
    revoked = revoke_refresh_tokens(user, family=family)
    logger.warning("a rotated refresh token of user %s was presented again: session revoked", user.id)
    record("session.reuse_detected", actor=user, target=user, outcome="failure", ip=ip, revoked=revoked)


def revoke_refresh_tokens(user: User, family: str | None = None) -> int:
    """Blacklist the user's outstanding refresh tokens (only those of `family` when given)."""
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    tokens = [t for t in outstanding if family is None or _family_of(t.token) == family]
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in tokens], ignore_conflicts=True)
    return len(tokens)


def _family_of(raw: str) -> str | None:
    try:
        return UntypedToken(raw).get(FAMILY_CLAIM)  # type: ignore[arg-type]
    except TokenError:
        return None


def end_sessions(user: User, event: str = "logged_out") -> None:
    """End every session of the user now: tokens of older generations stop working everywhere,
    refresh tokens are blacklisted, and live sockets close (`event`: "logged_out" or "disabled")."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])
    revoke_refresh_tokens(user)
    publish_user_event_sync(user.id, event)
