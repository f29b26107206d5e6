"""Answers of the network API (the REST contract's source)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from everyst_hub.tools.models import ToolJob

from .models import NetworkEvent, NetworkScan, Schedule


class NetworkSerializer(serializers.Serializer):
    """A subnet as seen from one host."""

    id = serializers.IntegerField()
    host = serializers.CharField(source="host_id")
    cidr = serializers.CharField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_scan_at = serializers.DateTimeField(allow_null=True)


class ListedNetworkSerializer(NetworkSerializer):
    """With how many devices it has had, and how many answered its last discovery."""

    devices = serializers.IntegerField(source="device_count")
    present = serializers.IntegerField(source="present_count")


class DevicePortSerializer(serializers.Serializer):
    port = serializers.IntegerField()
    proto = serializers.CharField()
    service = serializers.CharField(help_text="service name and banner")
    open = serializers.BooleanField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()


class DeviceSerializer(serializers.Serializer):
    """An address seen on a network, with its open and closed ports."""

    id = serializers.IntegerField()
    network = serializers.IntegerField(source="network_id")
    ip = serializers.CharField()
    mac = serializers.CharField()
    vendor = serializers.CharField()
    hostname = serializers.CharField()
    hostname_source = serializers.ChoiceField(
        choices=[("", "unknown"), ("dns", "reverse DNS"), ("mdns", "multicast DNS on the link")],
        help_text="where the name came from",
    )
    randomized_mac = serializers.BooleanField()
    is_self = serializers.BooleanField(help_text="one of the scanning host's own addresses")
    present = serializers.BooleanField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    ports = DevicePortSerializer(many=True, source="ports.all")


class NetworkDetailSerializer(NetworkSerializer):
    host_name = serializers.CharField(source="host.hostname")
    devices = DeviceSerializer(many=True, source="devices_by_id")


class NetworkEventSerializer(serializers.Serializer):
    """A change a scan found: a device new or gone, a port opened or closed."""

    id = serializers.IntegerField()
    network = serializers.IntegerField(source="network_id")
    kind = serializers.ChoiceField(choices=NetworkEvent.Kind.choices)
    device = serializers.IntegerField(source="device_id", allow_null=True)
    ip = serializers.CharField(source="device.ip", allow_null=True)
    hostname = serializers.CharField(source="device.hostname", allow_null=True)
    port = serializers.IntegerField(allow_null=True)
    proto = serializers.SerializerMethodField()
    ts = serializers.DateTimeField()
    job = serializers.CharField(source="job_id", allow_null=True, help_text="the scan that found it")

    def get_proto(self, event: NetworkEvent) -> str | None:
        return event.proto or None


class DeviceDetailSerializer(DeviceSerializer):
    """A device with its network and its last 500 changes, newest first."""

    network_cidr = serializers.CharField(source="network.cidr")
    host = serializers.CharField(source="network.host_id")
    history = NetworkEventSerializer(many=True)


class ScanChangesSerializer(serializers.Serializer):
    """How many changes of each kind a scan made."""

    device_new = serializers.IntegerField()
    device_gone = serializers.IntegerField()
    port_opened = serializers.IntegerField()
    port_closed = serializers.IntegerField()


class NetworkScanSerializer(serializers.Serializer):
    """A finished scan folded into the network's inventory (`changes` in the context: job id -> its
    changes by kind)."""

    job = serializers.CharField(source="job_id")
    tool = serializers.CharField(source="job.tool")
    params = serializers.DictField(source="job.params")
    status = serializers.ChoiceField(source="job.status", choices=ToolJob.Status.choices)
    requested_by = serializers.CharField(source="job.requested_by.username", allow_null=True)
    finished_at = serializers.DateTimeField(source="job.finished_at", allow_null=True)
    applied_at = serializers.DateTimeField()
    devices_seen = serializers.IntegerField()
    open_ports = serializers.IntegerField()
    changes = serializers.SerializerMethodField()

    @extend_schema_field(ScanChangesSerializer)
    def get_changes(self, scan: NetworkScan) -> dict[str, int]:
        found = self.context["changes"].get(scan.job_id, {})
        return {kind: found.get(kind, 0) for kind in NetworkEvent.Kind.values}


class ScheduleSerializer(serializers.Serializer):
    """A recurring scan or TLS check of a network."""

    id = serializers.IntegerField()
    network = serializers.IntegerField(source="network_id")
    tool = serializers.ChoiceField(choices=Schedule.Tool.choices)
    params = serializers.DictField()
    every_minutes = serializers.IntegerField()
    enabled = serializers.BooleanField()
    next_run_at = serializers.DateTimeField()
    last_run_at = serializers.DateTimeField(allow_null=True)
    last_job = serializers.CharField(source="last_job_id", allow_null=True)
    last_message = serializers.CharField(help_text="why the last run was skipped")
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    created_at = serializers.DateTimeField()
