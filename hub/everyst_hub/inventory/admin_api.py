"""Owner/admin API for agent enrollment: enrollment tokens (create, list, delete), agents
(list, revoke) and replacing the agent of a host. Raw tokens are shown once, in the create
answer; only their hashes are stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.audit.services import client_ip
from everyst_hub.core.permissions import IsAdmin
from everyst_hub.core.views import validated
from everyst_hub.deploy.packages import PublicAddresses, install_command, public_addresses
from everyst_hub.ingest.server import server_tls

from .enrollment import (
    EnrollmentTokenCreated,
    delete_enrollment_token,
    hosts_enrolled_with,
    issue_agent_replacement,
    issue_enrollment_token,
    revoke_agent,
)
from .models import Agent, EnrollmentToken, HostGroup
from .serializers import AgentSerializer, CreatedEnrollmentTokenSerializer, ListedEnrollmentTokenSerializer


class CreateEnrollmentTokenSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    expires_minutes = serializers.IntegerField(required=False, min_value=1, max_value=43200, default=60)
    uses = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=1)
    group_id = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=HostGroup.objects.all(), default=None
    )
    group_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("group_id") is not None and attrs.get("group_name"):
            raise serializers.ValidationError({"group_name": "Give group_id or group_name, not both."})
        return attrs


class EnrollmentTokenListView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(responses=ListedEnrollmentTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        now = timezone.now()
        tokens = EnrollmentToken.objects.select_related("group", "host", "created_by").order_by(
            "-created_at", "-id"
        )
        tokens = list(tokens)
        enrolled = hosts_enrolled_with([t.id for t in tokens])
        context = {"now": now, "enrolled": enrolled}
        return Response(ListedEnrollmentTokenSerializer(tokens, many=True, context=context).data)

    @extend_schema(request=CreateEnrollmentTokenSerializer, responses={201: CreatedEnrollmentTokenSerializer})
    def post(self, request: Request) -> Response:
        data = validated(CreateEnrollmentTokenSerializer, request.data)
        # Read before the token exists, so a broken TLS setup or a bad address leaves no orphan token.
        fingerprint = server_tls().ca_fingerprint
        addresses = public_addresses(scheme=request.scheme or "http", host=request.get_host())
        created = issue_enrollment_token(
            actor=request.user,
            ttl=timedelta(minutes=data["expires_minutes"]),
            uses=data["uses"],
            description=data["description"].strip(),
            group=data["group_id"],
            group_name=data["group_name"].strip(),
            ip=client_ip(request),
        )
        return _created(created, fingerprint, addresses)


def _created(created: EnrollmentTokenCreated, fingerprint: str, addresses: PublicAddresses) -> Response:
    """The one answer that carries the raw token, with the one-line command that installs and enrolls."""
    invite = {
        "token": created.raw,
        "ca_fingerprint": fingerprint,
        "grpc_address": addresses.grpc_address,
        "hub_url": addresses.hub_url,
        "install_command": install_command(
            hub_url=addresses.hub_url, token=created.raw, fingerprint=fingerprint
        ),
        "install_warnings": addresses.warnings,
    }
    context = {"now": timezone.now(), "invite": invite}
    return Response(CreatedEnrollmentTokenSerializer(created.token, context=context).data, status=201)


class EnrollmentTokenDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        delete_enrollment_token(token_id, actor=request.user, ip=client_ip(request))
        return Response(status=204)


class AgentListView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(responses=AgentSerializer(many=True))
    def get(self, request: Request) -> Response:
        agents = Agent.objects.select_related("host").order_by("-created_at")
        return Response(AgentSerializer(agents, many=True).data)


class AgentRevokeView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses=AgentSerializer)
    def post(self, request: Request, agent_id: str) -> Response:
        agent = revoke_agent(agent_id, request.user, ip=client_ip(request))
        return Response(AgentSerializer(agent).data)


class ReplaceAgentSerializer(serializers.Serializer):
    expires_minutes = serializers.IntegerField(required=False, min_value=1, max_value=43200, default=60)


class HostAgentReplacementView(APIView):
    """Issue a one-use token that enrolls a new agent onto this host and revokes its current one."""

    permission_classes = [IsAdmin]

    @extend_schema(request=ReplaceAgentSerializer, responses={201: CreatedEnrollmentTokenSerializer})
    def post(self, request: Request, host_id: str) -> Response:
        body = validated(ReplaceAgentSerializer, request.data)
        fingerprint = server_tls().ca_fingerprint
        addresses = public_addresses(scheme=request.scheme or "http", host=request.get_host())
        created = issue_agent_replacement(
            host_id,
            actor=request.user,
            ttl=timedelta(minutes=body["expires_minutes"]),
            ip=client_ip(request),
        )
        return _created(created, fingerprint, addresses)
