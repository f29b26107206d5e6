"""The REST API's one request parser: JSON within the bounds of core/jsonlimits.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from . import jsonlimits


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return jsonlimits.loads(stream.read().decode(encoding))
        except jsonlimits.JSONLimitError as exc:
            raise ParseError(f"JSON refused: {exc}.") from exc
        except ValueError as exc:  # malformed JSON or text in another encoding
            raise ParseError(f"JSON parse error: {exc}") from exc
