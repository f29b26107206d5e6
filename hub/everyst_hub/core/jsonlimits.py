"""JSON from clients, bounded: how deep it nests, how large its integers are, finite numbers and
strings without NUL characters only.

The REST parser and the WebSocket consumer both read client JSON through `loads`, so a body or a
frame that no endpoint could use is refused once, before it reaches a serializer, a service or the
database: deep nesting would exhaust the recursion limit in the decoder (or later, in whatever
walks the value), an integer wider than a database column overflows the driver, and PostgreSQL
stores no NUL character in text or jsonb.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Our deepest legitimate input (tool parameters) nests a few levels; 32 leaves room and stays far
# below the interpreter's recursion limit for anything that walks the value afterwards.
MAX_DEPTH = 32
# The widest integer column of any supported database (a signed 64-bit bigint).
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
_MAX_INT_DIGITS = len(str(MAX_INT))


class JSONLimitError(ValueError):
    """Well-formed JSON that goes past one of the bounds."""


def _integer(text: str) -> int:
    # The digits are counted first: int() of thousands of digits costs time, or raises anyway.
    value = int(text) if len(text.lstrip("-")) <= _MAX_INT_DIGITS else None
    if value is None or not MIN_INT <= value <= MAX_INT:
        raise JSONLimitError(f"integers are limited to 64 bits (±{MAX_INT})")
    return value


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONLimitError("numbers must be finite")
    return value


def _constant(name: str) -> Any:
    raise JSONLimitError(f"{name} is not a JSON value")


def loads(text: str | bytes, *, allow_nul: bool = False) -> Any:
    """Decode client JSON within the bounds; raises ValueError (JSONLimitError for a bound)."""
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except RecursionError as exc:
        raise JSONLimitError(f"nested deeper than {MAX_DEPTH} levels") from exc
    _check(value, allow_nul=allow_nul)
    return value


def _check(value: Any, *, allow_nul: bool) -> None:
    # Iterative: the point is not to recurse on what the client chose to nest.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not allow_nul and "\x00" in item:
                raise JSONLimitError("strings may not contain NUL characters")
            continue
        if isinstance(item, dict):
            children: list[Any] = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            raise JSONLimitError(f"nested deeper than {MAX_DEPTH} levels")
        pending.extend((child, depth + 1) for child in children)
