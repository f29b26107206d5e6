"""Login, refresh, logout, me. The refresh token lives only in an HttpOnly cookie; the access
token is returned in the body and kept in memory by the SPA."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from everyst_hub.core.errors import Unauthenticated

from .models import User


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "email": user.email, "role": user.role}


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


def _with_refresh_cookie(response: Response, refresh: str) -> Response:
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        refresh,
        max_age=int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
        path=settings.REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.REFRESH_COOKIE_SECURE,
        samesite="Strict",
    )
    return response


class LoginView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        body = LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise Unauthenticated("Invalid username or password.", code="invalid_credentials")
        refresh = RefreshToken.for_user(user)
        response = Response({"access": str(refresh.access_token), "user": user_dict(user)})
        return _with_refresh_cookie(response, str(refresh))


class RefreshView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        raw = request.COOKIES.get(settings.REFRESH_COOKIE_NAME, "")
        if not raw:
            raise Unauthenticated("No refresh token: log in again.", code="no_refresh_token")
        serializer = TokenRefreshSerializer(data={"refresh": raw})
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise Unauthenticated("The session has expired or was revoked: log in again.") from exc
        except serializers.ValidationError as exc:
            raise Unauthenticated("The session has expired or was revoked: log in again.") from exc
        data = serializer.validated_data
        response = Response({"access": data["access"]})
        return _with_refresh_cookie(response, data.get("refresh", raw))


class LogoutView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        raw = request.COOKIES.get(settings.REFRESH_COOKIE_NAME, "")
        if raw:
            # An already invalid token needs no blacklisting: logging out still succeeds.
            with contextlib.suppress(TokenError):
                RefreshToken(raw).blacklist()
        response = Response(status=204)
        response.delete_cookie(
            settings.REFRESH_COOKIE_NAME, path=settings.REFRESH_COOKIE_PATH, samesite="Strict"
        )
        return response


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(user_dict(request.user))
