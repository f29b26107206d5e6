"""How WhiteNoise serves the dashboard's build (settings.WHITENOISE_*). Imported by the settings
module, so it imports nothing that reads settings at import time."""

from __future__ import annotations

from typing import Any

from django.conf import settings

# Vite names every file of /assets/ after a hash of its content, so a new build has new names
# and a browser may keep these for ever (Cache-Control: immutable).
HASHED_ASSET = r"^/assets/.+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$"


def add_frontend_headers(headers: Any, path: str, url: str) -> None:
    """WhiteNoise serves the whole build, index.html too (at /index.html): that one must be
    revalidated on every visit, since it names the current hashed files, and it carries the
    dashboard's Content-Security-Policy like the copy the SPA view serves."""
    if url == "/index.html":
        headers["Cache-Control"] = "no-cache"
        headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
