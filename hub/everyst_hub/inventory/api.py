from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.ingest.server import server_tls
from everyst_hub.metrics.services import latest_sample, latest_samples

from .access import get_visible_host, visible_hosts
from .hosts import host_summary
from .serializers import HostWithLatestSerializer

# Hosts are listed by the thousand: built by host_summary, the form HostWithLatestSerializer
# declares (a test holds the two equal).


class HostListView(APIView):
    @extend_schema(responses=HostWithLatestSerializer(many=True))
    def get(self, request: Request) -> Response:
        hosts = list(visible_hosts(request.user).prefetch_related("groups"))
        latest = latest_samples(hosts)
        return Response([{**host_summary(h), "latest": latest.get(str(h.id))} for h in hosts])


class HostDetailView(APIView):
    @extend_schema(operation_id="v1_host_retrieve", responses=HostWithLatestSerializer)
    def get(self, request: Request, host_id: str) -> Response:
        host = get_visible_host(request.user, host_id)
        return Response({**host_summary(host), "latest": latest_sample(host)})


class CaCertificateView(APIView):
    """The hub CA certificate (public): agents fetch it and check it against a pinned hash."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/x-pem-file"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(server_tls().ca_pem, content_type="application/x-pem-file")
