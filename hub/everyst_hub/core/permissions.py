from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from everyst_hub.inventory.access import sees_everything

TOKEN_REFUSED = "API tokens cannot be used here: log in with your password."


class IsAdmin(BasePermission):
    """Owner or admin: fleet-wide management."""

    message = "Only owners and admins may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if getattr(user, "api_token", None) is not None:
            # Tokens never administer; say so rather than "only admins" to an admin's token.
            self.message = TOKEN_REFUSED
            return False
        return bool(user and user.is_authenticated and user.is_active and sees_everything(user))


class RefusesApiTokens(BasePermission):
    """Endpoints that manage credentials, sessions and users: a session only, never an API token
    (a leaked token must not mint more tokens, change a password or grant access)."""

    message = TOKEN_REFUSED

    def has_permission(self, request: Any, view: Any) -> bool:
        return getattr(request.user, "api_token", None) is None
