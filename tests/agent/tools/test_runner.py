"""The job runner in this process, against 127.0.0.1 only: scope, queueing, cancellation, isolation,
and the wiring into the agent's stream (commands injected by a hub, bypassing any hub-side check).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Any

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.run_loop import Agent
from everyst_agent.spool import Spool
from everyst_agent.tools.base import Limits
from everyst_agent.tools.runner import ToolRunner
from everyst_agent.tools.scope import Scope, ScopeError

from tests.agent.conftest import CREDENTIALS, make_config, wait_for

Event = agent_pb2.ToolEvent


class Recorder:
    def __init__(self) -> None:
        self.events: list[agent_pb2.ToolEvent] = []

    async def emit(self, event: agent_pb2.ToolEvent) -> None:
        self.events.append(event)

    def of(self, job_id: str) -> list[agent_pb2.ToolEvent]:
        return [e for e in self.events if e.job_id == job_id]

    def ended(self, job_id: str) -> agent_pb2.ToolEvent | None:
        terminal = (Event.FINISHED, Event.FAILED, Event.CANCELLED)
        return next((e for e in self.of(job_id) if e.kind in terminal), None)


def run(tool: str, job_id: str = "j", **params: Any) -> agent_pb2.ToolCommand:
    import json

    return agent_pb2.ToolCommand(
        job_id=job_id, action=agent_pb2.ToolCommand.RUN, tool=tool, params_json=json.dumps(params)
    )


@pytest.fixture
async def listener():
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


def test_scope_allows_connected_subnets_and_loopback_and_refuses_the_rest():
    scope = Scope(allow=["198.51.100.0/30"], deny=["127.0.0.2"])

    assert [str(a) for a in scope.check(["127.0.0.1", "198.51.100.0/30"])] == [
        "127.0.0.1",
        "198.51.100.1",
        "198.51.100.2",
    ]
    with pytest.raises(
        ScopeError, match=r"^10\.9\.9\.9 is outside this agent's scope \(allowed: 127\.0\.0\.0/8"
    ):
        scope.check(["10.9.9.9"])
    with pytest.raises(ScopeError, match="denied: 127.0.0.2/32"):
        scope.check(["127.0.0.2"])
    with pytest.raises(ScopeError, match="max_hosts_per_job"):
        Scope(max_hosts=16).check(["127.0.0.0/24"])


async def test_unknown_tools_and_bad_params_fail_with_a_message_naming_the_problem():
    rec = Recorder()
    runner = ToolRunner(rec.emit, Scope())
    runner.handle(run("teleport", "a"))
    runner.handle(run("port_scan", "b", target="127.0.0.1", ports="99999"))
    runner.handle(run("port_scan", "c", target="127.0.0.1", port="22"))
    await wait_for(lambda: all(rec.ended(j) for j in "abc"), what="three failures")

    assert rec.ended("a").message.startswith("unknown tool 'teleport'; this agent runs: capture, discover")
    assert "outside 1-65535" in rec.ended("b").message
    assert "unknown parameter(s) port" in rec.ended("c").message


async def test_cancel_mid_scan_ends_with_cancelled_promptly_and_closes_its_sockets(listener):
    rec = Recorder()
    runner = ToolRunner(rec.emit, Scope())
    fds_before = len(os.listdir("/proc/self/fd"))
    # Paced to take ~30 s: the cancel must not wait for it.
    runner.handle(run("port_scan", "slow", target="127.0.0.1", ports="1-65535", method="connect", rate=2000))
    await wait_for(lambda: any(e.kind == Event.PROGRESS for e in rec.of("slow")), what="progress")
    asked = time.monotonic()
    runner.handle(agent_pb2.ToolCommand(job_id="slow", action=agent_pb2.ToolCommand.CANCEL))
    await wait_for(lambda: rec.ended("slow"), what="the end of the job")

    assert rec.ended("slow").kind == Event.CANCELLED
    assert time.monotonic() - asked < 0.5
    assert not runner.jobs
    assert len(os.listdir("/proc/self/fd")) <= fds_before


async def test_jobs_beyond_the_limit_are_queued_and_say_so(listener):
    rec = Recorder()
    runner = ToolRunner(rec.emit, Scope(), Limits(), max_concurrent_jobs=1)
    runner.handle(run("port_scan", "first", target="127.0.0.1", ports=f"1-2000,{listener}", method="connect"))
    runner.handle(run("port_scan", "second", target="127.0.0.1", ports=str(listener), method="connect"))
    await wait_for(lambda: rec.ended("first") and rec.ended("second"), timeout=20, what="both jobs")

    second = rec.of("second")
    assert (second[0].kind, second[0].message) == (Event.PROGRESS, "queued")
    assert second[1].kind == Event.STARTED
    assert rec.events.index(second[1]) > rec.events.index(rec.ended("first"))
    assert rec.ended("second").kind == Event.FINISHED


async def test_a_command_injected_through_the_stream_is_held_to_the_agent_s_scope(
    fake_hub, tmp_path, listener
):
    hub, port = fake_hub
    config = make_config(tmp_path, port, scope_deny=("127.0.0.2",))
    spool = Spool(config.spool_path, config.spool_max_samples)
    agent = Agent(config, CREDENTIALS, spool)
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run_until(stop))
    try:
        await wait_for(lambda: hub.streams, what="a stream")
        for command in (
            run("port_scan", "outside", target="10.9.9.9", ports="22"),
            run("port_scan", "denied", target="127.0.0.2", ports="22"),
            run("port_scan", "fine", target="127.0.0.1", ports=str(listener)),
        ):
            hub.last.send(agent_pb2.HubMessage(tool_command=command))

        def events(job: str) -> list[agent_pb2.ToolEvent]:
            return [
                m.tool_event
                for m in hub.last.messages
                if m.WhichOneof("body") == "tool_event" and m.tool_event.job_id == job
            ]

        await wait_for(
            lambda: all(
                events(j) and events(j)[-1].kind in (Event.FINISHED, Event.FAILED)
                for j in ("outside", "denied", "fine")
            ),
            timeout=15,
            what="three jobs",
        )
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        spool.close()

    assert [e.kind for e in events("outside")] == [Event.FAILED]
    assert events("outside")[0].message.startswith("10.9.9.9 is outside this agent's scope")
    assert [e.kind for e in events("denied")] == [Event.FAILED]
    assert [e.kind for e in events("fine")][0] == Event.STARTED
    assert events("fine")[-1].kind == Event.FINISHED
    assert f'"port":{listener}' in "".join(e.payload_json for e in events("fine"))


def test_listening_lists_a_socket_of_this_process():
    import asyncio as aio

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        rec = Recorder()

        async def go() -> None:
            runner = ToolRunner(rec.emit, Scope())
            runner.handle(run("listening", "l"))
            await wait_for(lambda: rec.ended("l"), what="listening")

        aio.run(go())
    import json

    rows = [r for e in rec.of("l") if e.kind == Event.RESULT for r in json.loads(e.payload_json)["rows"]]
    assert {"proto": "tcp", "address": "127.0.0.1", "port": port, "pid": os.getpid()}.items() <= next(
        r for r in rows if r["port"] == port
    ).items()
