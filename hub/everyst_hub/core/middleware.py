"""Request bounds that hold for every path, API or not, before any view reads the body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import PayloadTooLarge, error_body


def too_large_response() -> JsonResponse:
    error = PayloadTooLarge()
    return JsonResponse(error_body(error.code, error.message), status=error.http_status)


class BodySizeMiddleware:
    """A body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 without being read;
    one that turns out larger while a view reads it (no Content-Length) is answered 413 too, not
    500. Django's own handling of RequestDataTooBig would log it as an error, with a traceback, for
    every client that sends one."""

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
        return self._declared_too_large(request) or self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        refused = self._declared_too_large(request)
        if refused is not None:
            return refused
        response: HttpResponse = await self.get_response(request)
        return response

    def _declared_too_large(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH") or "0"
        # A malformed Content-Length is the server's to refuse; counted as absent here.
        length = int(declared) if declared.isascii() and declared.isdigit() else 0
        if limit is not None and length > limit:
            return too_large_response()
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large_response()
        return None
