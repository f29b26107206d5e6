"""Views and view helpers every app shares."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import serializers

from .errors import error_body


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("server_error", "Internal error; it has been logged."), status=500)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """A request's body or query checked by the serializer: its validated data, or a 400 that names
    each field that is not right (raised here)."""
    checked = serializer_class(data=data)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)
