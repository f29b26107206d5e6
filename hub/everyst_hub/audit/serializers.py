"""Answers of the audit API (the REST contract's source)."""

from __future__ import annotations

from rest_framework import serializers


class AuditTargetSerializer(serializers.Serializer):
    type = serializers.CharField(source="target_type")
    id = serializers.CharField(source="target_id")
    name = serializers.CharField(source="target_name")


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ts = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_name")
    action = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["success", "failure"])
    target = AuditTargetSerializer(source="*")
    ip = serializers.CharField(allow_null=True)
    details = serializers.DictField(help_text="what the action changed, by action")


class AuditPageSerializer(serializers.Serializer):
    """One page, newest first; `next_before_id` asks for the next older one (null: no more)."""

    results = AuditEventSerializer(many=True)
    next_before_id = serializers.IntegerField(allow_null=True)
