from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ToolJob(models.Model):
    """One run of a network tool on one host's agent, from request to result."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"
        CANCELLED = "cancelled"
        INTERRUPTED = "interrupted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="jobs")
    tool = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    percent = models.FloatField(default=0)
    message = models.CharField(max_length=1000, blank=True)
    rows = models.JSONField(default=list, help_text="result rows streamed so far (bounded)")
    rows_dropped = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True, help_text="the final summary")
    artifact = models.BinaryField(null=True, blank=True, help_text="binary output, e.g. a pcap")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the agent last reported on this job: None until it acknowledges the command.
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def done(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
