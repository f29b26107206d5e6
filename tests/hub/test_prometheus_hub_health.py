"""The hub's own figures on /metrics, from a running in-process ingest server: streams, stored
samples, live sockets (the exposition itself is in test_prometheus_export.py)."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from everyst_hub.config.asgi import application
from everyst_hub.exporter.collector import exposition
from everyst_hub.ingest import health

from tests.hub.test_prometheus_export import series
from tests.support.ingest import Stream, batch, enroll, metadata

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


def figures(user) -> dict[str, float]:
    return {
        name: values[0][1]
        for name, values in series(exposition(user, health.current())).items()
        if name.startswith("everyst_hub_")
    }


async def test_the_hub_health_counts_streams_stored_samples_and_websocket_clients(hub, world):
    before = await sync_to_async(figures)(world.owner)
    assert before["everyst_hub_agent_streams"] == 0
    assert before["everyst_hub_ingest_pending_batches"] == 0
    creds = await enroll(hub, "gauged")
    stream = Stream(hub, metadata(creds))
    await stream.hello("gauged")
    now = int(time.time() * 1000)
    for seq in (1, 2, 3):
        await stream.call.write(batch(seq, now - 3000 + seq * 1000))
    while (await stream.read()).ack.seq < 3:
        pass
    socket = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
    assert (await socket.connect())[0]
    try:
        during = await sync_to_async(figures)(world.owner)
    finally:
        await socket.disconnect()
        await stream.close()
    assert during["everyst_hub_agent_streams"] == 1
    assert during["everyst_hub_ingested_samples_total"] - before["everyst_hub_ingested_samples_total"] == 3
    assert during["everyst_hub_ingested_batches_total"] - before["everyst_hub_ingested_batches_total"] == 3
    assert during["everyst_hub_websocket_clients"] == before["everyst_hub_websocket_clients"] + 1
    assert during["everyst_hub_ingest_last_flush_seconds"] > 0
    after = await sync_to_async(figures)(world.owner)
    assert after["everyst_hub_websocket_clients"] == before["everyst_hub_websocket_clients"]
