"""Back-pressure from daphne's WebSocket transports to the live consumers.

ASGI's `websocket.send` returns as soon as daphne has handed the frame to Twisted, which buffers
whatever the peer does not read, without limit: a browser that stops reading (a frozen tab, a
phone on a bad link) made the hub hold every live frame sent to it. Twisted's own flow control is
a push producer registered on the transport: it is paused when the transport holds more than
`bufferSize` (64 KiB) unsent and resumed once everything is sent. `FlowServer` registers one
`SocketFlow` per WebSocket and hands it to the application in the connection's scope
(`scope["extensions"][FLOW_EXTENSION]`); the consumer writes only while it is writable and keeps
the rest in its own bounded queue (outbox.Outbox).
"""

from __future__ import annotations

import asyncio
from typing import Any

import daphne.server

FLOW_EXTENSION = "everyst.flow"
# How long a closing socket's peer has to read up to the close frame and answer it; autobahn's
# 1 s dropped a slow reader before it could read why it was closed (consumers.CLOSE_TOO_SLOW).
CLOSE_HANDSHAKE_SECONDS = 5.0


class SocketFlow:
    """Whether one WebSocket's transport takes more frames now (Twisted's IPushProducer)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._writable = asyncio.Event()
        self._writable.set()
        self.closed = False

    # Twisted calls these on the reactor thread, which is the asyncio loop's (asyncioreactor).
    def pauseProducing(self) -> None:  # noqa: N802 - Twisted's interface
        self._writable.clear()

    def resumeProducing(self) -> None:  # noqa: N802
        self._writable.set()

    def stopProducing(self) -> None:  # noqa: N802 - the connection is gone
        self.closed = True
        self._writable.set()

    async def writable(self) -> None:
        """Returns once the transport has room (at once if it has, or is closed)."""
        await self._writable.wait()

    def unsent_bytes(self) -> int:
        """Bytes the transport holds that the peer has not taken yet (Twisted's FileDescriptor
        keeps them in `dataBuffer` from `offset`, and in a list it joins before the next write)."""
        transport = self._transport
        buffered = len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
        return buffered + getattr(transport, "_tempDataLen", 0)


class FlowServer(daphne.server.Server):  # type: ignore[misc]  # daphne is untyped
    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") == "websocket":
            transport = protocol.transport
            flow = SocketFlow(transport)
            # The HTTP channel that upgraded the connection is still its producer: it pauses
            # reading when the send buffer fills, which bounds nothing here. The socket's flow
            # takes its place.
            transport.unregisterProducer()
            transport.registerProducer(flow, True)
            scope = {**scope, "extensions": {**scope.get("extensions", {}), FLOW_EXTENSION: flow}}
            protocol.closeHandshakeTimeout = CLOSE_HANDSHAKE_SECONDS
        return super().create_application(protocol, scope)
