"""`GET /metrics`: the Prometheus scrape endpoint. Authentication and host visibility are the REST
API's own (DRF's authentication classes, inventory/access.py), so any credential the API accepts
works here too."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from everyst_hub.ingest import health

from .collector import exposition


class PlainTextRenderer(BaseRenderer):
    """Lets a scraper that accepts only text/plain get its error as text rather than a 406."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        error = data.get("error", {}) if isinstance(data, dict) else {}
        return f"{error.get('code', 'error')}: {error.get('message', data)}\n".encode()


class MetricsView(APIView):
    renderer_classes = [JSONRenderer, PlainTextRenderer]

    @extend_schema(
        summary="Prometheus exposition: every visible host's newest sample; the hub's health for admins",
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR)},
        tags=["metrics"],
    )
    def get(self, request: Request) -> HttpResponse:
        body = exposition(request.user, health.current())
        return HttpResponse(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
