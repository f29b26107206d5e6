"""The agent's end of the gRPC contract (protos/), on grpclib: gRPC over HTTP/2 in pure Python.

The hub serves with grpcio; the agent talks to it with grpclib (h2 on asyncio) because the agent
sends one small message a second, where grpcio's native core buys no speed and costs ~12 MiB of
resident memory on every monitored host (a bare python holding a grpcio TLS channel peaks at
38.5 MiB here). grpclib is pure Python, so the agent also installs without native wheels.

Everything here maps grpclib's failures onto one error, `RpcError`, with the gRPC status code:
a status the hub sent, or UNAVAILABLE for a connection or TLS failure and DEADLINE_EXCEEDED for a
call that ran out of time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from everyst.agent.v1 import agent_pb2
from grpclib.client import Channel, Stream, StreamStreamMethod, UnaryUnaryMethod
from grpclib.config import Configuration
from grpclib.const import Status
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

from everyst_agent.pki import load_root_certificates

if TYPE_CHECKING:
    from everyst_agent.config import AgentConfig

SERVICE = "/" + agent_pb2.DESCRIPTOR.services_by_name["AgentService"].full_name + "/"
# Detects a silently dead hub or NAT mapping within ~30 s; the hub accepts pings this often.
KEEPALIVE_TIME = 20.0
KEEPALIVE_TIMEOUT = 10.0
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0
# The hub refused who we are (a token, or an agent's credentials): retrying soon will not help.
REJECTED = frozenset({Status.UNAUTHENTICATED, Status.PERMISSION_DENIED})

__all__ = [
    "REJECTED",
    "Backoff",
    "Channel",
    "HubStream",
    "RpcError",
    "Status",
    "enroll",
    "hub_channel",
    "make_channel",
    "open_stream",
    "hub_roots",
]


class RpcError(Exception):
    """A call failed: `code` is the gRPC status, `details` the hub's (or the transport's) words."""

    def __init__(self, code: Status, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


def split_address(address: str) -> tuple[str, int]:
    """ "host:port" or "[v6]:port" -> (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"hub address must be host:port, got {address!r}")
    return host.strip("[]"), int(port)


def tls_context(root_certificates: bytes | None) -> ssl.SSLContext:
    """Verifies the hub against `root_certificates` (PEM; the system's CAs if None), speaks h2."""
    context = ssl.create_default_context(
        cadata=root_certificates.decode("ascii") if root_certificates else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])
    return context


def make_channel(
    hub: str, *, tls: bool, root_certificates: bytes | None, server_name: str | None = None
) -> Channel:
    host, port = split_address(hub)
    config = Configuration(
        _keepalive_time=KEEPALIVE_TIME,
        _keepalive_timeout=KEEPALIVE_TIMEOUT,
        _keepalive_permit_without_calls=True,
        _http2_max_pings_without_data=0,
        ssl_target_name_override=server_name or None,
    )
    return Channel(host, port, ssl=tls_context(root_certificates) if tls else None, config=config)


@contextlib.contextmanager
def _as_rpc_errors() -> Iterator[None]:
    try:
        yield
    except GRPCError as exc:
        raise RpcError(exc.status, exc.message or exc.status.name) from None
    except StreamTerminatedError as exc:
        raise RpcError(Status.UNAVAILABLE, f"the connection to the hub broke: {exc}") from None
    except ssl.SSLError as exc:  # before OSError: it is one
        reason = exc.reason or str(exc)
        raise RpcError(Status.UNAVAILABLE, f"TLS handshake with the hub failed: {reason}") from None
    except OSError as exc:
        raise RpcError(Status.UNAVAILABLE, f"cannot connect to the hub: {exc.strerror or exc}") from None
    except ProtocolError as exc:
        raise RpcError(Status.UNAVAILABLE, f"the hub broke the HTTP/2 protocol: {exc}") from None


async def enroll(
    channel: Channel, request: agent_pb2.EnrollRequest, timeout: float
) -> agent_pb2.EnrollResponse:
    method = UnaryUnaryMethod(channel, SERVICE + "Enroll", agent_pb2.EnrollRequest, agent_pb2.EnrollResponse)
    with _as_rpc_errors():
        try:
            return await method(request, timeout=timeout)
        except TimeoutError:
            raise RpcError(Status.DEADLINE_EXCEEDED, f"no answer within {timeout:g} s") from None


class HubStream:
    """The agent's stream: `write` agent messages, `read` hub messages (None once the hub ended
    the stream with OK; an RpcError carries any other status)."""

    def __init__(self, stream: Stream[agent_pb2.AgentMessage, agent_pb2.HubMessage]) -> None:
        self._stream = stream
        self._ended = False

    async def write(self, message: agent_pb2.AgentMessage) -> None:
        with _as_rpc_errors():
            try:
                await self._stream.send_message(message)
            except StreamTerminatedError:
                self._raise_status()
                raise

    async def read(self) -> agent_pb2.HubMessage | None:
        with _as_rpc_errors():
            try:
                message = await self._stream.recv_message()
                if message is None:
                    # The hub ended the stream: its trailers say whether that was an error.
                    if not self._ended:
                        self._ended = True
                        await self._stream.end()
                    await self._stream.recv_trailing_metadata()
                return message
            except StreamTerminatedError:
                if self._raise_status():
                    return None  # the hub ended the stream with OK, then reset it
                raise

    def _raise_status(self) -> bool:
        """A hub that refuses or ends a stream the agent has not half-closed sends its status and
        then resets the stream (grpcio does): the status, not the reset, is the answer. Raises
        GRPCError for an error status; True if the status was OK, False if none came."""
        self._stream._maybe_raise()  # grpclib's own check of the headers and trailers received
        received = self._stream._stream  # grpclib.protocol.Stream
        return any(
            block is not None and any(name == "grpc-status" for name, _ in block)
            for block in (received.trailers, received.headers)
        )


@contextlib.asynccontextmanager
async def open_stream(channel: Channel, metadata: tuple[tuple[str, str], ...]) -> AsyncIterator[HubStream]:
    """The bidirectional Connect stream; cancelled (RST_STREAM) when the block exits."""
    method: Any = StreamStreamMethod(
        channel, SERVICE + "Connect", agent_pb2.AgentMessage, agent_pb2.HubMessage
    )
    stream = method.open(metadata=dict(metadata))
    with _as_rpc_errors():
        await stream.__aenter__()
        await stream.send_request()
    try:
        yield HubStream(stream)
    finally:
        # Tell the hub at once (RST_STREAM) rather than leaving it to notice a closed connection;
        # a stream already ended or broken has nothing to cancel.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await stream.cancel()
        with contextlib.suppress(Exception):
            await stream.__aexit__(None, None, None)


def hub_roots(config: AgentConfig) -> bytes | None:
    """What the hub's certificate is checked against (None: plaintext, nothing to check)."""
    return load_root_certificates(config) if config.tls else None


@contextlib.asynccontextmanager
async def hub_channel(
    config: AgentConfig, root_certificates: bytes | None, address: str | None = None
) -> AsyncIterator[Channel]:
    """A channel to `address`, one of the configured hub addresses (the first by default)."""
    channel = make_channel(
        address or config.hub_addresses[0],
        tls=config.tls,
        root_certificates=root_certificates,
        server_name=config.tls_server_name,
    )
    try:
        yield channel
    finally:
        channel.close()


class Backoff:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**attempt))."""

    def __init__(
        self, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX, rng: Callable[[], float] = random.random
    ) -> None:
        self.base, self.cap, self._rng = base, cap, rng
        self.attempt = 0

    def next(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return self._rng() * ceiling

    def at_max(self) -> float:
        """A delay near the cap, still jittered so a fleet rejected at once does not retry in step."""
        self.attempt += 1
        return self.cap * (0.5 + 0.5 * self._rng())

    def reset(self) -> None:
        self.attempt = 0
