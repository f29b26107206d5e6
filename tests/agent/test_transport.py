"""The agent's gRPC client (grpclib) against a real grpcio server: statuses, ends, failures."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent import transport
from everyst_agent.transport import RpcError, Status


async def refuse(requests: Any, context: grpc.aio.ServicerContext) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "This agent has been revoked.")


async def welcome_then_end(requests: Any, context: grpc.aio.ServicerContext) -> Any:
    await context.read()
    yield agent_pb2.HubMessage(welcome=agent_pb2.Welcome(host_id="h-1"))


async def welcome_then_fail(requests: Any, context: grpc.aio.ServicerContext) -> Any:
    await context.read()
    yield agent_pb2.HubMessage(welcome=agent_pb2.Welcome(host_id="h-1"))
    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a metric batch needs a seq")


@pytest.fixture
async def server() -> AsyncIterator[tuple[int, dict[str, Any]]]:
    """A grpcio server whose Connect behaves as `mode["connect"]` (set by the test)."""
    mode: dict[str, Any] = {"connect": refuse}

    class Generic(grpc.GenericRpcHandler):
        def service(self, details: Any) -> Any:
            if details.method != transport.SERVICE + "Connect":
                return None
            return grpc.stream_stream_rpc_method_handler(
                mode["connect"],
                request_deserializer=agent_pb2.AgentMessage.FromString,
                response_serializer=agent_pb2.HubMessage.SerializeToString,
            )

    server = grpc.aio.server()
    server.add_generic_rpc_handlers((Generic(),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield port, mode
    await server.stop(0)


async def open_and_read(port: int) -> list[Any]:
    channel = transport.make_channel(f"127.0.0.1:{port}", tls=False, root_certificates=None)
    seen: list[Any] = []
    try:
        async with transport.open_stream(channel, (("x-everyst-agent-id", "a"),)) as call:
            await call.write(agent_pb2.AgentMessage(hello=agent_pb2.Hello()))
            while (message := await call.read()) is not None:
                seen.append(message.WhichOneof("body"))
            seen.append(None)
    finally:
        channel.close()
    return seen


async def test_a_refused_stream_reports_the_hubs_status_not_the_reset(server):
    port, mode = server
    mode["connect"] = refuse
    with pytest.raises(RpcError) as refused:
        await open_and_read(port)
    assert refused.value.code == Status.UNAUTHENTICATED
    assert refused.value.details == "This agent has been revoked."


async def test_a_stream_the_hub_ends_with_ok_reads_as_none(server):
    port, mode = server
    mode["connect"] = welcome_then_end
    assert await open_and_read(port) == ["welcome", None]


async def test_a_stream_the_hub_ends_with_an_error_raises_its_status(server):
    port, mode = server
    mode["connect"] = welcome_then_fail
    with pytest.raises(RpcError) as failed:
        await open_and_read(port)
    assert failed.value.code == Status.INVALID_ARGUMENT
    assert "seq" in failed.value.details


async def test_no_hub_listening_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(RpcError) as refused:
            await open_and_read(port)
    assert refused.value.code == Status.UNAVAILABLE
    assert "cannot connect" in refused.value.details


def test_hub_addresses_split_into_host_and_port():
    assert transport.split_address("hub.example:50051") == ("hub.example", 50051)
    assert transport.split_address("[::1]:50051") == ("::1", 50051)
    with pytest.raises(ValueError, match="host:port"):
        transport.split_address("hub.example")
