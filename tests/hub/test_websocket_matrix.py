"""WebSocket subscriptions and tool commands × named users × a host in group A and one in B."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from everyst_hub.config.asgi import application

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db(transaction=True)

USERS = ["outsider", "viewer_a", "operator_a", "admin", "owner"]
SEES_ALL = {"admin", "owner"}


def can_see(user: str, host: str) -> bool:
    return user in SEES_ALL or (host == "host_a" and user in {"viewer_a", "operator_a"})


def can_operate(user: str, host: str) -> bool:
    return user in SEES_ALL or (host == "host_a" and user == "operator_a")


async def socket_for(user: Any) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    ws = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    await ws.connect()
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(user)})
    assert (await ws.receive_json_from())["type"] == "auth.ok"
    return ws


@pytest.mark.parametrize("topic", ["host", "jobs"])
@pytest.mark.parametrize("host", ["host_a", "host_b"])
@pytest.mark.parametrize("user", USERS)
async def test_subscriptions_follow_the_users_role(world: Any, user: str, host: str, topic: str) -> None:
    ws = await socket_for(world.users()[user])
    host_id = str(getattr(world, host).id)
    await ws.send_json_to({"type": "subscribe", "topic": topic, "host": host_id})
    answer = await ws.receive_json_from()
    if can_see(user, host):
        assert answer == {"type": "subscribed", "topic": topic, "host": host_id}
    else:
        assert answer["type"] == "error" and answer["code"] == "not_found"
    await ws.disconnect()


@pytest.mark.parametrize("host", ["host_a", "host_b"])
@pytest.mark.parametrize("user", USERS)
async def test_tool_commands_follow_the_users_role(world: Any, user: str, host: str) -> None:
    from django.utils import timezone
    from everyst_hub.inventory.models import Host

    await sync_to_async(Host.objects.update)(connected=True, last_seen=timezone.now())
    ws = await socket_for(world.users()[user])
    host_id = str(getattr(world, host).id)
    run = {"type": "tool.run", "host": host_id, "tool": "ping", "params": {"target": "127.0.0.1"}}
    await ws.send_json_to(run)
    answer = await ws.receive_json_from()
    if can_operate(user, host):
        assert answer["type"] == "job" and answer["job"]["status"] == "queued"
    elif can_see(user, host):
        assert answer["code"] == "forbidden"
    else:
        assert answer["code"] == "not_found"
    await ws.disconnect()
