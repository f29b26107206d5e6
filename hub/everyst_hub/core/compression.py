"""Compression of API answers.

The dashboard's files are compressed once at build time (frontend/vite.config.ts writes a .br
and a .gz beside each) and WhiteNoise picks the variant the browser accepts (static_files.py);
only API answers are compressed per request, here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# Below about one TCP segment, compressing saves no round trip and costs CPU on every request.
MIN_COMPRESSED_BYTES = 1400


class JsonCompressionMiddleware(GZipMiddleware):
    """Gzips JSON answers to GET and HEAD of more than MIN_COMPRESSED_BYTES.

    BREACH: a compressed body leaks, through its length, whether attacker-chosen text in it
    matches a secret in it. The answers that carry a secret (access tokens, a new enrollment or
    API token) all answer a POST, which is never compressed, and so is no answer that says
    `no-store`. Django also pads every compressed answer by a random length."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return response
        if not response.get("Content-Type", "").startswith("application/json"):
            return response
        if "no-store" in response.get("Cache-Control", ""):
            return response
        if not response.streaming and len(response.content) < MIN_COMPRESSED_BYTES:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]
