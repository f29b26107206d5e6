"""REST authentication: simplejwt's bearer tokens, refused once their session has ended."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
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
