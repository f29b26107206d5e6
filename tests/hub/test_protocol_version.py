"""Agent and hub negotiate the stream protocol (issue #13 item 7): the hub serves its own minor
version and the one before; a newer agent is told to upgrade the hub, an older one to upgrade
itself, before anything is recorded. Real grpc.aio hub over TLS; the real agent client."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import grpc
import pytest
from asgiref.sync import sync_to_async
from everyst.agent.v1 import agent_pb2
from everyst_agent import PROTOCOL as AGENT_PROTOCOL
from everyst_agent import run_loop
from everyst_agent.config import AgentConfig
from everyst_agent.credentials import Credentials
from everyst_agent.run_loop import Agent
from everyst_agent.spool import Spool
from everyst_hub.ingest import protocol
from everyst_hub.ingest.server import server_tls
from everyst_hub.inventory.models import Host
from everyst_hub.metrics.models import Sample

from tests.support.ingest import Stream, enroll, facts, metadata

pytestmark = pytest.mark.django_db(transaction=True)

MAJOR, MINOR = protocol.PROTOCOL
OURS = f"{MAJOR}.{MINOR}"


async def hello(stream: Stream, name: str, version: tuple[int, int] | None, release: str = "") -> Any:
    message = agent_pb2.Hello(facts=facts(name), collect_interval_ms=1000, agent_version=release)
    if version is not None:
        message.protocol.major, message.protocol.minor = version
    await stream.call.write(agent_pb2.AgentMessage(hello=message))
    return await stream.read()


def test_the_agent_and_the_hub_in_this_tree_speak_the_same_protocol() -> None:
    assert AGENT_PROTOCOL == protocol.PROTOCOL


async def test_the_hub_welcomes_an_agent_of_its_own_protocol(hub: Any) -> None:
    creds = await enroll(hub, "same")
    stream = Stream(hub, metadata(creds))
    answer = await hello(stream, "same", protocol.PROTOCOL, "0.2.0")
    assert answer.WhichOneof("body") == "welcome"
    await stream.close()


async def test_the_hub_welcomes_a_release_0_1_0_agent_whose_hello_has_no_version(hub: Any) -> None:
    creds = await enroll(hub, "old")
    stream = Stream(hub, metadata(creds))
    assert (await hello(stream, "old", None)).WhichOneof("body") == "welcome"
    await stream.close()


async def test_a_newer_agent_is_refused_with_failed_precondition_and_changes_nothing(hub: Any) -> None:
    creds = await enroll(hub, "newer")
    before = await sync_to_async(Host.objects.get)(id=creds.host_id)
    stream = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await hello(stream, "renamed", (MAJOR, MINOR + 1), "0.4.0")
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details() == (
        f"agent protocol {MAJOR}.{MINOR + 1} (agent 0.4.0) is newer than this hub's {OURS}: upgrade the hub"
    )
    after = await sync_to_async(Host.objects.get)(id=creds.host_id)
    assert after.hostname == before.hostname and after.last_seen == before.last_seen
    await stream.close()


async def test_an_agent_of_another_major_version_is_refused(hub: Any) -> None:
    creds = await enroll(hub, "major")
    stream = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await hello(stream, "major", (2, 0))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details().endswith(f"is newer than this hub's {OURS}: upgrade the hub")


async def test_a_hub_two_minor_versions_ahead_tells_the_agent_to_upgrade(
    hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(protocol, "PROTOCOL", (1, 3))
    creds = await enroll(hub, "behind")
    stream = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await hello(stream, "behind", (1, 1), "0.2.0")
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details() == (
        "agent protocol 1.1 (agent 0.2.0) is too old for this hub's 1.3 (it serves 1.2 to 1.3): "
        "upgrade the agent"
    )
    other = Stream(hub, metadata(creds))
    assert (await hello(other, "behind", (1, 2))).WhichOneof("body") == "welcome"
    await stream.close()
    await other.close()


async def test_a_refused_agent_logs_why_once_per_attempt_keeps_spooling_and_delivers_after_the_upgrade(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    creds = await enroll(hub, "ahead")
    (tmp_path / "hub-ca.pem").write_bytes(server_tls().ca_pem)
    config = AgentConfig(
        hub=f"127.0.0.1:{hub.port}",
        tls=True,
        state_dir=tmp_path,
        ca_file=tmp_path / "hub-ca.pem",
        interval=0.1,
        machine_id=facts("ahead").machine_id,
    )
    monkeypatch.setattr(run_loop, "PROTOCOL", (MAJOR, MINOR + 1))
    spool = Spool(config.spool_path, config.spool_max_samples)
    agent = Agent(config, Credentials(creds.agent_id, creds.secret, creds.host_id), spool)
    agent.incompatible_retry = 0.5
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="everyst_agent")
    task = asyncio.create_task(agent.run_until(stop))
    try:
        await asyncio.sleep(1.6)
        refusals = [r for r in caplog.records if "refused this agent" in r.getMessage()]
        # Attempts at 0, ~0.5, ~1.0 and ~1.5 s (each delay jittered by 10 %): one line each.
        assert 2 <= len(refusals) <= 4, [r.getMessage() for r in refusals]
        assert f"newer than this hub's {OURS}: upgrade the hub" in refusals[0].getMessage()
        assert refusals[0].levelno == logging.ERROR
        assert not agent.connected
        assert spool.depth() >= 10
        assert await sync_to_async(Sample.objects.filter(host_id=creds.host_id).count)() == 0

        monkeypatch.setattr(protocol, "PROTOCOL", (MAJOR, MINOR + 1))  # the hub is upgraded
        for _ in range(60):
            stored = await sync_to_async(Sample.objects.filter(host_id=creds.host_id).count)()
            if stored >= 10:
                break
            await asyncio.sleep(0.1)
        assert stored >= 10 and agent.connected
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        spool.close()
