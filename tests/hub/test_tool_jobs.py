"""Tool jobs through the hub: request, command down the agent's stream, events back, live frames."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.config.asgi import application
from everyst_hub.inventory.models import Host
from everyst_hub.tools import services as tools
from everyst_hub.tools.models import ToolJob

from tests.conftest import access_token_for
from tests.support.ingest import Stream, connected_host, metadata

pytestmark = pytest.mark.django_db(transaction=True)


async def call(user, method, path, data=None):
    """A REST call as `user`, run in a thread like Django runs sync views under ASGI."""
    from rest_framework.test import APIClient

    def run():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
        return getattr(client, method)(path, data, format="json")

    return await sync_to_async(run)()


def event(job_id, kind, **fields):
    return agent_pb2.AgentMessage(tool_event=agent_pb2.ToolEvent(job_id=job_id, kind=kind, **fields))


async def test_an_operator_runs_a_tool_and_the_job_ends_with_its_results(hub, world):
    creds, stream = await connected_host(hub, world)
    viewer_ws = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    await viewer_ws.connect()
    await viewer_ws.send_json_to(
        {"type": "auth", "token": await sync_to_async(access_token_for)(world.viewer_a)}
    )
    await viewer_ws.receive_json_from()
    await viewer_ws.send_json_to({"type": "subscribe", "topic": "jobs", "host": creds.host_id})
    assert (await viewer_ws.receive_json_from())["type"] == "subscribed"

    response = await call(
        world.operator_a,
        "post",
        f"/api/v1/hosts/{creds.host_id}/jobs",
        {"tool": "port_scan", "params": {"target": "127.0.0.1"}},
    )
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    command = await stream.read()
    assert command.tool_command.job_id == job_id and command.tool_command.tool == "port_scan"
    assert json.loads(command.tool_command.params_json) == {"target": "127.0.0.1"}

    await stream.call.write(event(job_id, agent_pb2.ToolEvent.STARTED))
    await stream.call.write(
        event(
            job_id,
            agent_pb2.ToolEvent.RESULT,
            percent=50,
            payload_json=json.dumps([{"host": "127.0.0.1", "port": 22}]),
        )
    )
    await stream.call.write(event(job_id, agent_pb2.ToolEvent.FINISHED, payload_json='{"open": 1}'))
    frames = [await viewer_ws.receive_json_from(timeout=5) for _ in range(3)]
    assert [f["job"]["status"] for f in frames] == ["running", "running", "finished"]
    assert frames[1]["rows"] == [{"host": "127.0.0.1", "port": 22}]
    detail = await call(world.viewer_a, "get", f"/api/v1/jobs/{job_id}")
    assert detail.json()["rows"] == [{"host": "127.0.0.1", "port": 22}]
    assert detail.json()["result"] == {"open": 1} and detail.json()["percent"] == 100
    assert frames[-1]["job"] == {k: v for k, v in detail.json().items() if k != "rows"}  # one form
    await viewer_ws.disconnect()
    await stream.close()


async def test_a_viewer_cannot_start_a_scan(hub, world):
    creds, stream = await connected_host(hub, world)
    response = await call(
        world.viewer_a, "post", f"/api/v1/hosts/{creds.host_id}/jobs", {"tool": "ping", "params": {}}
    )
    assert response.status_code == 403
    assert await sync_to_async(ToolJob.objects.count)() == 0
    await stream.close()


async def test_a_viewer_cannot_start_a_scan_over_the_websocket_either(hub, world):
    creds, stream = await connected_host(hub, world)
    ws = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    await ws.connect()
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(world.viewer_a)})
    await ws.receive_json_from()
    await ws.send_json_to({"type": "tool.run", "host": creds.host_id, "tool": "ping", "params": {}})
    assert (await ws.receive_json_from())["code"] == "forbidden"
    await ws.disconnect()
    await stream.close()


async def test_a_tool_on_an_offline_host_is_refused_clearly(hub, world):
    response = await call(
        world.admin,
        "post",
        f"/api/v1/hosts/{world.host_a.id}/jobs",
        {"tool": "ping", "params": {"target": "127.0.0.1"}},
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "host_offline"


async def test_cancel_is_forwarded_to_the_agent(hub, world):
    creds, stream = await connected_host(hub, world)
    job = (
        await call(
            world.admin,
            "post",
            f"/api/v1/hosts/{creds.host_id}/jobs",
            {"tool": "port_scan", "params": {"target": "127.0.0.1"}},
        )
    ).json()
    await stream.read()
    assert (await call(world.operator_a, "post", f"/api/v1/jobs/{job['id']}/cancel")).status_code == 200
    cancel = await stream.read()
    assert (
        cancel.tool_command.action == agent_pb2.ToolCommand.CANCEL and cancel.tool_command.job_id == job["id"]
    )
    await stream.close()


async def test_jobs_the_agent_no_longer_runs_end_as_interrupted_when_it_reconnects(hub, world):
    creds, stream = await connected_host(hub, world)
    job = (
        await call(
            world.admin, "post", f"/api/v1/hosts/{creds.host_id}/jobs", {"tool": "discover", "params": {}}
        )
    ).json()
    await stream.read()
    await stream.call.write(event(job["id"], agent_pb2.ToolEvent.STARTED))
    await until(job["id"], lambda j: j.status == "running", "running")
    await stream.close()
    again = Stream(hub, metadata(creds))
    await again.hello("tools-host")  # its Hello lists no running job: the agent restarted
    stored = await sync_to_async(ToolJob.objects.get)(id=job["id"])
    assert stored.status == "interrupted"
    await again.close()


async def test_events_for_another_hosts_job_are_ignored(hub, world):
    creds, stream = await connected_host(hub, world, "first")
    other, other_stream = await connected_host(hub, world, "second")
    job = (
        await call(
            world.admin,
            "post",
            f"/api/v1/hosts/{creds.host_id}/jobs",
            {"tool": "ping", "params": {"target": "127.0.0.1"}},
        )
    ).json()
    await other_stream.call.write(
        event(job["id"], agent_pb2.ToolEvent.FINISHED, payload_json='{"forged": true}')
    )
    await other_stream.call.write(
        agent_pb2.AgentMessage(metrics=agent_pb2.MetricBatch(seq=1, samples=[agent_pb2.Sample(ts_ms=5)]))
    )
    assert (await other_stream.read()).ack.seq == 1
    stored = await sync_to_async(ToolJob.objects.get)(id=job["id"])
    assert stored.status == "queued" and stored.result is None
    await stream.close()
    await other_stream.close()


async def start(user, host_id, tool="ping", params=None):
    params = {"target": "127.0.0.1"} if params is None and tool == "ping" else params or {}
    response = await call(user, "post", f"/api/v1/hosts/{host_id}/jobs", {"tool": tool, "params": params})
    assert response.status_code == 201, response.content
    return response.json()["id"]


async def stored(job_id):
    return await sync_to_async(ToolJob.objects.get)(id=job_id)


async def until(job_id, check, what):
    """Poll the job without holding the sync thread the hub records events on."""
    for _ in range(100):
        job = await stored(job_id)
        if check(job):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id}: {what} not seen within 5 s (status {job.status})")


async def test_a_queued_job_whose_command_was_lost_is_sent_again_when_the_agent_reconnects(hub, world):
    creds, stream = await connected_host(hub, world)
    job_id = await start(world.admin, creds.host_id, "discover")
    await stream.close()  # the stream dies before the agent reads the command
    again = Stream(hub, metadata(creds))
    await again.hello("tools-host")
    command = (await again.read()).tool_command
    assert command.job_id == job_id and command.action == agent_pb2.ToolCommand.RUN
    assert command.tool == "discover" and json.loads(command.params_json) == {}
    assert (await stored(job_id)).status == "queued"
    await again.close()


async def test_a_job_the_agent_still_runs_stays_running_when_it_reconnects(hub, world):
    creds, stream = await connected_host(hub, world)
    job_id = await start(world.admin, creds.host_id)
    await stream.read()
    await stream.call.write(event(job_id, agent_pb2.ToolEvent.STARTED))
    await stream.call.write(event(job_id, agent_pb2.ToolEvent.PROGRESS, percent=10))
    await until(job_id, lambda j: j.status == "running", "running")
    await stream.close()
    again = Stream(hub, metadata(creds))
    await again.hello("tools-host", running_jobs=(job_id,))
    await again.call.write(event(job_id, agent_pb2.ToolEvent.FINISHED, payload_json="{}"))
    await until(job_id, lambda j: j.status == "finished", "finished")
    await again.close()


async def test_a_queued_job_says_where_it_waits_on_the_agent(hub, world):
    creds, stream = await connected_host(hub, world)
    job_id = await start(world.admin, creds.host_id)
    await stream.read()
    await stream.call.write(
        event(job_id, agent_pb2.ToolEvent.PROGRESS, message="queued", payload_json='{"position": 2}')
    )
    job = await until(job_id, lambda j: j.last_event_at is not None, "the queued event")
    assert job.status == "queued" and job.message == "queued on the agent: 2 waiting for a free slot"
    await stream.close()


def _age(job_id, **fields):
    ToolJob.objects.filter(id=job_id).update(**fields)


async def test_lost_jobs_end_as_interrupted_and_live_ones_do_not(hub, world):
    creds, stream = await connected_host(hub, world, "alive")
    gone, gone_stream = await connected_host(hub, world, "gone")
    now = timezone.now()
    # A host whose hub died: still marked connected, but nothing heard from it for 10 minutes.
    on_dead_host = await start(world.admin, gone.host_id)
    await gone_stream.close()
    await sync_to_async(
        lambda: Host.objects.filter(id=gone.host_id).update(
            connected=True, last_seen=now - timedelta(minutes=10)
        )
    )()
    # On the live host: a command never acknowledged, one acknowledged and waiting, one running
    # but silent past the agent's own job timeout, one running and reporting.
    unacknowledged = await start(world.admin, creds.host_id)
    waiting = await start(world.admin, creds.host_id)
    silent = await start(world.admin, creds.host_id)
    busy = await start(world.admin, creds.host_id)
    old = now - timedelta(minutes=5)
    await sync_to_async(_age)(unacknowledged, created_at=old)
    await sync_to_async(_age)(waiting, created_at=old, last_event_at=old)
    await sync_to_async(_age)(
        silent, created_at=old, status="running", last_event_at=now - timedelta(hours=1)
    )
    await sync_to_async(_age)(
        busy, created_at=old, status="running", last_event_at=now - timedelta(seconds=5)
    )

    ended = {str(job.id): job.message for job in await sync_to_async(tools.interrupt_lost_jobs)()}
    assert ended == {
        on_dead_host: "interrupted: the host's agent went away",
        unacknowledged: "interrupted: the agent never acknowledged the command",
        silent: "interrupted: the agent stopped reporting on this job",
    }
    assert [(await stored(j)).status for j in (on_dead_host, unacknowledged, silent, waiting, busy)] == [
        "interrupted",
        "interrupted",
        "interrupted",
        "queued",
        "running",
    ]
    assert await sync_to_async(tools.interrupt_lost_jobs)() == []  # nothing ends twice

    # And no new job is accepted for the host whose hub died.
    response = await call(
        world.admin,
        "post",
        f"/api/v1/hosts/{gone.host_id}/jobs",
        {"tool": "ping", "params": {"target": "127.0.0.1"}},
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "host_offline"
    await stream.close()


@pytest.mark.parametrize(
    ("tool", "params", "message"),
    [
        ("ping", {}, "params: ping needs target."),
        ("ping", {"target": "a", "count": 5000}, "params: count must be between 1 and 1000, got 5000."),
        ("ping", {"target": "a", "method": "udp"}, "params: method must be one of auto, icmp, icmp-dgram"),
        ("port_scan", {"target": "a", "port": "22"}, "params: unknown parameter(s) port; port_scan takes"),
        ("dns", {"name": "example.org", "types": ["a"]}, "params: types must be one of A, AAAA, MX"),
        ("tls_cert", {"host": "x" * 254}, "params: host is longer than 253 characters."),
        ("traceroute", {"target": "127.0.0.1", "probes": "3"}, 'params: probes must be an integer, got "3".'),
    ],
)
async def test_params_the_agent_s_schema_refuses_are_a_400_naming_the_param_and_reach_no_agent(
    hub, world, tool, params, message
):
    creds, stream = await connected_host(hub, world)
    path = f"/api/v1/hosts/{creds.host_id}/jobs"
    response = await call(world.operator_a, "post", path, {"tool": tool, "params": params})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"].startswith(message)
    assert await sync_to_async(ToolJob.objects.count)() == 0
    await stream.close()


async def test_a_tool_run_over_the_websocket_with_bad_params_is_an_error_frame_naming_the_param(hub, world):
    creds, stream = await connected_host(hub, world)
    ws = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    await ws.connect()
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(world.operator_a)})
    await ws.receive_json_from()
    run = {"type": "tool.run", "host": creds.host_id, "tool": "ping", "params": {"target": "a", "size": -1}}
    await ws.send_json_to({**run, "request": "r1"})
    refused = await ws.receive_json_from()
    assert refused["type"] == "error" and refused["code"] == "invalid" and refused["request"] == "r1"
    assert refused["message"] == "params: size must be between 0 and 1400, got -1."
    await ws.disconnect()
    await stream.close()
