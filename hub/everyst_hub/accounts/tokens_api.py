"""REST adapter of API tokens: the signed-in user's own tokens. Sessions only: an API token is
refused here, so a leaked token cannot mint or list others."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.audit.services import client_ip
from everyst_hub.core.permissions import RefusesApiTokens
from everyst_hub.core.views import validated

from . import api_tokens
from .models import ApiToken
from .serializers import ApiTokenSerializer, CreatedApiTokenSerializer


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=ApiToken.Role.choices, default=ApiToken.Role.READ)
    groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=1000, source="group_ids"
    )
    expires_in_days = serializers.IntegerField(min_value=1, max_value=api_tokens.MAX_DAYS, default=90)


class ApiTokenListView(APIView):
    permission_classes = [IsAuthenticated, RefusesApiTokens]

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ApiTokenSerializer(api_tokens.list_api_tokens(request.user), many=True).data)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: CreatedApiTokenSerializer})
    def post(self, request: Request) -> Response:
        body = validated(ApiTokenCreateSerializer, request.data)
        created = api_tokens.create_api_token(request.user, ip=client_ip(request), **body)
        # The only time the secret leaves the hub.
        answer = CreatedApiTokenSerializer(created.token, context={"secret": created.secret}).data
        return Response(answer, status=201)


class ApiTokenDetailView(APIView):
    permission_classes = [IsAuthenticated, RefusesApiTokens]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, api_token_id: int) -> Response:
        api_tokens.revoke_api_token(request.user, api_token_id, client_ip(request))
        return Response(status=204)
