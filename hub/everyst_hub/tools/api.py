from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.audit.services import client_ip, record
from everyst_hub.core.errors import NotFound
from everyst_hub.core.views import validated
from everyst_hub.inventory.access import get_operable_host

from . import services
from .serializers import JobDetailSerializer, JobSerializer


class StartJobSerializer(serializers.Serializer):
    tool = serializers.ChoiceField(choices=services.TOOLS)
    params = serializers.DictField(required=False, default=dict)


class HostJobsView(APIView):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request, host_id: str) -> Response:
        return Response(JobSerializer(services.host_jobs(request.user, host_id), many=True).data)

    @extend_schema(request=StartJobSerializer, responses={201: JobSerializer})
    def post(self, request: Request, host_id: str) -> Response:
        get_operable_host(request.user, host_id)  # who may ask comes before what is asked
        body = validated(StartJobSerializer, request.data)
        job = services.start_job(
            request.user,
            host_id,
            body["tool"],
            body["params"],
            client_ip(request),
        )
        return Response(JobSerializer(job).data, status=201)


class JobListView(APIView):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(JobSerializer(services.recent_jobs(request.user), many=True).data)


class JobDetailView(APIView):
    @extend_schema(operation_id="v1_job_retrieve", responses=JobDetailSerializer)
    def get(self, request: Request, job_id: str) -> Response:
        return Response(JobDetailSerializer(services.get_job(request.user, job_id)).data)


class JobCancelView(APIView):
    @extend_schema(request=None, responses=JobSerializer)
    def post(self, request: Request, job_id: str) -> Response:
        return Response(JobSerializer(services.cancel_job(request.user, job_id, client_ip(request))).data)


class JobArtifactView(APIView):
    """Download a job's binary output (a packet capture as pcap)."""

    @extend_schema(responses={(200, "application/vnd.tcpdump.pcap"): OpenApiTypes.BINARY})
    def get(self, request: Request, job_id: str) -> Any:
        job = services.get_job(request.user, job_id)
        if not job.artifact:
            raise NotFound("This job has no file to download.")
        record("tool.export", actor=request.user, target=job.host, ip=client_ip(request), job=str(job.id))
        response = HttpResponse(bytes(job.artifact), content_type="application/vnd.tcpdump.pcap")
        response["Content-Disposition"] = f'attachment; filename="everyst-{job.tool}-{job.id}.pcap"'
        return response
