"""REST adapters of alerts: rules, alerts (incidents), silences, channels, notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.audit.services import client_ip, record
from everyst_hub.core.fields import IdField
from everyst_hub.core.params import int_param
from everyst_hub.core.views import validated
from everyst_hub.realtime.publish import publish_texts_sync

from . import delivery, mail, services
from .metrics import METRICS
from .models import AlertRule, MailSettings, NotificationChannel, Severity
from .serializers import (
    AlertSerializer,
    ChannelSerializer,
    ChannelTestResultSerializer,
    MailSettingsSerializer,
    MailTestResultSerializer,
    MarkedReadSerializer,
    MetricSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    RuleSerializer,
    SilenceSerializer,
    UnreadCountSerializer,
)

# ---------------------------------------------------------------------------------- request bodies


class RuleChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    source = serializers.ChoiceField(choices=AlertRule.Source.choices, required=False)
    metric = serializers.CharField(max_length=64, required=False, allow_blank=True)
    match = serializers.CharField(max_length=200, required=False, allow_blank=True)
    exclude = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=50, required=False
    )
    comparison = serializers.ChoiceField(choices=AlertRule.Comparison.choices, required=False)
    threshold = serializers.FloatField(required=False)
    for_seconds = serializers.IntegerField(min_value=0, max_value=7 * 86400, required=False)
    clear_threshold = serializers.FloatField(required=False, allow_null=True)
    clear_seconds = serializers.IntegerField(min_value=0, max_value=7 * 86400, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    repeat_minutes = serializers.IntegerField(min_value=0, max_value=7 * 1440, required=False)
    host = serializers.UUIDField(required=False, allow_null=True)
    group = IdField(required=False, allow_null=True)
    network = IdField(required=False, allow_null=True)
    enabled = serializers.BooleanField(required=False)


class RuleCreateSerializer(RuleChangeSerializer):
    name = serializers.CharField(max_length=200)
    threshold = serializers.FloatField()


class SilenceChangeSerializer(serializers.Serializer):
    host = serializers.UUIDField(required=False, allow_null=True)
    group = IdField(required=False, allow_null=True)
    rule = IdField(required=False, allow_null=True)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SilenceCreateSerializer(SilenceChangeSerializer):
    ends_at = serializers.DateTimeField()


class ChannelChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=NotificationChannel.Kind.choices, required=False)
    config = serializers.DictField(required=False)
    secret = serializers.CharField(max_length=2000, required=False, allow_blank=True, write_only=True)
    min_severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    groups = serializers.ListField(child=IdField(), max_length=1000, required=False)
    enabled = serializers.BooleanField(required=False)


class ChannelCreateSerializer(ChannelChangeSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=NotificationChannel.Kind.choices)


def _checked(check: Any, value: str) -> str:
    try:
        return str(check(value))
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


def _encodable(value: str) -> None:
    """Text that UTF-8 can hold (JSON may carry a lone surrogate, which no database stores)."""
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise serializers.ValidationError("This is not valid text (it holds a lone surrogate).") from exc


class MailSettingsChangeSerializer(serializers.Serializer):
    """Every field optional; null forgets the saved value (the environment's applies again)."""

    host = serializers.CharField(max_length=253, required=False, allow_null=True, validators=[_encodable])
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False, allow_null=True)
    security = serializers.ChoiceField(choices=MailSettings.Security.choices, required=False, allow_null=True)
    username = serializers.CharField(
        max_length=254, required=False, allow_blank=True, allow_null=True, validators=[_encodable]
    )
    password = serializers.CharField(
        max_length=1000,
        validators=[_encodable],
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        write_only=True,
        help_text="empty or omitted: keep the saved one; null: forget it",
    )
    from_address = serializers.CharField(
        max_length=320, required=False, allow_null=True, validators=[_encodable]
    )
    timeout_seconds = serializers.IntegerField(min_value=1, max_value=300, required=False, allow_null=True)

    def validate_host(self, value: str | None) -> str | None:
        return None if value is None else _checked(mail.valid_host, value)

    def validate_from_address(self, value: str | None) -> str | None:
        return None if value is None else _checked(mail.valid_from_address, value)


class MailTestSerializer(serializers.Serializer):
    to = serializers.EmailField(required=False, help_text="default: your own address")


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), max_length=1000, required=False)
    all = serializers.BooleanField(required=False, default=False)


def _limit(request: Request) -> int:
    return int_param(
        "limit", request.query_params.get("limit"), default=100, minimum=1, maximum=services.MAX_LIST
    )


# ------------------------------------------------------------------------------------------ views


def _collection_view(
    answer: type[serializers.Serializer],
    body: type[serializers.Serializer],
    listing: Callable[[Request], Any],
    may: Callable[[Any], None],
    create: Callable[[Any, dict[str, Any], str | None], Any],
    parameters: list[OpenApiParameter] | None = None,
) -> type[APIView]:
    """The view of the rules, silences or channels: GET lists what `listing` finds for the request;
    POST says whether the user may (403) before what is asked (400), then 201 with what was made."""

    class CollectionView(APIView):
        @extend_schema(parameters=parameters, responses=answer(many=True))
        def get(self, request: Request) -> Response:
            return Response(answer(listing(request), many=True).data)

        @extend_schema(request=body, responses={201: answer})
        def post(self, request: Request) -> Response:
            may(request.user)
            made = create(request.user, validated(body, request.data), client_ip(request))
            return Response(answer(made).data, status=201)

    return CollectionView


def _settings_view(
    answer: type[serializers.Serializer],
    body: type[serializers.Serializer],
    get: Callable[[Any], Any],
    update: Callable[[Any, dict[str, Any], str | None], Any],
    retrieve: str,
    may: Callable[[Any], None] | None = None,
) -> type[APIView]:
    """The view of settings there is one of (the hub's mail, a user's own preferences): GET, and
    PUT, where `may` says whether the user may (403) before the body is checked."""

    class SettingsView(APIView):
        @extend_schema(operation_id=retrieve, responses=answer)
        def get(self, request: Request) -> Response:
            return Response(answer(get(request.user)).data)

        @extend_schema(request=body, responses=answer)
        def put(self, request: Request) -> Response:
            if may is not None:
                may(request.user)
            fields = validated(body, request.data)
            return Response(answer(update(request.user, fields, client_ip(request))).data)

    return SettingsView


def _detail_view(
    answer: type[serializers.Serializer],
    change: type[serializers.Serializer],
    get: Callable[[Any, object], Any],
    update: Callable[[Any, object, dict[str, Any], str | None], Any],
    delete: Callable[[Any, object, str | None], None],
    retrieve: str | None = None,
) -> type[APIView]:
    """The view of one rule, silence or channel: PATCH and DELETE, and GET when `retrieve` names
    its operation. `get` says whether the user may ask (404, 403) before the body is checked."""

    def one(path: dict[str, int]) -> int:
        """The id in the path, whatever the URL pattern calls it."""
        (item_id,) = path.values()
        return item_id

    class DetailView(APIView):
        @extend_schema(request=change, responses=answer)
        def patch(self, request: Request, **path: int) -> Response:
            get(request.user, one(path))
            fields = validated(change, request.data)
            return Response(answer(update(request.user, one(path), fields, client_ip(request))).data)

        @extend_schema(responses={204: None})
        def delete(self, request: Request, **path: int) -> Response:
            delete(request.user, one(path), client_ip(request))
            return Response(status=204)

    if retrieve is not None:

        @extend_schema(operation_id=retrieve, responses=answer)
        def retrieve_one(self: APIView, request: Request, **path: int) -> Response:
            return Response(answer(get(request.user, one(path))).data)

        DetailView.get = retrieve_one  # type: ignore[attr-defined]
    return DetailView


class AlertListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=["firing", "resolved"]),
            OpenApiParameter("host", str, description="only this host's alerts"),
            OpenApiParameter("limit", int),
        ],
        responses=AlertSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        alerts = services.list_incidents(
            request.user,
            state=request.query_params.get("state"),
            host=request.query_params.get("host"),
            limit=_limit(request),
        )
        return Response(AlertSerializer(alerts, many=True).data)


class AlertDetailView(APIView):
    @extend_schema(operation_id="v1_alert_retrieve", responses=AlertSerializer)
    def get(self, request: Request, alert_id: int) -> Response:
        return Response(AlertSerializer(services.get_incident(request.user, alert_id)).data)


class AlertAckView(APIView):
    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request: Request, alert_id: int) -> Response:
        incident, frames = services.acknowledge(request.user, alert_id, client_ip(request))
        publish_texts_sync(frames)
        return Response(AlertSerializer(incident).data)


class AlertMetricsView(APIView):
    @extend_schema(responses=MetricSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            [
                {"name": name, "description": m.description, "unit": m.unit, "key": m.key}
                for name, m in sorted(METRICS.items())
            ]
        )


class ChannelTestView(APIView):
    @extend_schema(request=None, responses=ChannelTestResultSerializer)
    def post(self, request: Request, channel_id: int) -> Response:
        channel = services.get_channel(request.user, channel_id)
        error = delivery.send_test(channel)
        record(
            "alert.channel.test",
            actor=request.user,
            target=channel,
            outcome="success" if error is None else "failure",
            ip=client_ip(request),
        )
        return Response({"delivered": error is None, "error": error})


class MailTestView(APIView):
    @extend_schema(request=MailTestSerializer, responses=MailTestResultSerializer)
    def post(self, request: Request) -> Response:
        mail.require_admin(request.user)
        body = validated(MailTestSerializer, request.data)
        return Response(mail.send_test(request.user, body.get("to"), client_ip(request)))


class NotificationListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool), OpenApiParameter("limit", int)],
        responses=NotificationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        notifications = services.list_notifications(
            request.user, unread=_flag(request, "unread"), limit=_limit(request)
        )
        return Response(NotificationSerializer(notifications, many=True).data)


class NotificationUnreadView(APIView):
    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request: Request) -> Response:
        return Response({"unread": services.unread_count(request.user)})


class NotificationReadView(APIView):
    @extend_schema(request=MarkReadSerializer, responses=MarkedReadSerializer)
    def post(self, request: Request) -> Response:
        body = validated(MarkReadSerializer, request.data)
        ids = None if body.get("all") else body.get("ids", [])
        marked = services.mark_read(request.user, ids)
        return Response({"marked": marked, "unread": services.unread_count(request.user)})


class PreferencesChangeSerializer(serializers.Serializer):
    min_severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    groups = serializers.ListField(child=IdField(), max_length=1000, required=False)
    toasts = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    quiet_start = serializers.TimeField(required=False, allow_null=True)
    quiet_end = serializers.TimeField(required=False, allow_null=True)
    timezone = serializers.CharField(max_length=64, required=False)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in {"1", "true", "yes"}


MailSettingsView = _settings_view(
    MailSettingsSerializer,
    MailSettingsChangeSerializer,
    mail.get_settings,
    mail.update_settings,
    "v1_mail_settings_retrieve",
    may=mail.require_admin,
)
NotificationPreferencesView = _settings_view(
    PreferencesSerializer,
    PreferencesChangeSerializer,
    services.preferences,
    services.update_preferences,
    "v1_notification_preferences_retrieve",
)
RuleListView = _collection_view(
    RuleSerializer,
    RuleCreateSerializer,
    lambda request: services.visible_rules(request.user),
    services.check_may_manage_alerts,
    services.create_rule,
)
SilenceListView = _collection_view(
    SilenceSerializer,
    SilenceCreateSerializer,
    lambda request: services.list_silences(request.user, active=_flag(request, "active")),
    services.check_may_manage_alerts,
    services.create_silence,
    [OpenApiParameter("active", bool, description="only silences not yet ended")],
)
ChannelListView = _collection_view(
    ChannelSerializer,
    ChannelCreateSerializer,
    lambda request: services.list_channels(request.user),
    services.require_admin,
    services.create_channel,
)
RuleDetailView = _detail_view(
    RuleSerializer,
    RuleChangeSerializer,
    services.get_rule,
    services.update_rule,
    services.delete_rule,
    retrieve="v1_alert_rule_retrieve",
)
SilenceDetailView = _detail_view(
    SilenceSerializer,
    SilenceChangeSerializer,
    services.get_silence,
    services.update_silence,
    services.delete_silence,
    retrieve="v1_silence_retrieve",
)
ChannelDetailView = _detail_view(
    ChannelSerializer,
    ChannelChangeSerializer,
    services.get_channel,
    services.update_channel,
    services.delete_channel,
)
