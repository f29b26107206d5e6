"""The frames a live socket carries are the ones protos/ws-frames.schema.json describes: a session
that sees most kinds of them, each checked (every hub test's frames are also checked, by the
autouse fixture in tests/hub/conftest.py)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from everyst.agent.v1 import agent_pb2
from everyst_hub.config.asgi import application
from everyst_hub.inventory.models import HostGroupAccess

from tests.conftest import access_token_for
from tests.support.frames import frame_problems
from tests.support.ingest import connected_host

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


async def frames_until(ws: WebsocketCommunicator, kind: str, seen: list[dict]) -> dict:
    while True:
        frame = await ws.receive_json_from(timeout=5)
        seen.append(frame)
        if frame["type"] == kind:
            return frame


async def test_a_session_s_frames_each_way_are_the_ones_the_schema_describes(hub, world):
    sent = [
        {"type": "auth", "token": await sync_to_async(access_token_for)(world.operator_a)},
        {"type": "subscribe", "topic": "fleet"},
        {"type": "ping"},
    ]
    ws = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
    await ws.connect()
    seen: list[dict] = []
    for frame in sent:
        await ws.send_json_to(frame)
    await frames_until(ws, "pong", seen)
    creds, stream = await connected_host(hub, world)  # a host frame: it came online
    await frames_until(ws, "host", seen)
    more = [
        {"type": "subscribe", "topic": "host", "host": creds.host_id},
        {"type": "subscribe", "topic": "jobs", "host": creds.host_id},
        {
            "type": "tool.run",
            "host": creds.host_id,
            "tool": "ping",
            "params": {"target": "127.0.0.1"},
            "request": "r1",
        },
        {"type": "tool.run", "host": creds.host_id, "tool": "ping", "params": {"count": 1}, "request": "r2"},
        {"type": "unsubscribe", "topic": "host", "host": creds.host_id},
    ]
    for frame in more:
        await ws.send_json_to(frame)
    await frames_until(ws, "unsubscribed", seen)
    job = next(f for f in seen if f["type"] == "job" and f.get("request") == "r1")["job"]
    await ws.send_json_to({"type": "tool.cancel", "job": job["id"]})
    sent += more + [{"type": "tool.cancel", "job": job["id"]}]
    await stream.call.write(
        agent_pb2.AgentMessage(
            metrics=agent_pb2.MetricBatch(seq=1, samples=[agent_pb2.Sample(ts_ms=1_764_000_000_000)])
        )
    )
    await frames_until(ws, "sample", seen)
    await sync_to_async(HostGroupAccess.objects.filter(user=world.operator_a).delete)()
    from everyst_hub.realtime.publish import publish_user_event

    await publish_user_event(world.operator_a.id, "access_changed")
    await frames_until(ws, "access", seen)
    await ws.send_json_to({"type": "subscribe", "topic": "nowhere"})
    await frames_until(ws, "error", seen)
    await ws.disconnect()
    await stream.close()

    kinds = {f["type"] for f in seen}
    assert {
        "auth.ok",
        "subscribed",
        "pong",
        "host",
        "job",
        "error",
        "unsubscribed",
        "sample",
        "access",
    } <= kinds
    assert [p for f in seen for p in frame_problems(f)] == []
    assert [p for f in sent for p in frame_problems(f, "x-client")] == []


def test_a_frame_the_schema_does_not_describe_is_named_with_what_is_wrong():
    assert frame_problems({"type": "sample", "host": "h"}) == [
        "sample frame at []: 'sample' is a required property"
    ]
    assert frame_problems({"type": "pong", "extra": 1})[0].startswith(
        "pong frame at []: Additional properties"
    )
    assert frame_problems({"type": "teleport"}) == ["frame type 'teleport' is not in the schema's x-hub"]
    assert frame_problems({"type": "job", "job": {"id": "j"}})[0].startswith("job frame at ['job']:")
