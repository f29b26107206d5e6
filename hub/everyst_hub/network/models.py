"""The device inventory of the networks agents scan: what is there, what changed, when to look again."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Network(models.Model):
    """A subnet as seen from one host: the same CIDR behind two hosts is two networks."""

    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="networks")
    cidr = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cidr"]
        constraints = [models.UniqueConstraint(fields=["host", "cidr"], name="one_network_per_host_cidr")]

    def __str__(self) -> str:
        return self.name or self.cidr


class Device(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="devices")
    ip = models.GenericIPAddressField()
    mac = models.CharField(max_length=17, blank=True)
    vendor = models.CharField(max_length=200, blank=True)
    hostname = models.CharField(max_length=255, blank=True)
    # Where the name came from: "dns" (reverse DNS) or "mdns" (multicast DNS on the link).
    hostname_source = models.CharField(max_length=8, blank=True)
    randomized_mac = models.BooleanField(default=False)
    # One of the scanning host's own addresses (the discover tool's "self" row).
    is_self = models.BooleanField(default=False)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    present = models.BooleanField(default=True)

    class Meta:
        ordering = ["network", "ip"]
        constraints = [models.UniqueConstraint(fields=["network", "ip"], name="one_device_per_network_ip")]

    def __str__(self) -> str:
        return self.hostname or self.ip


class DevicePort(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="ports")
    port = models.PositiveIntegerField()
    proto = models.CharField(max_length=8, default="tcp")
    service = models.CharField(max_length=500, blank=True, help_text="service name and banner")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    open = models.BooleanField(default=True)

    class Meta:
        ordering = ["port"]
        constraints = [
            models.UniqueConstraint(fields=["device", "port", "proto"], name="one_port_per_device_proto")
        ]


class NetworkScan(models.Model):
    """A finished job applied to a network: its history, and what makes a replayed job a no-op."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="scans")
    job = models.ForeignKey("tools.ToolJob", on_delete=models.CASCADE, related_name="network_scans")
    applied_at = models.DateTimeField()
    devices_seen = models.PositiveIntegerField(default=0)
    open_ports = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-applied_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["network", "job"], name="one_scan_per_network_job")]


class NetworkEvent(models.Model):
    class Kind(models.TextChoices):
        DEVICE_NEW = "device_new"
        DEVICE_GONE = "device_gone"
        PORT_OPENED = "port_opened"
        PORT_CLOSED = "port_closed"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="events")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    port = models.PositiveIntegerField(null=True, blank=True)
    proto = models.CharField(max_length=8, blank=True)
    ts = models.DateTimeField(db_index=True)
    job = models.ForeignKey(
        "tools.ToolJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-ts", "-id"]


class Schedule(models.Model):
    """A recurring scan of one network, run as the user who created it; or a recurring TLS
    certificate check of one target (params host and port), run from that network's host."""

    class Tool(models.TextChoices):
        DISCOVER = "discover"
        PORT_SCAN = "port_scan"
        TLS_CERT = "tls_cert"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="schedules")
    tool = models.CharField(max_length=16, choices=Tool.choices)
    params = models.JSONField(default=dict, blank=True)
    every_minutes = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(
        "tools.ToolJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message = models.CharField(max_length=500, blank=True, help_text="why the last run was skipped")

    class Meta:
        ordering = ["id"]
