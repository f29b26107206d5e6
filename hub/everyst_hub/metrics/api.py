from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.core.errors import NotFound
from everyst_hub.core.fields import UnixMsField
from everyst_hub.core.views import validated
from everyst_hub.inventory.access import get_visible_host

from .history import MAX_POINTS, history
from .serializers import HostHistorySerializer, SampleSerializer, SamplesPageSerializer
from .services import MAX_RANGE_SAMPLES, latest_sample, sample_range


class RangeQuery(serializers.Serializer):
    since = UnixMsField(required=False)
    until = UnixMsField(required=False)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_RANGE_SAMPLES, default=MAX_RANGE_SAMPLES
    )


# Samples and histories are built as plain data on the hot path (metrics.codec, metrics.history);
# the serializers declare that form and a test holds the two equal.


class LatestSampleView(APIView):
    @extend_schema(responses=SampleSerializer)
    def get(self, request: Request, host_id: str) -> Response:
        host = get_visible_host(request.user, host_id)
        sample = latest_sample(host)
        if sample is None:
            raise NotFound("This host has sent no sample yet.")
        return Response(sample)


class SampleRangeView(APIView):
    @extend_schema(parameters=[RangeQuery], responses=SamplesPageSerializer)
    def get(self, request: Request, host_id: str) -> Response:
        host = get_visible_host(request.user, host_id)
        params = validated(RangeQuery, request.query_params)
        samples = sample_range(host, params.get("since"), params.get("until"), params["limit"])
        return Response({"samples": samples})


class HistoryQuery(serializers.Serializer):
    start = UnixMsField()
    end = UnixMsField()
    points = serializers.IntegerField(required=False, min_value=10, max_value=MAX_POINTS, default=MAX_POINTS)
    series = serializers.CharField(
        required=False, max_length=500, help_text="comma-separated series prefixes, e.g. cpu,mem,net.eth0"
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "end must be after start."})
        if attrs["end"] - attrs["start"] > 400 * 24 * 3_600_000:
            raise serializers.ValidationError({"start": "ranges are limited to 400 days."})
        return attrs


class HistoryView(APIView):
    @extend_schema(parameters=[HistoryQuery], responses=HostHistorySerializer)
    def get(self, request: Request, host_id: str) -> Response:
        host = get_visible_host(request.user, host_id)
        params = validated(HistoryQuery, request.query_params)
        prefixes = (
            {p.strip() for p in params["series"].split(",") if p.strip()} if params.get("series") else None
        )
        return Response(
            history(host, params["start"], params["end"], points=params["points"], series=prefixes)
        )
