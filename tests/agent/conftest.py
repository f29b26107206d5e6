"""A real grpc.aio server playing the hub, and agent configurations pointing at it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc
from everyst_agent.config import AgentConfig
from everyst_agent.credentials import Credentials

SERVER_OPTIONS = (
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
)
CREDENTIALS = Credentials(agent_id="agent-1", secret="s3cret", host_id="host-1")


async def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class HubStream:
    metadata: dict[str, str]
    messages: list[agent_pb2.AgentMessage] = field(default_factory=list)
    outbox: asyncio.Queue[agent_pb2.HubMessage] = field(default_factory=asyncio.Queue)

    @property
    def seqs(self) -> list[int]:
        return [m.metrics.seq for m in self.messages if m.WhichOneof("body") == "metrics"]

    @property
    def samples(self) -> list[agent_pb2.Sample]:
        return [s for m in self.messages if m.WhichOneof("body") == "metrics" for s in m.metrics.samples]

    def send(self, message: agent_pb2.HubMessage) -> None:
        self.outbox.put_nowait(message)


class FakeHub(agent_pb2_grpc.AgentServiceServicer):
    """Acks every batch unless told not to; can end a stream after N batches or reject agents."""

    def __init__(self) -> None:
        self.streams: list[HubStream] = []
        self.enroll_requests: list[agent_pb2.EnrollRequest] = []
        self.auto_ack = True
        self.drop_after: int | None = None
        self.reject: grpc.StatusCode | None = None
        self.connect_attempts = 0
        # What every stream is welcomed with (tests set stored_through_ts_ms, as a hub does).
        self.welcome = agent_pb2.Welcome(host_id="host-1")

    async def Enroll(self, request: agent_pb2.EnrollRequest, context: Any) -> agent_pb2.EnrollResponse:
        self.enroll_requests.append(request)
        if request.token != "good-token":
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "unknown or expired enrollment token")
        return agent_pb2.EnrollResponse(agent_id="agent-1", secret="s3cret", host_id="host-1")

    async def Connect(self, request_iterator: Any, context: Any) -> None:
        self.connect_attempts += 1
        if self.reject is not None:
            await context.abort(self.reject, "agent revoked")
        stream = HubStream(metadata=dict(context.invocation_metadata()))
        self.streams.append(stream)
        hello = await context.read()
        stream.messages.append(hello)
        await context.write(agent_pb2.HubMessage(welcome=self.welcome))
        pump = asyncio.create_task(self._pump(stream, context))
        try:
            while True:
                message = await context.read()
                if message is grpc.aio.EOF:
                    return
                stream.messages.append(message)
                if message.WhichOneof("body") != "metrics":
                    continue
                if self.auto_ack:
                    stream.send(agent_pb2.HubMessage(ack=agent_pb2.Ack(seq=message.metrics.seq)))
                if self.drop_after is not None and len(stream.seqs) >= self.drop_after:
                    self.drop_after = None
                    return
        finally:
            pump.cancel()

    async def _pump(self, stream: HubStream, context: Any) -> None:
        while True:
            await context.write(await stream.outbox.get())

    @property
    def last(self) -> HubStream:
        return self.streams[-1]


async def start_server(hub: FakeHub, port: int = 0, credentials: Any = None) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server(options=SERVER_OPTIONS)
    agent_pb2_grpc.add_AgentServiceServicer_to_server(hub, server)
    address = f"127.0.0.1:{port}"
    bound = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    await server.start()
    return server, bound


@pytest.fixture
async def fake_hub() -> AsyncIterator[tuple[FakeHub, int]]:
    hub = FakeHub()
    server, port = await start_server(hub)
    yield hub, port
    await server.stop(None)


def make_config(state_dir: Path, port: int, **overrides: Any) -> AgentConfig:
    values: dict[str, Any] = {
        "hub": f"127.0.0.1:{port}",
        "tls": False,
        "state_dir": state_dir,
        "ca_file": state_dir / "hub-ca.pem",
        "interval": 0.1,
        "log_level": "DEBUG",
        **overrides,
    }
    return AgentConfig(**values)
