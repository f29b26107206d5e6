"""Answers of the tools API (the REST contract's source)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import ToolJob


class JobSerializer(serializers.Serializer):
    """One run of a tool on a host's agent."""

    id = serializers.CharField()
    host = serializers.CharField(source="host_id")
    tool = serializers.CharField()
    params = serializers.DictField()
    status = serializers.ChoiceField(choices=ToolJob.Status.choices)
    percent = serializers.SerializerMethodField()
    message = serializers.CharField()
    row_count = serializers.SerializerMethodField(
        help_text="result items the hub received, including any it had to drop"
    )
    result = serializers.JSONField(
        allow_null=True, help_text="the tool's summary when it finished; null until then and for failed jobs"
    )
    has_artifact = serializers.SerializerMethodField(help_text="a file to download (a pcap)")
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_percent(self, job: ToolJob) -> float:
        return round(job.percent, 1)

    def get_row_count(self, job: ToolJob) -> int:
        return len(job.rows) + job.rows_dropped

    def get_has_artifact(self, job: ToolJob) -> bool:
        return bool(job.artifact)


class JobDetailSerializer(JobSerializer):
    """A job with every result item the hub stored."""

    rows = serializers.ListField(child=serializers.JSONField())


def job_frame(job: ToolJob, rows: list[Any] | None = None) -> dict[str, Any]:
    """The live `job` frame: the job as the REST API answers it, and the result rows it received
    since the last frame."""
    frame: dict[str, Any] = {"type": "job", "job": JobSerializer(job).data}
    if rows:
        frame["rows"] = rows
    return frame
