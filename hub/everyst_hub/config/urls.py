from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from everyst_hub.core.errors import error_body
from everyst_hub.exporter.api import MetricsView

api_v1 = [
    path("", include("everyst_hub.accounts.urls")),
    path("", include("everyst_hub.inventory.urls")),
    path("", include("everyst_hub.metrics.urls")),
    path("", include("everyst_hub.audit.urls")),
    path("", include("everyst_hub.tools.urls")),
    path("", include("everyst_hub.network.urls")),
    path("", include("everyst_hub.alerts.urls")),
]


def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)


def spa(request: HttpRequest) -> HttpResponse:
    """Every non-API path is a client-side route of the single-page app."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(
            "The dashboard is not built: run `make frontend` (or `make run`).",
            status=503,
            content_type="text/plain",
        )
    response = FileResponse(index.open("rb"), content_type="text/html")
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
    return response


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from ?script (no inline script), under a CSP."""

    def finalize_response(
        self, request: Request, response: Response, *args: object, **kwargs: object
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = settings.API_DOCS_CONTENT_SECURITY_POLICY
        return response


urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("", include("everyst_hub.deploy.urls")),
    re_path(r"^(?!static/|ws/).*$", spa),
]

handler404 = "everyst_hub.core.views.not_found"
handler500 = "everyst_hub.core.views.server_error"
