"""A hand-driven agent for in-process ingest tests: enroll over TLS, open a stream, send and read."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from asgiref.sync import sync_to_async
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc
from everyst_hub.ingest.server import IngestServer, server_tls
from everyst_hub.inventory.enrollment import create_enrollment_token


def channel(hub: IngestServer) -> grpc.aio.Channel:
    creds = grpc.ssl_channel_credentials(root_certificates=server_tls().ca_pem)
    return grpc.aio.secure_channel(f"127.0.0.1:{hub.port}", creds)


def facts(name: str) -> agent_pb2.HostFacts:
    return agent_pb2.HostFacts(hostname=name, machine_id=name * 4, os="TestOS", cpu_logical=2)


async def enroll(hub: IngestServer, name: str) -> agent_pb2.EnrollResponse:
    created = await sync_to_async(create_enrollment_token)()
    async with channel(hub) as ch:
        return await agent_pb2_grpc.AgentServiceStub(ch).Enroll(
            agent_pb2.EnrollRequest(token=created.raw, facts=facts(name))
        )


def metadata(creds: agent_pb2.EnrollResponse, secret: str | None = None) -> tuple[tuple[str, str], ...]:
    return (("x-everyst-agent-id", creds.agent_id), ("x-everyst-agent-secret", secret or creds.secret))


def batch(seq: int, ts_ms: int) -> agent_pb2.AgentMessage:
    s = agent_pb2.Sample(ts_ms=ts_ms)
    s.cpu.percent = 5.0
    return agent_pb2.AgentMessage(metrics=agent_pb2.MetricBatch(seq=seq, samples=[s]))


class Stream:
    """A hand-driven agent stream: send messages, read hub messages."""

    def __init__(self, hub: IngestServer, md: Any) -> None:
        self.channel = channel(hub)
        self.call = agent_pb2_grpc.AgentServiceStub(self.channel).Connect(metadata=md)

    async def hello(
        self, name: str, running_jobs: tuple[str, ...] = (), window: int = 0, ack_timeout_ms: int = 0
    ) -> agent_pb2.HubMessage:
        """Say Hello; without a window and ack timeout (as release 0.1.0), every batch is acked."""
        hello = agent_pb2.Hello(
            facts=facts(name),
            collect_interval_ms=1000,
            running_jobs=running_jobs,
            max_in_flight=window,
            ack_timeout_ms=ack_timeout_ms,
        )
        await self.call.write(agent_pb2.AgentMessage(hello=hello))
        return await asyncio.wait_for(self.call.read(), 5)

    async def read(self) -> agent_pb2.HubMessage:
        return await asyncio.wait_for(self.call.read(), 5)

    async def close(self) -> None:
        self.call.cancel()
        await self.channel.close()


async def connected_host(hub: IngestServer, world: Any, name: str = "tools-host") -> tuple[Any, Stream]:
    """An enrolled host in world.group_a whose agent stream said Hello."""
    from everyst_hub.inventory.models import Host

    creds = await enroll(hub, name)
    host = await sync_to_async(Host.objects.get)(id=creds.host_id)
    await sync_to_async(host.groups.add)(world.group_a)
    stream = Stream(hub, metadata(creds))
    await stream.hello(name)
    return creds, stream
