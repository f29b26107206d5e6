"""Fixtures the hub tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from everyst_hub.ingest.server import IngestServer, start_ingest_server

from tests.support.frames import check_hub_text


@pytest.fixture
async def hub() -> AsyncIterator[IngestServer]:
    """A real grpc.aio ingest server over TLS on a free loopback port."""
    server = await start_ingest_server("127.0.0.1", 0)
    yield server
    await server.stop(0.5)


@pytest.fixture(autouse=True)
def live_frames_follow_their_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every frame a live socket sends in a hub test is one protos/ws-frames.schema.json describes."""
    from everyst_hub.realtime.consumers import LiveConsumer

    problems: list[str] = []
    send = LiveConsumer.send

    async def checked_send(self: Any, text_data: str | None = None, *args: Any, **kwargs: Any) -> None:
        if text_data is not None:
            problems.extend(check_hub_text(text_data))
        await send(self, text_data, *args, **kwargs)

    monkeypatch.setattr(LiveConsumer, "send", checked_send)
    yield
    assert problems == [], "the hub sent frames its schema does not describe"
