"""Answers of the inventory API (the REST contract's source)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from everyst_hub.metrics.serializers import SampleSerializer

from .groups import VisibleHostGroup
from .hosts import is_online
from .models import EnrollmentToken, Host, HostGroupAccess


class HostGroupSerializer(serializers.Serializer):
    """A host group as other answers refer to it."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class HostRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    hostname = serializers.CharField()


class HostSerializer(serializers.Serializer):
    """A host as `host` WebSocket frames carry it: everything but its latest sample.

    Built for thousands of hosts at once by inventory.hosts.host_summary (the hot path); this
    declares that form and a test holds the two equal."""

    id = serializers.CharField()
    hostname = serializers.CharField()
    os = serializers.CharField()
    kernel = serializers.CharField()
    arch = serializers.CharField()
    cpu_model = serializers.CharField()
    cpu_logical = serializers.IntegerField()
    cpu_physical = serializers.IntegerField()
    memory_total = serializers.IntegerField()
    addresses = serializers.ListField(child=serializers.CharField())
    agent_version = serializers.CharField()
    virtualization = serializers.CharField()
    boot_time = serializers.FloatField(allow_null=True, help_text="unix seconds")
    groups = HostGroupSerializer(many=True, source="groups.all")
    online = serializers.SerializerMethodField()
    last_seen = serializers.DateTimeField(allow_null=True)
    collect_interval_ms = serializers.IntegerField()
    dropped_samples = serializers.IntegerField()

    def get_online(self, host: Host) -> bool:
        return is_online(host)


class HostWithLatestSerializer(HostSerializer):
    """A host and its latest sample (null before its first)."""

    latest = SampleSerializer(allow_null=True)


class EnrollmentTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    expires_at = serializers.DateTimeField()
    uses_left = serializers.IntegerField()
    group = HostGroupSerializer(allow_null=True)
    host = HostRefSerializer(allow_null=True, help_text="a replacement token's host: it enrolls onto it only")
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    created_at = serializers.DateTimeField()
    expired = serializers.SerializerMethodField()

    def get_expired(self, token: EnrollmentToken) -> bool:
        return bool(token.expires_at <= self.context["now"])


class ListedEnrollmentTokenSerializer(EnrollmentTokenSerializer):
    """With the hosts enrolled with it (`enrolled` in the context: token id -> hosts)."""

    enrolled_hosts = serializers.SerializerMethodField()

    @extend_schema_field(HostRefSerializer(many=True))
    def get_enrolled_hosts(self, token: EnrollmentToken) -> list[dict[str, str]]:
        return list(self.context["enrolled"][token.id])


class CreatedEnrollmentTokenSerializer(EnrollmentTokenSerializer):
    """The one answer that carries the raw token, with the one-line command that installs and
    enrolls an agent (the rest of the answer comes in the context's `invite`)."""

    token = serializers.SerializerMethodField()
    ca_fingerprint = serializers.SerializerMethodField()
    grpc_address = serializers.SerializerMethodField()
    hub_url = serializers.SerializerMethodField()
    install_command = serializers.SerializerMethodField()
    install_warnings = serializers.SerializerMethodField(
        help_text="why the command may not work, or not safely, from another machine"
    )

    def get_token(self, token: EnrollmentToken) -> str:
        return str(self.context["invite"]["token"])

    def get_ca_fingerprint(self, token: EnrollmentToken) -> str:
        return str(self.context["invite"]["ca_fingerprint"])

    def get_grpc_address(self, token: EnrollmentToken) -> str:
        return str(self.context["invite"]["grpc_address"])

    def get_hub_url(self, token: EnrollmentToken) -> str:
        return str(self.context["invite"]["hub_url"])

    def get_install_command(self, token: EnrollmentToken) -> str:
        return str(self.context["invite"]["install_command"])

    def get_install_warnings(self, token: EnrollmentToken) -> list[str]:
        return list(self.context["invite"]["install_warnings"])


class AgentSerializer(serializers.Serializer):
    id = serializers.CharField()
    host = HostRefSerializer()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    connected = serializers.BooleanField(source="host.connected")
    last_seen = serializers.DateTimeField(source="host.last_seen", allow_null=True)


class GroupGrantSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=HostGroupAccess.Role.choices)


class HostGroupDetailSerializer(serializers.Serializer):
    """A host group as its user sees it; `access` (who holds which role) for owners and admins only."""

    id = serializers.IntegerField(source="group.id")
    name = serializers.CharField(source="group.name")
    description = serializers.CharField(source="group.description")
    host_count = serializers.IntegerField()
    host_ids = serializers.ListField(child=serializers.CharField())
    my_role = serializers.CharField(help_text="admin, operator or viewer")
    access = GroupGrantSerializer(many=True, required=False)

    def to_representation(self, entry: VisibleHostGroup) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(entry)
        if entry.access is None:
            del data["access"]
        return data
