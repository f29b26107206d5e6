"""The running hub's own figures (streams, ingest queue and lag, live sockets), for /metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from everyst_hub.realtime.consumers import LiveConsumer

if TYPE_CHECKING:
    from .server import IngestServer

# The ingest server of this process, while it runs (none in a process that only serves HTTP).
_running: IngestServer | None = None


@dataclass(frozen=True)
class HubHealth:
    agent_streams: int
    ingested_batches: int
    ingested_samples: int
    pending_batches: int
    oldest_pending_seconds: float
    last_flush_seconds: float
    disconnects_pending: int
    websocket_clients: int


def remember(server: IngestServer) -> None:
    global _running
    _running = server


def forget(server: IngestServer) -> None:
    global _running
    if _running is server:
        _running = None


def current() -> HubHealth | None:
    server = _running
    if server is None:
        return None
    writer, servicer = server.writer, server.servicer
    return HubHealth(
        agent_streams=len(servicer.registry),
        ingested_batches=writer.stored_batches,
        ingested_samples=writer.stored_samples,
        pending_batches=writer.pending,
        oldest_pending_seconds=writer.oldest_pending_seconds(),
        last_flush_seconds=writer.last_flush_seconds,
        disconnects_pending=len(servicer.disconnects.pending),
        websocket_clients=LiveConsumer.open_sockets,
    )
