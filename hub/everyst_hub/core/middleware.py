"""Request bounds that hold for every path, API or not, before any view reads the request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import InvalidInput, PayloadTooLarge, error_body, suspicious_error


def error_response(error: InvalidInput | PayloadTooLarge) -> JsonResponse:
    return JsonResponse(error_body(error.code, error.message), status=error.http_status)


class RequestLimitsMiddleware:
    """Answers a client's malformed or oversized request with a 4xx in the usual error shape.

    A body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 413 before anything
    reads it, and a Host header not in ALLOWED_HOSTS with 400 before anything asks for it.
    Django's own handling of these (and of a body or query string found too large while being
    read) logs an error with a traceback for every client that sends one, and answers in HTML.
    Django still logs its one warning line per 4xx answer.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        return self._refused(request) or self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        response: HttpResponse = await self.get_response(request)
        return response

    def _refused(self, request: HttpRequest) -> HttpResponse | None:
        try:
            request.get_host()
        except DisallowedHost as exc:
            return error_response(suspicious_error(exc))
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH") or "0"
        # A malformed Content-Length is the server's to refuse; counted as absent here.
        length = int(declared) if declared.isascii() and declared.isdigit() else 0
        if limit is not None and length > limit:
            return error_response(PayloadTooLarge())
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SuspiciousOperation):
            return error_response(suspicious_error(exception))
        return None
