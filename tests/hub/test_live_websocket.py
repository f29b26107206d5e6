"""The live WebSocket consumer, through the real ASGI application and channel layer."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from everyst_hub.config.asgi import application
from everyst_hub.inventory.hosts import host_summary
from everyst_hub.realtime.publish import publish_host

from tests.conftest import access_token_for
from tests.support.publish import publish_samples

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


async def connect(user=None) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
    connected, _ = await ws.connect()
    assert connected
    if user is not None:
        token = await sync_to_async(access_token_for)(user)
        await ws.send_json_to({"type": "auth", "token": token})
        assert (await ws.receive_json_from())["type"] == "auth.ok"
    return ws


async def test_malformed_json_gets_an_error_frame_and_the_socket_stays_usable(world):
    ws = await connect(world.viewer_a)
    await ws.send_to(text_data="{not json")
    error = await ws.receive_json_from()
    assert error == {"type": "error", "code": "bad_json", "message": "The frame is not valid JSON."}
    await ws.send_to(text_data='["a list"]')
    assert (await ws.receive_json_from())["code"] == "bad_frame"
    await ws.send_to(bytes_data=b"\x00\x01")
    assert (await ws.receive_json_from())["code"] == "bad_frame"
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_a_forged_token_closes_the_socket_with_4401(world):
    ws = await connect()
    await ws.send_json_to({"type": "auth", "token": "eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ."})
    assert (await ws.receive_json_from())["code"] == "unauthenticated"
    assert (await ws.receive_output())["code"] == 4401


async def test_frames_before_auth_are_refused(world):
    ws = await connect()
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    assert (await ws.receive_json_from())["code"] == "unauthenticated"
    assert (await ws.receive_output())["code"] == 4401


async def test_viewer_cannot_subscribe_to_a_host_outside_their_groups(world):
    ws = await connect(world.viewer_a)
    await ws.send_json_to({"type": "subscribe", "topic": "host", "host": str(world.host_b.id)})
    assert (await ws.receive_json_from())["code"] == "not_found"
    await ws.send_json_to({"type": "subscribe", "topic": "host", "host": str(world.host_a.id)})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    await ws.disconnect()


async def test_fleet_subscription_delivers_samples_of_visible_hosts_only(world):
    ws = await connect(world.viewer_a)
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    await publish_samples({str(world.host_b.id): {"ts": 1}, str(world.host_a.id): {"ts": 2}})
    frame = await ws.receive_json_from()
    assert frame == {"type": "sample", "host": str(world.host_a.id), "sample": {"ts": 2}}
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_the_fleet_gets_samples_without_what_only_a_hosts_page_shows(world):
    """Top processes, listening sockets, sessions and failed units go to a host's own page; the
    fleet gets them as null. A socket watching a host on its page and the fleet gets it whole."""
    host_a, host_b = str(world.host_a.id), str(world.host_b.id)
    top = {"by_cpu": [{"pid": 1, "name": "init"}], "by_memory": []}
    sample = {"ts": 4, "cpu": {"percent": 5.0}, "processes": top, "listening": [], "users": None}
    fleet_view = {**sample, "processes": None, "listening": None, "users": None, "failed_units": None}
    fleet = await connect(world.admin)
    both = await connect(world.admin)
    for ws, subscriptions in ((fleet, ["fleet"]), (both, ["fleet", "host"])):
        for topic in subscriptions:
            await ws.send_json_to({"type": "subscribe", "topic": topic, "host": host_a})
            assert (await ws.receive_json_from())["type"] == "subscribed"
    await publish_samples({host_a: sample, host_b: sample})
    received = {f["host"]: f["sample"] for f in (await fleet.receive_json_from())["frames"]}
    assert received == {host_a: fleet_view, host_b: fleet_view}
    received = {f["host"]: f["sample"] for f in (await both.receive_json_from())["frames"]}
    assert received == {host_a: sample, host_b: fleet_view}
    for ws in (fleet, both):
        await ws.disconnect()


async def test_a_new_host_reaches_only_users_who_may_see_it(world):
    from everyst_hub.inventory.models import Host

    viewer = await connect(world.viewer_a)
    admin = await connect(world.admin)
    for ws in (viewer, admin):
        await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
        await ws.receive_json_from()
    new_host = await sync_to_async(Host.objects.create)(hostname="new-b")
    await sync_to_async(new_host.groups.add)(world.group_b)
    summary = await sync_to_async(host_summary)(new_host)
    await publish_host(summary)
    assert json.loads(json.dumps((await admin.receive_json_from())["host"]))["hostname"] == "new-b"
    assert await viewer.receive_nothing(timeout=0.2)
    await publish_samples({str(new_host.id): {"ts": 3}})
    assert (await admin.receive_json_from())["sample"] == {"ts": 3}
    assert await viewer.receive_nothing(timeout=0.2)
    await viewer.disconnect()
    await admin.disconnect()


async def test_disabling_a_user_closes_their_live_socket(world):
    from everyst_hub.accounts.services import update_user

    ws = await connect(world.viewer_a)
    await sync_to_async(update_user)(world.admin, world.viewer_a, {"is_active": False}, None)
    assert (await ws.receive_json_from())["code"] == "unauthenticated"
    assert (await ws.receive_output())["code"] == 4403


async def test_logout_closes_the_live_socket(world):
    from everyst_hub.accounts.services import log_out

    ws = await connect(world.viewer_a)
    await sync_to_async(log_out)(world.viewer_a, None)
    assert (await ws.receive_json_from())["code"] == "unauthenticated"
    assert (await ws.receive_output())["code"] == 4401


async def test_losing_a_group_drops_its_hosts_from_live_subscriptions(world):
    from everyst_hub.accounts.services import set_group_access

    ws = await connect(world.viewer_a)
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    await ws.receive_json_from()
    await sync_to_async(set_group_access)(world.admin, world.viewer_a, [], None)
    frame = await ws.receive_json_from()
    assert frame == {"type": "access", "lost": [str(world.host_a.id)]}
    await publish_samples({str(world.host_a.id): {"ts": 9}})
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_samples_of_one_flush_reach_a_fleet_socket_as_one_frame(world):
    ws = await connect(world.admin)
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    await ws.receive_json_from()
    await publish_samples({str(h.id): {"ts": 7} for h in (world.host_a, world.host_b)})
    batch = await ws.receive_json_from()
    assert batch["type"] == "samples"
    assert {f["host"] for f in batch["frames"]} == {str(world.host_a.id), str(world.host_b.id)}
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_a_large_flush_is_split_into_frames_under_the_size_limit(world):
    from everyst_hub.realtime.outbox import MAX_OUT_FRAME_CHARS

    ws = await connect(world.admin)
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    await ws.receive_json_from()
    padding = "x" * (MAX_OUT_FRAME_CHARS * 6 // 10)
    hosts = [str(world.host_a.id), str(world.host_b.id)]
    await publish_samples({h: {"ts": 1, "pad": padding} for h in hosts})
    received = []
    for _ in hosts:
        text = await ws.receive_from()
        assert len(text) <= MAX_OUT_FRAME_CHARS
        received.append(json.loads(text)["host"])
    assert received == hosts
    await ws.disconnect()


async def test_live_frames_do_not_wait_for_the_shared_sync_thread(world):
    """Sync work elsewhere in the hub (a thousand agents disconnecting, each a database update on
    the shared sync thread) must not hold live frames: Channels' own dispatch ran a database
    upkeep call on that thread before every frame, and frames waited up to 1.8 s for it."""
    ws = await connect(world.viewer_a)
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    busy = asyncio.create_task(sync_to_async(time.sleep)(3))
    await asyncio.sleep(0.1)  # the sync thread is now asleep
    started = time.monotonic()
    await publish_samples({str(world.host_a.id): {"ts": 5}})
    frame = await ws.receive_json_from(timeout=2)
    assert frame["sample"] == {"ts": 5}
    summary = await sync_to_async(host_summary, thread_sensitive=False)(world.host_a)
    await publish_host(summary)
    assert (await ws.receive_json_from(timeout=2))["type"] == "host"
    assert time.monotonic() - started < 1
    await busy
    await ws.disconnect()
