"""The install script and the agent package, served without login: they hold no secret (the
enrollment token travels on the install command line), and new hosts have no account."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from everyst_hub.core.errors import NotFound

from . import packages


def _no_store(response: HttpResponse) -> HttpResponse:
    # The script names this hub's address and the manifest its current package: never cache stale ones.
    response["Cache-Control"] = "no-store"
    return response


@extend_schema(exclude=True)
class InstallScriptView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> HttpResponse:
        addresses = packages.public_addresses(scheme=request.scheme or "http", host=request.get_host())
        return _no_store(
            HttpResponse(packages.install_script(addresses), content_type="text/x-shellscript; charset=utf-8")
        )


@extend_schema(exclude=True)
class DownloadView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get(self, request: Request, name: str) -> HttpResponse:
        if name == packages.SIGNING_CERT_NAME:
            return HttpResponse(packages.signing_certificate_pem(), content_type="application/x-pem-file")
        package = packages.agent_package()
        if name == packages.MANIFEST_NAME:
            return _no_store(HttpResponse(package.manifest(), content_type="text/plain; charset=utf-8"))
        if name == packages.SIGNATURE_NAME:
            signature = packages.sign(package.manifest())
            return _no_store(HttpResponse(signature, content_type="application/octet-stream"))
        if name == package.name:
            return FileResponse(package.path.open("rb"), as_attachment=True, filename=package.name)
        raise NotFound("No such download.")
