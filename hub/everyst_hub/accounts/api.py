"""Accounts REST adapter. The refresh token lives only in an HttpOnly cookie; the access
token is returned in the body and kept in memory by the SPA."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from everyst_hub.audit.services import client_ip
from everyst_hub.core.errors import Forbidden, NotFound, Unauthenticated
from everyst_hub.core.permissions import IsAdmin, RefusesApiTokens
from everyst_hub.core.views import validated
from everyst_hub.inventory.models import HostGroupAccess

from . import services, sessions
from .models import User
from .serializers import (
    AccessTokenSerializer,
    AdminUserSerializer,
    SessionSerializer,
    SetupStatusSerializer,
    UserWithAccessSerializer,
)


def _admin_user(user: User) -> dict[str, Any]:
    failures = services.recent_login_failures([user])
    return AdminUserSerializer(user, context={"login_failures": failures}).data  # type: ignore[return-value]


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


def _session_response(request: Request, user: User, status: int = 200) -> Response:
    tokens = sessions.issue_tokens(user)
    response = Response(SessionSerializer({"access": tokens.access, "user": user}).data, status=status)
    return _with_refresh_cookie(request, response, tokens.refresh)


def _require_same_origin(request: Request) -> None:
    """Refresh and logout act on the cookie the browser sends by itself: a page of another origin
    must not drive them. Browsers send Origin on every POST; a client without one (curl) is not a
    browser carrying someone's cookie. The hub's own origin is compared by host and port, so a
    TLS proxy in front does not matter; other origins must be listed in
    EVERYST_CSRF_TRUSTED_ORIGINS or EVERYST_CORS_ALLOWED_ORIGINS."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin in settings.CSRF_TRUSTED_ORIGINS or origin in settings.CORS_ALLOWED_ORIGINS:
        return
    parts = urlsplit(origin)
    if parts.scheme in {"http", "https"} and parts.netloc == request.get_host():
        return
    raise Forbidden("Cross-origin request refused.", code="cross_origin")


def _with_refresh_cookie(request: Request, response: Response, refresh: str) -> Response:
    # Secure whenever the request came over TLS (or the deployment says it always does).
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        refresh,
        max_age=int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
        path=settings.REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.REFRESH_COOKIE_SECURE or request.is_secure(),
        samesite="Strict",
    )
    # Tokens must not stay in any cache between the hub and the browser.
    add_never_cache_headers(response)
    return response


class LoginView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses=SessionSerializer)
    def post(self, request: Request) -> Response:
        body = validated(LoginSerializer, request.data)
        user = services.log_in(body["username"], body["password"], client_ip(request))
        return _session_response(request, user)


class RefreshView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses=AccessTokenSerializer)
    def post(self, request: Request) -> Response:
        _require_same_origin(request)
        raw = request.COOKIES.get(settings.REFRESH_COOKIE_NAME, "")
        if not raw:
            raise Unauthenticated("No refresh token: log in again.", code="no_refresh_token")
        tokens = sessions.rotate(raw, client_ip(request))
        answer = AccessTokenSerializer({"access": tokens.access}).data
        return _with_refresh_cookie(request, Response(answer), tokens.refresh)


class LogoutView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        _require_same_origin(request)
        raw = request.COOKIES.get(settings.REFRESH_COOKIE_NAME, "")
        user = None
        if raw:
            # An already invalid token needs no blacklisting: logging out still succeeds.
            with contextlib.suppress(TokenError):
                token = RefreshToken(raw)  # type: ignore[arg-type]
                user = User.objects.filter(id=token.get("user_id")).first()
                token.blacklist()
        services.log_out(user, client_ip(request))
        response = Response(status=204)
        response.delete_cookie(
            settings.REFRESH_COOKIE_NAME, path=settings.REFRESH_COOKIE_PATH, samesite="Strict"
        )
        return response


class ProfileSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    theme = serializers.ChoiceField(required=False, choices=User.Theme.choices)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    def get_permissions(self) -> list[Any]:
        # A script may ask whose token it holds; editing the profile takes a session.
        if self.request.method == "PATCH":
            return [IsAuthenticated(), RefusesApiTokens()]
        return super().get_permissions()

    @extend_schema(responses=UserWithAccessSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserWithAccessSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=UserWithAccessSerializer)
    def patch(self, request: Request) -> Response:
        body = validated(ProfileSerializer, request.data)
        user = services.update_profile(request.user, body, client_ip(request))
        return Response(UserWithAccessSerializer(user).data)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=1024, trim_whitespace=False)
    new_password = serializers.CharField(max_length=1024, trim_whitespace=False)


class PasswordChangeView(APIView):
    """Change your own password: every session ends; this one gets fresh tokens."""

    permission_classes = [IsAuthenticated, RefusesApiTokens]

    @extend_schema(request=PasswordChangeSerializer, responses=SessionSerializer)
    def post(self, request: Request) -> Response:
        body = validated(PasswordChangeSerializer, request.data)
        services.change_own_password(
            request.user,
            body["current_password"],
            body["new_password"],
            client_ip(request),
        )
        return _session_response(request, request.user)


class FirstOwnerSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class SetupView(APIView):
    """First run: tells the SPA whether an owner must be created, and creates it once."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(responses=SetupStatusSerializer)
    def get(self, request: Request) -> Response:
        return Response(SetupStatusSerializer({"needs_owner": services.needs_first_owner()}).data)

    @extend_schema(request=FirstOwnerSerializer, responses={201: SessionSerializer})
    def post(self, request: Request) -> Response:
        body = validated(FirstOwnerSerializer, request.data)
        user = services.create_first_owner(
            body["username"],
            body["password"],
            body["email"],
            client_ip(request),
        )
        return _session_response(request, user, status=201)


# ---------------------------------------------------------------------------------- users (admin)


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    role = serializers.ChoiceField(choices=User.Role.choices, default=User.Role.MEMBER)


class UserUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(required=False, choices=User.Role.choices)
    is_active = serializers.BooleanField(required=False)


class PasswordResetSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class AccessEntrySerializer(serializers.Serializer):
    group_id = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=HostGroupAccess.Role.choices)


class AccessSerializer(serializers.Serializer):
    access = AccessEntrySerializer(many=True)


def _user(user_id: int) -> User:
    user = User.objects.filter(id=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


class UserListView(APIView):
    permission_classes = [RefusesApiTokens, IsAdmin]

    @extend_schema(responses=AdminUserSerializer(many=True))
    def get(self, request: Request) -> Response:
        users = list(User.objects.order_by("username"))
        failures = services.recent_login_failures(users)
        return Response(AdminUserSerializer(users, many=True, context={"login_failures": failures}).data)

    @extend_schema(request=UserCreateSerializer, responses={201: AdminUserSerializer})
    def post(self, request: Request) -> Response:
        body = validated(UserCreateSerializer, request.data)
        user = services.create_user(request.user, ip=client_ip(request), **body)
        return Response(_admin_user(user), status=201)


class UserDetailView(APIView):
    permission_classes = [RefusesApiTokens, IsAdmin]

    @extend_schema(operation_id="v1_user_retrieve", responses=AdminUserSerializer)
    def get(self, request: Request, user_id: int) -> Response:
        return Response(_admin_user(_user(user_id)))

    @extend_schema(request=UserUpdateSerializer, responses=AdminUserSerializer)
    def patch(self, request: Request, user_id: int) -> Response:
        body = validated(UserUpdateSerializer, request.data)
        user = services.update_user(request.user, _user(user_id), body, client_ip(request))
        return Response(_admin_user(user))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, user_id: int) -> Response:
        services.delete_user(request.user, _user(user_id), client_ip(request))
        return Response(status=204)


class UserPasswordView(APIView):
    permission_classes = [RefusesApiTokens, IsAdmin]

    @extend_schema(request=PasswordResetSerializer, responses={204: None})
    def post(self, request: Request, user_id: int) -> Response:
        body = validated(PasswordResetSerializer, request.data)
        services.reset_password(request.user, _user(user_id), body["password"], client_ip(request))
        return Response(status=204)


class UserAccessView(APIView):
    permission_classes = [RefusesApiTokens, IsAdmin]

    @extend_schema(request=AccessSerializer, responses=AdminUserSerializer)
    def put(self, request: Request, user_id: int) -> Response:
        body = validated(AccessSerializer, request.data)
        user = _user(user_id)
        entries = [(e["group_id"], e["role"]) for e in body["access"]]
        services.set_group_access(request.user, user, entries, client_ip(request))
        return Response(_admin_user(user))


class UserUnlockView(APIView):
    """Lift the login throttling of a user (its failed logins from every source are forgotten)."""

    permission_classes = [RefusesApiTokens, IsAdmin]

    @extend_schema(request=None, responses=AdminUserSerializer)
    def post(self, request: Request, user_id: int) -> Response:
        user = _user(user_id)
        services.unlock_login(request.user, user, client_ip(request))
        return Response(_admin_user(user))
