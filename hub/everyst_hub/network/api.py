from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.audit.services import client_ip
from everyst_hub.core.views import validated

from . import inventory, schedules
from .schedules import MAX_EVERY_MINUTES, MIN_EVERY_MINUTES
from .serializers import (
    DeviceDetailSerializer,
    ListedNetworkSerializer,
    NetworkDetailSerializer,
    NetworkEventSerializer,
    NetworkScanSerializer,
    ScheduleSerializer,
)


class ScheduleToolField(serializers.CharField):
    """discover, port_scan or tls_cert, checked by the service. A plain string in the schema: an enum here
    would collide with the tools app's enum of the same field name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=16, help_text="discover, port_scan or tls_cert", **kwargs)


class NewScheduleSerializer(serializers.Serializer):
    tool = ScheduleToolField()
    params = serializers.DictField(required=False, default=dict)
    every_minutes = serializers.IntegerField(min_value=MIN_EVERY_MINUTES, max_value=MAX_EVERY_MINUTES)
    enabled = serializers.BooleanField(required=False, default=True)


class ScheduleChangeSerializer(serializers.Serializer):
    tool = ScheduleToolField(required=False)
    params = serializers.DictField(required=False)
    every_minutes = serializers.IntegerField(
        min_value=MIN_EVERY_MINUTES, max_value=MAX_EVERY_MINUTES, required=False
    )
    enabled = serializers.BooleanField(required=False)


class HostNetworksView(APIView):
    @extend_schema(responses=ListedNetworkSerializer(many=True))
    def get(self, request: Request, host_id: str) -> Response:
        return Response(
            ListedNetworkSerializer(inventory.host_networks(request.user, host_id), many=True).data
        )


class NetworkDetailView(APIView):
    @extend_schema(operation_id="v1_network_retrieve", responses=NetworkDetailSerializer)
    def get(self, request: Request, network_id: int) -> Response:
        return Response(NetworkDetailSerializer(inventory.network_detail(request.user, network_id)).data)


class NetworkEventsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="ISO 8601 time or unix milliseconds"),
            OpenApiParameter("job", str, description="only the changes one scan job made"),
        ],
        responses=NetworkEventSerializer(many=True),
    )
    def get(self, request: Request, network_id: int) -> Response:
        events = inventory.network_events(
            request.user,
            network_id,
            since=request.query_params.get("since"),
            job=request.query_params.get("job"),
        )
        return Response(NetworkEventSerializer(events, many=True).data)


class NetworkScansView(APIView):
    @extend_schema(responses=NetworkScanSerializer(many=True))
    def get(self, request: Request, network_id: int) -> Response:
        scans, changes = inventory.network_scans(request.user, network_id)
        return Response(NetworkScanSerializer(scans, many=True, context={"changes": changes}).data)


class DeviceDetailView(APIView):
    @extend_schema(operation_id="v1_device_retrieve", responses=DeviceDetailSerializer)
    def get(self, request: Request, device_id: int) -> Response:
        return Response(DeviceDetailSerializer(inventory.device_detail(request.user, device_id)).data)


class NetworkSchedulesView(APIView):
    @extend_schema(responses=ScheduleSerializer(many=True))
    def get(self, request: Request, network_id: int) -> Response:
        return Response(
            ScheduleSerializer(schedules.network_schedules(request.user, network_id), many=True).data
        )

    @extend_schema(request=NewScheduleSerializer, responses={201: ScheduleSerializer})
    def post(self, request: Request, network_id: int) -> Response:
        inventory.get_network(request.user, network_id, operate=True)  # who may ask before what is asked
        body = validated(NewScheduleSerializer, request.data)
        schedule = schedules.create_schedule(request.user, network_id, ip=client_ip(request), **body)
        return Response(ScheduleSerializer(schedule).data, status=201)


class ScheduleDetailView(APIView):
    @extend_schema(request=ScheduleChangeSerializer, responses=ScheduleSerializer)
    def patch(self, request: Request, schedule_id: int) -> Response:
        schedules.get_schedule(request.user, schedule_id)
        body = validated(ScheduleChangeSerializer, request.data)
        schedule = schedules.update_schedule(request.user, schedule_id, body, client_ip(request))
        return Response(ScheduleSerializer(schedule).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, schedule_id: int) -> Response:
        schedules.delete_schedule(request.user, schedule_id, client_ip(request))
        return Response(status=204)
