"""Ids and times from clients, parsed once with their bounds, for every adapter and service.

Path ids that cannot name anything answer NotFound, like an id that names nothing (or something
that is not yours). Query parameters that are not what they claim to be answer InvalidInput.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from .errors import InvalidInput, NotFound
from .jsonlimits import MAX_INT

# Primary keys are bigint (DEFAULT_AUTO_FIELD).
MAX_ID = MAX_INT
# Unix milliseconds from 1970 to the end of year 9999, the last instant a datetime can hold.
MAX_UNIX_MS = int(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)


def _digits(value: object, maximum: int) -> int | None:
    """A non-negative decimal integer up to `maximum` (ASCII digits only: "²".isdigit() is true)."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def parses(parse: Callable[[str], object], text: str) -> bool:
    """Does `parse` (uuid.UUID, ipaddress.ip_address, …) take this text without a ValueError?"""
    try:
        parse(text)
    except ValueError:
        return False
    return True


def parse_id(value: object, what: str) -> int:
    """A path's integer id; one no row can have reads as "<what> not found."."""
    parsed = _digits(value, MAX_ID)
    if parsed is None or parsed < 1:
        raise NotFound(f"{what} not found.")
    return parsed


def parse_uuid(value: object, what: str) -> uuid.UUID:
    """A path's UUID id; anything else reads as "<what> not found."."""
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound(f"{what} not found.") from exc


def uuid_param(name: str, value: str | None) -> uuid.UUID | None:
    """An optional query parameter holding a UUID."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(f"{name}: not a valid id.") from exc


def time_param(name: str, value: str | None) -> datetime | None:
    """An optional query parameter holding a time: ISO 8601 (UTC unless it says) or unix ms."""
    if not value:
        return None
    millis = _digits(value, MAX_UNIX_MS)
    if millis is not None:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    try:
        # A "+" in a query string arrives as a space.
        parsed = parse_datetime(value.replace(" ", "+"))
    except ValueError:  # well-formed but impossible, such as February 30th
        parsed = None
    if parsed is None:
        raise InvalidInput(f"{name}: use an ISO 8601 time or unix milliseconds up to {MAX_UNIX_MS}.")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def int_param(name: str, value: str | None, *, default: int, minimum: int, maximum: int) -> int:
    """An optional integer query parameter within its bounds (absent or empty: the default)."""
    if not value:
        return default
    negative = value.startswith("-")
    number = _digits(value[1:] if negative else value, MAX_INT)
    if number is None or not minimum <= (-number if negative else number) <= maximum:
        raise InvalidInput(f"{name}: an integer from {minimum} to {maximum}.")
    return -number if negative else number
