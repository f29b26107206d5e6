from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.core.fields import IdField
from everyst_hub.core.permissions import IsAdmin
from everyst_hub.core.views import validated

from .models import AuditEvent
from .serializers import AuditPageSerializer

PAGE_SIZE = 100


class AuditQuery(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=64)
    actor = serializers.CharField(required=False, max_length=150)
    target = serializers.CharField(required=False, max_length=64)
    outcome = serializers.ChoiceField(required=False, choices=["success", "failure"])
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    before_id = IdField(required=False)


# What each filter of AuditQuery asks of the events.
LOOKUPS = {
    "action": "action__startswith",
    "actor": "actor_name",
    "target": "target_id",
    "outcome": "outcome",
    "since": "ts__gte",
    "until": "ts__lt",
    "before_id": "id__lt",
}


class AuditListView(APIView):
    """Browse the audit log, newest first, filtered; read-only by construction (GET only)."""

    permission_classes = [IsAdmin]

    @extend_schema(parameters=[AuditQuery], responses=AuditPageSerializer)
    def get(self, request: Request) -> Response:
        f = validated(AuditQuery, request.query_params)
        events = AuditEvent.objects.filter(**{LOOKUPS[name]: value for name, value in f.items()})
        page = list(events[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        answer = {"results": page, "next_before_id": page[-1].id if more else None}
        return Response(AuditPageSerializer(answer).data)
