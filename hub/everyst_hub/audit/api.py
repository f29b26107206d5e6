from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.core.fields import IdField
from everyst_hub.core.permissions import IsAdmin

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


class AuditListView(APIView):
    """Browse the audit log, newest first, filtered; read-only by construction (GET only)."""

    permission_classes = [IsAdmin]

    @extend_schema(parameters=[AuditQuery], responses=AuditPageSerializer)
    def get(self, request: Request) -> Response:
        query = AuditQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        f = query.validated_data
        events = AuditEvent.objects.all()
        if "action" in f:
            events = events.filter(action__startswith=f["action"])
        if "actor" in f:
            events = events.filter(actor_name=f["actor"])
        if "target" in f:
            events = events.filter(target_id=f["target"])
        if "outcome" in f:
            events = events.filter(outcome=f["outcome"])
        if "since" in f:
            events = events.filter(ts__gte=f["since"])
        if "until" in f:
            events = events.filter(ts__lt=f["until"])
        if "before_id" in f:
            events = events.filter(id__lt=f["before_id"])
        page = list(events[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        answer = {"results": page, "next_before_id": page[-1].id if more else None}
        return Response(AuditPageSerializer(answer).data)
