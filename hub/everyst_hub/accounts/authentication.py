"""REST authentication: personal API tokens, and simplejwt's bearer tokens, refused once their
session has ended. WebSockets accept neither class: a browser socket authenticates with a session's
access token only (realtime/consumers.py), so API tokens never open one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from .claims import token_is_current


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        # The user row is read on every request anyway; comparing its generation costs nothing.
        user = super().get_user(validated_token)
        if not token_is_current(user, validated_token):
            raise AuthenticationFailed("The session has ended: log in again.", code="session_ended")
        return user


class SessionJWTScheme(SimpleJWTScheme):
    """The same bearer scheme in the OpenAPI schema as simplejwt's own class."""

    target_class = "everyst_hub.accounts.authentication.SessionJWTAuthentication"


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer eva_…`: a personal API token (accounts/api_tokens.py).

    Listed before the JWT class: it claims only bearer values with the token prefix, so sessions
    pass through untouched. The user comes back with the token attached (`user.api_token`),
    which inventory/access.py narrows every decision by. A read-only token is refused any
    method that changes state, whatever the endpoint."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].decode(errors="replace") != self.keyword:
            return None
        raw = parts[1].decode(errors="replace")
        # Imported here: DRF loads this class while Django's apps may still be loading.
        from everyst_hub.audit.services import client_ip
        from everyst_hub.core.errors import Unauthenticated
        from everyst_hub.inventory import access

        from . import api_tokens

        if not api_tokens.looks_like_api_token(raw):
            return None
        try:
            token = api_tokens.authenticate(raw, client_ip(request))
        except Unauthenticated as exc:
            raise AuthenticationFailed(exc.message, code=exc.code) from exc
        if not access.token_operates(token.role) and request.method not in SAFE_METHODS:
            raise PermissionDenied("This API token is read-only.", code="read_only_token")
        user = token.user
        user.api_token = token
        return user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a missing or bad credential, as the JWT class does.
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "everyst_hub.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token, eva_…"}
