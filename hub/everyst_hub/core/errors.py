"""Domain errors: one base class with a code, mapped once to HTTP, WebSocket and gRPC."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class EverystError(Exception):
    """Base of every error a service function raises on purpose."""

    code = "error"
    http_status = 400
    grpc_status = "INVALID_ARGUMENT"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(EverystError):
    code = "invalid"


class NotFound(EverystError):
    code = "not_found"
    http_status = 404
    grpc_status = "NOT_FOUND"


class Forbidden(EverystError):
    code = "forbidden"
    http_status = 403
    grpc_status = "PERMISSION_DENIED"


class Unauthenticated(EverystError):
    code = "unauthenticated"
    http_status = 401
    grpc_status = "UNAUTHENTICATED"


class Conflict(EverystError):
    """What is asked clashes with what exists (a name taken, a machine already enrolled)."""

    code = "conflict"
    http_status = 409
    grpc_status = "ALREADY_EXISTS"


class FailedPrecondition(EverystError):
    """What is asked is right, but not possible in the present state (a host offline)."""

    code = "failed_precondition"
    http_status = 409
    grpc_status = "FAILED_PRECONDITION"


class Unavailable(EverystError):
    """Something the hub needs for this is missing."""

    code = "unavailable"
    http_status = 503
    grpc_status = "UNAVAILABLE"


class PayloadTooLarge(EverystError):
    code = "too_large"
    http_status = 413
    grpc_status = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str = "The request body is too large.") -> None:
        super().__init__(message)


def suspicious_error(exception: SuspiciousOperation) -> InvalidInput | PayloadTooLarge:
    """The client's error for what Django calls a suspicious operation (a bad Host header, a body
    or query string past its limits)."""
    if isinstance(exception, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exception, DisallowedHost):
        return InvalidInput("This host name is not served here.", code="bad_host")
    return InvalidInput("The request is malformed or exceeds a limit.", code="bad_request")


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every API error leaves as {"error": {"code", "message"}}; nothing leaks a stack trace."""
    if isinstance(exc, EverystError):
        retry_after = getattr(exc, "retry_after", None)
        extra = {"retry_after": retry_after} if retry_after is not None else {}
        response = Response(error_body(exc.code, exc.message, **extra), status=exc.http_status)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    if isinstance(exc, SuspiciousOperation):
        return drf_exception_handler(suspicious_error(exc), context)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in %s", context.get("view"))
        return Response(error_body("server_error", "Internal error; it has been logged."), status=500)
    if isinstance(exc, drf_exceptions.APIException):
        detail = exc.detail
        if isinstance(exc, drf_exceptions.ValidationError) and isinstance(detail, dict | list):
            response.data = error_body(_code(exc), "Invalid input.", fields=detail)
        elif isinstance(detail, dict):
            # simplejwt's token errors carry {"detail", "code", "messages"}: the message is "detail".
            response.data = error_body(_code(exc), str(detail.get("detail", exc.default_detail)))
        elif isinstance(detail, list):
            response.data = error_body(_code(exc), " ".join(str(d) for d in detail))
        else:
            response.data = error_body(_code(exc), str(detail))
    return response


def _code(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code
