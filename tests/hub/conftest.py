"""Fixtures the hub tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from everyst_hub.ingest.server import IngestServer, start_ingest_server


@pytest.fixture
async def hub() -> AsyncIterator[IngestServer]:
    """A real grpc.aio ingest server over TLS on a free loopback port."""
    server = await start_ingest_server("127.0.0.1", 0)
    yield server
    await server.stop(0.5)
