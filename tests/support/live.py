"""A WebSocket client for the hub's live socket, over a real connection."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection, connect

from .processes import Hub


@contextmanager
def live_socket(hub: Hub, token: str | None = None) -> Iterator[ClientConnection]:
    """An authenticated live socket, closed on exit."""
    with connect(hub.ws_url, origin=hub.url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token or hub.login()}))
        frame = json.loads(ws.recv(timeout=5))
        assert frame["type"] == "auth.ok", frame
        yield ws


def next_frame(ws: ClientConnection, kind: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame
    raise TimeoutError(f"no {kind} frame matching {match} within {timeout} s")
