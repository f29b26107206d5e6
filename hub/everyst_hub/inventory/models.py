from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class HostGroup(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class HostGroupAccess(models.Model):
    """What a non-admin user may do on the hosts of one group."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        OPERATOR = "operator", "Operator"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_access")
    group = models.ForeignKey(HostGroup, on_delete=models.CASCADE, related_name="access")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="one_access_per_user_group")]


class Host(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hostname = models.CharField(max_length=255)
    machine_id = models.CharField(max_length=64, blank=True, db_index=True)
    os = models.CharField(max_length=255, blank=True)
    kernel = models.CharField(max_length=255, blank=True)
    arch = models.CharField(max_length=32, blank=True)
    cpu_model = models.CharField(max_length=255, blank=True)
    cpu_logical = models.PositiveIntegerField(default=0)
    cpu_physical = models.PositiveIntegerField(default=0)
    memory_total = models.BigIntegerField(default=0)
    addresses = models.JSONField(default=list, blank=True)
    agent_version = models.CharField(max_length=32, blank=True)
    virtualization = models.CharField(max_length=32, blank=True)
    boot_time = models.FloatField(null=True, blank=True)
    collect_interval_ms = models.PositiveIntegerField(default=1000)
    connected = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    dropped_samples = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    groups = models.ManyToManyField(HostGroup, related_name="hosts", blank=True)

    class Meta:
        ordering = ["hostname"]

    def __str__(self) -> str:
        return self.hostname


class Agent(models.Model):
    """The credential a host's agent streams with. Only the secret's hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="agents")
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class EnrollmentToken(models.Model):
    """A one-time (or few-times), expiring credential that turns into an Agent."""

    token_hash = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    uses_left = models.PositiveIntegerField(default=1)
    group = models.ForeignKey(HostGroup, null=True, blank=True, on_delete=models.SET_NULL)
    # Set on a "replace the agent of this host" token: it enrolls onto this host only, revoking
    # the host's previous agents, and never creates a host.
    host = models.ForeignKey(
        Host, null=True, blank=True, on_delete=models.CASCADE, related_name="replacement_tokens"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
