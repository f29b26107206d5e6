"""Accounts REST adapter. The refresh token lives only in an HttpOnly cookie; the access
token is returned in the body and kept in memory by the SPA."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from everyst_hub.audit.services import client_ip
from everyst_hub.core.errors import NotFound, Unauthenticated
from everyst_hub.core.permissions import IsAdmin
from everyst_hub.inventory.models import HostGroupAccess

from . import services
from .models import User


def user_dict(user: User, *, with_access: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "theme": user.theme,
        "is_active": user.is_active,
        "last_login": user.last_login.isoformat().replace("+00:00", "Z") if user.last_login else None,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
    }
    if with_access:
        data["access"] = [
            {"group_id": a.group_id, "group": a.group.name, "role": a.role}
            for a in HostGroupAccess.objects.filter(user=user).select_related("group").order_by("group__name")
        ]
    return data


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


def _session_response(request: Request, user: User, status: int = 200) -> Response:
    refresh = RefreshToken.for_user(user)
    response = Response({"access": str(refresh.access_token), "user": user_dict(user)}, status=status)
    return _with_refresh_cookie(request, response, str(refresh))


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
    return response


class LoginView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.log_in(
            body.validated_data["username"], body.validated_data["password"], client_ip(request)
        )
        return _session_response(request, user)


class RefreshView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        raw = request.COOKIES.get(settings.REFRESH_COOKIE_NAME, "")
        if not raw:
            raise Unauthenticated("No refresh token: log in again.", code="no_refresh_token")
        serializer = TokenRefreshSerializer(data={"refresh": raw})
        try:
            serializer.is_valid(raise_exception=True)
        except (TokenError, serializers.ValidationError) as exc:
            raise Unauthenticated("The session has expired or was revoked: log in again.") from exc
        data = serializer.validated_data
        response = Response({"access": data["access"]})
        return _with_refresh_cookie(request, response, data.get("refresh", raw))


class LogoutView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
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

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(user_dict(request.user, with_access=True))

    @extend_schema(request=ProfileSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request: Request) -> Response:
        body = ProfileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.update_profile(request.user, dict(body.validated_data), client_ip(request))
        return Response(user_dict(user, with_access=True))


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=1024, trim_whitespace=False)
    new_password = serializers.CharField(max_length=1024, trim_whitespace=False)


class PasswordChangeView(APIView):
    """Change your own password: every session ends; this one gets fresh tokens."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.change_own_password(
            request.user,
            body.validated_data["current_password"],
            body.validated_data["new_password"],
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

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response({"needs_owner": services.needs_first_owner()})

    @extend_schema(request=FirstOwnerSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = FirstOwnerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.create_first_owner(
            body.validated_data["username"],
            body.validated_data["password"],
            body.validated_data["email"],
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
    permission_classes = [IsAdmin]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response([user_dict(u, with_access=True) for u in User.objects.order_by("username")])

    @extend_schema(request=UserCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.create_user(request.user, ip=client_ip(request), **body.validated_data)
        return Response(user_dict(user, with_access=True), status=201)


class UserDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(operation_id="v1_user_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, user_id: int) -> Response:
        return Response(user_dict(_user(user_id), with_access=True))

    @extend_schema(request=UserUpdateSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request: Request, user_id: int) -> Response:
        body = UserUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.update_user(
            request.user, _user(user_id), dict(body.validated_data), client_ip(request)
        )
        return Response(user_dict(user, with_access=True))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, user_id: int) -> Response:
        services.delete_user(request.user, _user(user_id), client_ip(request))
        return Response(status=204)


class UserPasswordView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=PasswordResetSerializer, responses={204: None})
    def post(self, request: Request, user_id: int) -> Response:
        body = PasswordResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reset_password(
            request.user, _user(user_id), body.validated_data["password"], client_ip(request)
        )
        return Response(status=204)


class UserAccessView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=AccessSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request: Request, user_id: int) -> Response:
        body = AccessSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = _user(user_id)
        entries = [(e["group_id"], e["role"]) for e in body.validated_data["access"]]
        services.set_group_access(request.user, user, entries, client_ip(request))
        return Response(user_dict(user, with_access=True))
