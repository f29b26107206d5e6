"""Watching a token enroll (issue #12 item 4): the token list names the hosts each token enrolled,
and owners and admins hear an `enrolled` frame on their live socket when an enrollment succeeds."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from everyst.agent.v1 import agent_pb2
from everyst_hub.core.errors import Unauthenticated
from everyst_hub.inventory import enrollment
from everyst_hub.inventory.models import Host

from tests.conftest import access_token_for
from tests.hub.test_live_websocket import connect


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


@pytest.mark.django_db
def test_the_token_list_names_the_hosts_each_token_enrolled(world, api):
    used = enrollment.create_enrollment_token(uses=2)
    unused = enrollment.create_enrollment_token()
    first = enrollment.enroll_agent(used.raw, agent_pb2.HostFacts(hostname="web-1", machine_id="m1"))
    second = enrollment.enroll_agent(used.raw, agent_pb2.HostFacts(hostname="web-2", machine_id="m2"))
    Host.objects.filter(id=first.host["id"]).update(hostname="web-1-renamed")

    tokens = {t["id"]: t for t in as_user(api, world.admin).get("/api/v1/enrollment-tokens").json()}

    assert tokens[used.token.id]["uses_left"] == 0
    assert tokens[used.token.id]["enrolled_hosts"] == [
        {"id": first.host["id"], "hostname": "web-1-renamed"},
        {"id": second.host["id"], "hostname": "web-2"},
    ]
    assert tokens[unused.token.id]["enrolled_hosts"] == []


@pytest.mark.django_db
def test_a_deleted_host_is_left_out_of_its_tokens_enrolled_hosts(world, api):
    created = enrollment.create_enrollment_token()
    enrolled = enrollment.enroll_agent(created.raw, agent_pb2.HostFacts(hostname="gone", machine_id="m3"))
    Host.objects.filter(id=enrolled.host["id"]).delete()

    tokens = as_user(api, world.owner).get("/api/v1/enrollment-tokens").json()

    assert next(t for t in tokens if t["id"] == created.token.id)["enrolled_hosts"] == []


@pytest.mark.django_db(transaction=True)
async def test_admins_hear_an_enrolled_frame_and_other_users_do_not(world):
    admin = await connect(world.admin)
    owner = await connect(world.owner)
    operator = await connect(world.operator_a)
    created = await sync_to_async(enrollment.create_enrollment_token)()

    enrolled = await sync_to_async(enrollment.enroll_agent)(
        created.raw, agent_pb2.HostFacts(hostname="fresh", machine_id="m4")
    )

    for ws in (admin, owner):
        frame = await ws.receive_json_from(timeout=2)
        assert frame == {
            "type": "enrolled",
            "token": created.token.id,
            "host": {"id": enrolled.host["id"], "hostname": "fresh"},
            "binding": "new_host",
        }
    assert await operator.receive_nothing(timeout=0.3)
    for ws in (admin, owner, operator):
        await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_refused_enrollment_sends_no_enrolled_frame(world):
    admin = await connect(world.admin)
    created = await sync_to_async(enrollment.create_enrollment_token)()
    await sync_to_async(enrollment.enroll_agent)(
        created.raw, agent_pb2.HostFacts(hostname="one", machine_id="m5")
    )
    assert (await admin.receive_json_from(timeout=2))["type"] == "enrolled"

    with pytest.raises(Unauthenticated, match="used up"):
        await sync_to_async(enrollment.enroll_agent)(
            created.raw, agent_pb2.HostFacts(hostname="two", machine_id="m6")
        )

    assert await admin.receive_nothing(timeout=0.3)
    await admin.disconnect()
