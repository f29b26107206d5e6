"""Answers of the accounts API: users, sessions and API tokens (the REST contract's source)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from everyst_hub.inventory.models import HostGroupAccess
from everyst_hub.inventory.serializers import HostGroupSerializer

from .models import ApiToken, User


class GroupAccessSerializer(serializers.Serializer):
    group_id = serializers.IntegerField()
    group = serializers.CharField(source="group.name")
    role = serializers.ChoiceField(choices=HostGroupAccess.Role.choices)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    role = serializers.ChoiceField(choices=User.Role.choices)
    theme = serializers.ChoiceField(choices=User.Theme.choices)
    is_active = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True, help_text="null before the first login")
    date_joined = serializers.DateTimeField()


class UserWithAccessSerializer(UserSerializer):
    """A user and the host groups they are granted (`/auth/me`)."""

    access = serializers.SerializerMethodField()

    @extend_schema_field(GroupAccessSerializer(many=True))
    def get_access(self, user: User) -> list[dict[str, Any]]:
        grants = HostGroupAccess.objects.filter(user=user).select_related("group").order_by("group__name")
        return GroupAccessSerializer(grants, many=True).data  # type: ignore[return-value]


class AdminUserSerializer(UserWithAccessSerializer):
    """A user as owners and admins manage them; `login_failures` comes in the context."""

    login_failures = serializers.SerializerMethodField(
        help_text="failed logins within the throttle window, from every address"
    )

    def get_login_failures(self, user: User) -> int:
        return int(self.context["login_failures"].get(user.id, 0))


class SessionSerializer(serializers.Serializer):
    """A new session: the access token (the refresh token is an HttpOnly cookie) and its user."""

    access = serializers.CharField()
    user = UserSerializer()


class AccessTokenSerializer(serializers.Serializer):
    access = serializers.CharField()


class SetupStatusSerializer(serializers.Serializer):
    needs_owner = serializers.BooleanField()


class ApiTokenState(models.TextChoices):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    role = serializers.ChoiceField(choices=ApiToken.Role.choices)
    groups = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    last_used_ip = serializers.CharField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    state = serializers.SerializerMethodField()

    @extend_schema_field(HostGroupSerializer(many=True))
    def get_groups(self, token: ApiToken) -> list[dict[str, Any]]:
        groups = sorted(token.groups.all(), key=lambda g: g.name)
        return HostGroupSerializer(groups, many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.ChoiceField(choices=ApiTokenState.choices))
    def get_state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return str(ApiTokenState.REVOKED)
        return str(ApiTokenState.EXPIRED if token.expires_at <= timezone.now() else ApiTokenState.ACTIVE)


class CreatedApiTokenSerializer(ApiTokenSerializer):
    """The one answer that carries the token's secret (given in the context)."""

    secret = serializers.SerializerMethodField()

    def get_secret(self, token: ApiToken) -> str:
        return str(self.context["secret"])
