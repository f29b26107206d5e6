"""A live socket whose transport is full (its browser is not reading): what the consumer queues,
coalesces and closes. The transport's fullness reaches the consumer as Twisted reports it to
every push producer, pauseProducing and resumeProducing, on the socket's SocketFlow (the hub's
server, realtime/transport.py); tests/e2e/test_slow_readers.py runs the same over real sockets."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from everyst_hub.config.asgi import application
from everyst_hub.realtime.outbox import CLOSE_TOO_SLOW, MAX_QUEUED_CHARS
from everyst_hub.realtime.transport import FLOW_EXTENSION, SocketFlow

from tests.conftest import access_token_for
from tests.support.publish import publish_samples

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


class NoTransport:
    """A transport whose unsent bytes are not counted here: only the consumer's queue is."""


async def fleet_socket(user) -> tuple[WebsocketCommunicator, SocketFlow]:
    ws = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
    flow = SocketFlow(NoTransport())
    ws.scope["extensions"] = {FLOW_EXTENSION: flow}  # read by the consumer once it starts
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(user)})
    assert (await ws.receive_json_from())["type"] == "auth.ok"
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    return ws, flow


async def test_a_paused_socket_keeps_each_hosts_newest_sample_and_names_the_gap(world):
    ws, flow = await fleet_socket(world.admin)
    host_a, host_b = str(world.host_a.id), str(world.host_b.id)
    flow.pauseProducing()
    await publish_samples({host_a: {"ts": 1}, host_b: {"ts": 1}})
    for ts in (2, 3, 4):
        await publish_samples({host_a: {"ts": ts}})
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_nothing(timeout=0.2)
    flow.resumeProducing()
    # The pong was queued after the samples, but frames go before samples still waiting.
    assert await ws.receive_json_from() == {"type": "pong"}
    assert await ws.receive_json_from() == {
        "type": "samples",
        "gap": [host_a],
        "frames": [
            {"type": "sample", "host": host_a, "sample": {"ts": 4}},
            {"type": "sample", "host": host_b, "sample": {"ts": 1}},
        ],
    }
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_a_socket_too_far_behind_on_frames_that_cannot_be_dropped_is_closed_with_4013(world):
    ws, flow = await fleet_socket(world.admin)
    flow.pauseProducing()
    error = '{"type":"error","code":"bad_json","message":"The frame is not valid JSON."}'
    for _ in range(MAX_QUEUED_CHARS // len(error) + 1):
        await ws.send_to(text_data="x")  # each answered by an error frame, none of which is dropped
    assert await ws.receive_output(timeout=60) == {"type": "websocket.close", "code": CLOSE_TOO_SLOW}


async def test_frames_wait_in_order_while_the_transport_is_full(world):
    ws, flow = await fleet_socket(world.admin)
    flow.pauseProducing()
    for n in range(3):
        await ws.send_json_to({"type": "subscribe", "topic": "host", "host": str(world.host_a.id), "n": n})
    await ws.send_to(text_data="x")
    assert await ws.receive_nothing(timeout=0.3)
    flow.resumeProducing()
    frames = [json.loads(await ws.receive_from()) for _ in range(4)]
    assert [f["type"] for f in frames] == ["subscribed", "subscribed", "subscribed", "error"]
    await ws.disconnect()
