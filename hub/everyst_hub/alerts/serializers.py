"""Answers of the alerts API and the live `alert` and `notification` frames (the contract's
source): rules, alerts (incidents), silences, channels, notifications, preferences and the
hub's outgoing mail settings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any

from rest_framework import serializers

from everyst_hub.inventory.serializers import HostRefSerializer

from . import mail
from .models import AlertRule, Incident, MailSettings, Notification, NotificationChannel, Severity


class GroupIdsField(serializers.ListField):
    """The sorted ids of a row's host groups (none before the row is saved)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.IntegerField(), source="*", **kwargs)

    def to_representation(self, row: Any) -> list[int]:
        return sorted(g.id for g in row.groups.all()) if row.pk else []


class HourMinuteField(serializers.CharField):
    """A time of day as HH:MM."""

    def to_representation(self, value: time) -> str:
        return value.strftime("%H:%M")


class RuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    source = serializers.ChoiceField(choices=AlertRule.Source.choices)
    metric = serializers.CharField()
    match = serializers.CharField()
    exclude = serializers.ListField(child=serializers.CharField())
    comparison = serializers.ChoiceField(choices=AlertRule.Comparison.choices)
    threshold = serializers.FloatField()
    for_seconds = serializers.IntegerField()
    clear_threshold = serializers.FloatField(allow_null=True)
    clear_seconds = serializers.IntegerField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    repeat_minutes = serializers.IntegerField()
    host = serializers.UUIDField(source="host_id", allow_null=True)
    group = serializers.IntegerField(source="group_id", allow_null=True)
    network = serializers.IntegerField(
        source="network_id", allow_null=True, help_text="network event rules: the one network watched"
    )
    enabled = serializers.BooleanField()
    builtin = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# Of Incident.rule_summary: the rule as it is, or as it was when deleted.
class AlertRuleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null once the rule is deleted")
    deleted = serializers.BooleanField(help_text="the rule is deleted; name and the rest are as it was")
    name = serializers.CharField()
    metric = serializers.CharField()
    source = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = AlertRuleRefSerializer(source="rule_summary")
    host = HostRefSerializer()
    series = serializers.CharField()
    state = serializers.ChoiceField(choices=Incident.State.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    comparison = serializers.CharField(source="rule_summary.comparison")
    threshold = serializers.FloatField(source="rule_summary.threshold")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    peak_value = serializers.FloatField()
    last_value = serializers.FloatField()
    silenced = serializers.BooleanField()
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class SilenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    host = serializers.UUIDField(source="host_id", allow_null=True)
    group = serializers.IntegerField(source="group_id", allow_null=True)
    rule = serializers.IntegerField(source="rule_id", allow_null=True)
    label = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    comment = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    created_at = serializers.DateTimeField()


class ChannelConfigSerializer(serializers.Serializer):
    """email: {"to": [...]}; webhook: {"url": ...}; apprise: {}"""

    to = serializers.ListField(child=serializers.CharField(), required=False, help_text="email: recipients")
    url = serializers.CharField(required=False, help_text="webhook: where it posts")


class ChannelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=NotificationChannel.Kind.choices)
    config = ChannelConfigSerializer()
    has_secret = serializers.BooleanField(help_text="the secret itself is never returned")
    min_severity = serializers.ChoiceField(choices=Severity.choices)
    groups = GroupIdsField()
    enabled = serializers.BooleanField()
    last_sent_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    alert = serializers.IntegerField(source="incident_id", allow_null=True)
    event = serializers.CharField(help_text="firing, resolved or repeat")
    severity = serializers.ChoiceField(choices=Severity.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField(source="is_read")


# Of a NotificationPreference (saved or the default).
class PreferencesSerializer(serializers.Serializer):
    min_severity = serializers.ChoiceField(choices=Severity.choices)
    groups = GroupIdsField(help_text="empty: every group")
    toasts = serializers.BooleanField()
    email = serializers.BooleanField(help_text="also by e-mail to email_address")
    email_address = serializers.CharField(
        source="user.email", allow_blank=True, help_text="the profile's address (read-only)"
    )
    quiet_start = HourMinuteField(allow_null=True, help_text="HH:MM, in timezone")
    quiet_end = HourMinuteField(allow_null=True)
    timezone = serializers.CharField()


def _source() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=mail.ValueSource.choices)


class MailSourcesSerializer(serializers.Serializer):
    host = _source()
    port = _source()
    security = _source()
    username = _source()
    password = _source()
    from_address = _source()
    timeout_seconds = _source()


# Of a mail.MailConfig: what a message sent now goes through, and where each value is from.
class MailSettingsSerializer(serializers.Serializer):
    host = serializers.CharField()
    port = serializers.IntegerField()
    security = serializers.ChoiceField(choices=MailSettings.Security.choices)
    username = serializers.CharField(allow_blank=True, help_text="empty: no login")
    password_set = serializers.BooleanField(help_text="the password itself is never returned")
    password_error = serializers.CharField(
        allow_null=True, help_text="the saved password cannot be decrypted (the secret key changed)"
    )
    from_address = serializers.CharField()
    timeout_seconds = serializers.IntegerField()
    sources = MailSourcesSerializer(help_text='per field: "saved" here, or the environment\'s ("env")')
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_null=True)


class ChannelTestResultSerializer(serializers.Serializer):
    delivered = serializers.BooleanField()
    error = serializers.CharField(allow_null=True)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class MetricSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    key = serializers.CharField(help_text='what a series key is ("mount", "interface"); empty: one series')


class MailTestResultSerializer(serializers.Serializer):
    delivered = serializers.BooleanField()
    error = serializers.CharField(allow_null=True, help_text="the mail server's answer, or why none came")
    to = serializers.CharField()


# ------------------------------------------------------------------------------------ live frames


def alert_frames(changes: Sequence[tuple[str, Incident]]) -> list[dict[str, Any]]:
    """The live `alert` frames: each alert as the REST API answers it, and what happened to it
    (one serializer for them all: a new one per alert cost 6x as much, ~0.45 ms)."""
    answers = AlertSerializer([incident for _, incident in changes], many=True).data
    return [
        {"type": "alert", "event": event, "alert": answer}
        for (event, _), answer in zip(changes, answers, strict=True)
    ]


def alert_frame(event: str, incident: Incident) -> dict[str, Any]:
    return alert_frames([(event, incident)])[0]


def notification_frames(notifications: Iterable[Notification]) -> list[dict[str, Any]]:
    """The live `notification` frames (toasts), one serializer for them all."""
    answers = NotificationSerializer(list(notifications), many=True).data
    return [{"type": "notification", "notification": answer} for answer in answers]
