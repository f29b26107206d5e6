"""gRPC adapter: parses agent messages, authenticates, calls services. No domain logic here."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc

from everyst_hub.core.errors import EverystError
from everyst_hub.core.params import MAX_UNIX_MS
from everyst_hub.inventory import enrollment, hosts
from everyst_hub.metrics.services import stored_through
from everyst_hub.realtime.publish import agent_group, publish_host, publish_job
from everyst_hub.tools import services as tools

from .auth import credentials
from .protocol import IncompatibleAgent, agent_protocol, check_agent_protocol
from .writer import IngestWriter

logger = logging.getLogger(__name__)

HELLO_TIMEOUT = 30.0
MAX_UNACKED = 1024
# Acks are coalesced for agents that declare their window and ack timeout (protocol 1.1): one ack
# for what was stored in up to this long, or at once when half the agent's window waits. An ack
# is a gRPC write like any other; one per batch per agent was a large share of the hub's cost.
ACK_DELAY = 5.0
GROUP_REFRESH_SECONDS = 3600.0
# What a stream displaced by a newer one of the same host is told (the agent logs it).
DISPLACED = "another connection of this agent took over"
# Closed streams are marked offline in batches gathered over this long.
DISCONNECT_BATCH_SECONDS = 0.05


def _no_leaks(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """An unexpected error ends the call with a generic INTERNAL status: the details go to the
    hub's log, never to the agent."""

    @functools.wraps(method)
    async def guarded(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except (grpc.aio.AbortError, asyncio.CancelledError):
            raise
        except Exception:
            logger.exception("%s from %s failed", method.__name__, context.peer())
            await context.abort(
                grpc.StatusCode.INTERNAL, "The hub hit an internal error; it has been logged."
            )

    return guarded


def _status(exc: EverystError) -> grpc.StatusCode:
    return grpc.StatusCode[exc.grpc_status]


class Disconnects:
    """Hosts whose stream closed, marked offline together: one UPDATE for many, off the way of
    the shared sync thread's other work (a thousand agents dropping at once were a thousand
    one-row writes there, and REST waited behind them)."""

    def __init__(self, delay: float = DISCONNECT_BATCH_SECONDS) -> None:
        self.delay = delay
        self.pending: set[uuid.UUID] = set()
        self.batch: asyncio.Future[None] | None = None
        # Hosts being written now, with the future their batch completes.
        self.writing: dict[uuid.UUID, asyncio.Future[None]] = {}
        self.flushes = 0

    async def mark(self, host_id: uuid.UUID) -> None:
        """Mark the host offline (and tell the dashboards); returns once it is written."""
        if self.batch is None:
            loop = asyncio.get_running_loop()
            self.batch = loop.create_future()
            loop.call_later(self.delay, self._flush_pending)
        self.pending.add(host_id)
        await asyncio.shield(self.batch)

    async def settled(self, host_id: uuid.UUID) -> None:
        """Wait until no offline mark of this host is still to be written: a reconnecting agent's
        online mark must come after it, never before."""
        batch = self.writing.get(host_id) or (self.batch if host_id in self.pending else None)
        if batch is not None:
            await asyncio.shield(batch)

    def _flush_pending(self) -> None:
        ids, batch = self.pending, self.batch
        self.pending, self.batch = set(), None
        if batch is None:
            return
        for host_id in ids:
            self.writing[host_id] = batch
        asyncio.ensure_future(self._write(ids, batch))

    async def _write(self, ids: set[uuid.UUID], batch: asyncio.Future[None]) -> None:
        try:
            self.flushes += 1
            for summary in await sync_to_async(hosts.agents_disconnected)(list(ids)):
                await publish_host(summary)
        except Exception:
            logger.exception("marking %d hosts offline failed", len(ids))
        finally:
            for host_id in ids:
                if self.writing.get(host_id) is batch:
                    del self.writing[host_id]
            batch.set_result(None)


class StreamRegistry:
    """The streams this hub process holds, one per host; a newer stream displaces an older one."""

    def __init__(self) -> None:
        self._streams: dict[uuid.UUID, tuple[asyncio.Task[Any], asyncio.Future[None]]] = {}

    def claim(self, host_id: uuid.UUID, task: asyncio.Task[Any]) -> asyncio.Future[None]:
        """Make `task` the host's stream. The future returned is resolved when a newer stream
        displaces it: that stream then ends itself with a status its agent can act on (cancelling
        its task instead ended the call without any status, and the agent waited on it forever)."""
        displaced: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        previous = self._streams.get(host_id)
        self._streams[host_id] = (task, displaced)
        if previous is not None and previous[0] is not task and not previous[1].done():
            previous[1].set_result(None)
        return displaced

    def release(self, host_id: uuid.UUID, task: asyncio.Task[Any]) -> bool:
        """Forget the stream; True if it was still the host's current one."""
        current = self._streams.get(host_id)
        if current is not None and current[0] is task:
            del self._streams[host_id]
            return True
        return False

    def __len__(self) -> int:
        return len(self._streams)


class AgentServicer(agent_pb2_grpc.AgentServiceServicer):
    def __init__(self, writer: IngestWriter) -> None:
        self.writer = writer
        self.registry = StreamRegistry()
        self.disconnects = Disconnects()
        # Every running Connect handler, until its cleanup is done (see drain).
        self.handlers: set[asyncio.Task[Any]] = set()

    @_no_leaks
    async def Enroll(  # noqa: N802 (name fixed by the proto)
        self, request: agent_pb2.EnrollRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.EnrollResponse:
        try:
            enrolled = await sync_to_async(enrollment.enroll_agent)(
                request.token, request.facts, peer=context.peer()
            )
        except EverystError as exc:
            logger.warning("refused enrollment from %s: %s", context.peer(), exc.message)
            await context.abort(_status(exc), exc.message)
        logger.info(
            "agent %s enrolled for host %s (%s)", enrolled.agent.id, enrolled.agent.host_id, enrolled.binding
        )
        await publish_host(enrolled.host)
        return agent_pb2.EnrollResponse(
            agent_id=str(enrolled.agent.id), secret=enrolled.secret, host_id=str(enrolled.agent.host_id)
        )

    @_no_leaks
    async def Connect(  # noqa: N802
        self, request_iterator: Any, context: grpc.aio.ServicerContext
    ) -> None:
        me = asyncio.current_task()
        assert me is not None
        self.handlers.add(me)
        try:
            await self._connect(context)
        finally:
            self.handlers.discard(me)

    async def drain(self, timeout: float) -> None:
        """Wait, at most `timeout` s, for the stream handlers to finish: a stream the server
        cancelled still marks its host disconnected on the way out."""
        if self.handlers:
            await asyncio.wait(list(self.handlers), timeout=timeout)

    async def _connect(self, context: grpc.aio.ServicerContext) -> None:
        # The interceptor refused bad credentials already; this resolves the agent, and still
        # refuses one revoked in between.
        try:
            agent = await sync_to_async(enrollment.authenticate_agent)(
                *credentials(context.invocation_metadata())
            )
        except EverystError as exc:
            logger.warning("refused agent stream from %s: %s", context.peer(), exc.message)
            await context.abort(_status(exc), exc.message)

        try:
            first = await asyncio.wait_for(context.read(), HELLO_TIMEOUT)
        except TimeoutError:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "no Hello within 30 s")
        if first is grpc.aio.EOF or first.WhichOneof("body") != "hello":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the first message must be a Hello")
        hello = first.hello
        try:
            check_agent_protocol(
                agent_protocol(hello.protocol.major, hello.protocol.minor),
                hello.agent_version or hello.facts.agent_version,
            )
        except IncompatibleAgent as exc:
            # Before anything is recorded: an agent this hub cannot understand changes nothing.
            logger.warning("refused agent %s from %s: %s", agent.id, context.peer(), exc.message)
            await context.abort(_status(exc), exc.message)

        await self.disconnects.settled(agent.host_id)
        try:
            host = await sync_to_async(hosts.agent_connected)(agent, first.hello, context.peer())
        except EverystError as exc:
            logger.warning("refused agent %s from %s: %s", agent.id, context.peer(), exc.message)
            await context.abort(_status(exc), exc.message)
        await publish_host(await sync_to_async(hosts.host_summary)(host))
        # Listen for commands before reconciling: a job started in between is then either seen
        # here (and sent again) or delivered through the group, never lost.
        try:
            channel = await _join(host.id)
        except Exception as exc:  # noqa: BLE001 - the channel layer (Redis) is down or restarting
            # The agent retries and its spool keeps the data; an INTERNAL error with a traceback
            # per attempt said the hub was broken, when it only waits for Redis.
            logger.warning(
                "agent stream of host %s refused: the channel layer is unavailable: %r", host.id, exc
            )
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the hub cannot reach its channel layer; retry")
        try:
            ended, commands = await sync_to_async(tools.reconcile_jobs)(
                host.id, list(first.hello.running_jobs)
            )
            for job in ended:
                await publish_job(job)
        except BaseException:
            await _leave(host.id, channel)
            raise
        me = asyncio.current_task()
        assert me is not None
        displaced = self.registry.claim(host.id, me)
        logger.info("agent stream open: host %s (%s) from %s", host.hostname, host.id, context.peer())

        out = _Outbox(MAX_UNACKED, *_ack_policy(hello))
        through = await sync_to_async(stored_through)(host.id)
        welcome = agent_pb2.Welcome(
            host_id=str(host.id),
            server_time_ms=_now_ms(),
            stored_through_ts_ms=through,
            ack_delay_ms=round(out.ack_delay * 1000),
        )
        out.put(agent_pb2.HubMessage(welcome=welcome))
        for command in commands:
            out.put(_tool_command(command))
        # Three tasks per stream: the reader, the sender (acks and commands) and the channel
        # layer listener. Acks need no task of their own: the writer tells the stream's outbox
        # after each commit and the sender sends one cumulative ack when one is due.
        tasks = [
            asyncio.create_task(self._listen(host.id, channel, str(agent.id), out)),
            asyncio.create_task(self._read(context, host.id, out)),
            asyncio.create_task(self._send(context, out)),
        ]
        failure: BaseException | None = None
        try:
            done, _ = await asyncio.wait([*tasks, displaced], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    failure = task.exception()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            out.close()
            if self.registry.release(host.id, me):
                await self.disconnects.mark(host.id)
            logger.info("agent stream closed: host %s (%s)", host.hostname, host.id)
        if isinstance(failure, _Revoked):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "This agent has been revoked.")
        if isinstance(failure, _StorageFailed):
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the hub could not store data; retry")
        if isinstance(failure, _BadMessage):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(failure))
        if displaced.done():
            logger.info("agent stream of host %s (%s) displaced by a newer one", host.hostname, host.id)
            await context.abort(grpc.StatusCode.ABORTED, DISPLACED)

    async def _listen(self, host_id: uuid.UUID, channel: str | None, agent_id: str, out: _Outbox) -> None:
        """Messages for this agent from any hub replica, through the channel layer."""
        layer = get_channel_layer()
        if layer is None or channel is None:
            await asyncio.Event().wait()
            return
        group = agent_group(host_id)
        try:
            while True:
                try:
                    message = await asyncio.wait_for(layer.receive(channel), GROUP_REFRESH_SECONDS)
                except TimeoutError:
                    # Group memberships expire (after a day by default): renew ours.
                    await layer.group_add(group, channel)
                    continue
                kind = message.get("type")
                if kind == "agent.revoked" and message.get("agent_id") == agent_id:
                    raise _Revoked()
                if kind == "agent.command":
                    out.put(_tool_command(message))
        finally:
            await _leave(host_id, channel)

    async def _read(self, context: grpc.aio.ServicerContext, host_id: uuid.UUID, out: _Outbox) -> None:
        submit = self.writer.submit
        while True:
            message = await context.read()
            if message is grpc.aio.EOF:
                return
            kind = message.WhichOneof("body")
            if kind == "metrics":
                batch = message.metrics
                if not batch.samples and batch.seq == 0:
                    raise _BadMessage("a metric batch needs a seq and samples")
                # Checked here, per stream: batches of many streams share one transaction, and
                # a time no datetime can hold would fail every other agent's batches with it.
                if any(not 0 <= sample.ts_ms <= MAX_UNIX_MS for sample in batch.samples):
                    raise _BadMessage(f"sample times are unix milliseconds from 0 to {MAX_UNIX_MS}")
                if out.unstored >= out.limit:
                    await out.room()
                if not self.writer.has_room():  # the hub is behind: stop reading, agents spool
                    await self.writer.room()
                out.unstored += 1
                submit(host_id, batch, out)
            elif kind == "tool_event":
                change = await sync_to_async(tools.record_event)(host_id, message.tool_event)
                if change is not None:
                    await publish_job(change.job, change.rows)
            elif kind == "hello":
                raise _BadMessage("Hello is only allowed as the first message")
            else:
                raise _BadMessage("empty AgentMessage")

    async def _send(self, context: grpc.aio.ServicerContext, out: _Outbox) -> None:
        while True:
            await out.wait()
            while out.messages:
                await context.write(out.messages.popleft())
            seq = out.take_ack()
            if seq is not None:
                await context.write(agent_pb2.HubMessage(ack=agent_pb2.Ack(seq=seq)))
            if out.error is not None:
                raise _StorageFailed() from out.error


def _ack_policy(hello: agent_pb2.Hello) -> tuple[int, float]:
    """(ack after this many stored batches, or after this many seconds) for the agent's Hello.

    An agent that declares its window and ack timeout gets one ack per half window or per
    ACK_DELAY, whichever comes first, and never later than a quarter of its timeout; one that
    does not (release 0.1.0, protocol 1.0) an ack per stored batch."""
    if not hello.max_in_flight or not hello.ack_timeout_ms:
        return 1, 0.0
    return max(1, hello.max_in_flight // 2), min(ACK_DELAY, hello.ack_timeout_ms / 4000)


class _Outbox:
    """One stream's messages to the agent, and where its batches are in storage.

    The writer reports stored batches in arrival order (which is storage order), so the seq
    of the last one stored is the cumulative ack. It goes out once `ack_every` batches wait
    for it, or `ack_delay` s after the first of them was stored. After a storage failure
    nothing more is acked: the stream ends and the agent resends from its last ack.
    """

    def __init__(self, limit: int, ack_every: int = 1, ack_delay: float = 0.0) -> None:
        self.limit = limit
        self.ack_every = ack_every
        self.ack_delay = ack_delay
        self.unstored = 0
        self.unacked = 0
        self.stored_seq: int | None = None
        self.error: BaseException | None = None
        self.messages: deque[agent_pb2.HubMessage] = deque()
        self._wake = asyncio.Event()
        self._room: asyncio.Event | None = None
        self._ack_due = False
        self._ack_timer: asyncio.TimerHandle | None = None

    def put(self, message: agent_pb2.HubMessage) -> None:
        self.messages.append(message)
        self._wake.set()

    async def wait(self) -> None:
        await self._wake.wait()
        self._wake.clear()

    def take_ack(self) -> int | None:
        """The seq to ack now, if an ack is due."""
        if not self._ack_due or self.error is not None:
            return None
        self._ack_due = False
        self.unacked = 0
        self.close()
        return self.stored_seq

    def _due(self) -> None:
        self._ack_timer = None
        self._ack_due = True
        self._wake.set()

    def close(self) -> None:
        """Cancel the pending ack timer (an ack is going out, or the stream has ended)."""
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None

    async def room(self) -> None:
        """Wait until fewer than `limit` batches of this stream wait for storage."""
        while self.unstored >= self.limit:
            self._room = asyncio.Event()
            await self._room.wait()

    def _released(self) -> None:
        self.unstored -= 1
        if self._room is not None and self.unstored < self.limit:
            self._room.set()
            self._room = None

    # BatchSink, called by the writer
    def stored(self, seq: int) -> None:
        self._released()
        if self.error is not None:
            return
        self.stored_seq = seq
        self.unacked += 1
        if self.unacked >= self.ack_every:
            self._due()
        elif self._ack_timer is None and not self._ack_due:
            self._ack_timer = asyncio.get_running_loop().call_later(self.ack_delay, self._due)

    def failed(self, exc: BaseException) -> None:
        self._released()
        if self.error is None:
            self.error = exc
            self._wake.set()


async def _join(host_id: uuid.UUID) -> str | None:
    """A channel of this stream's own, in the host's agent group; None without a channel layer."""
    layer = get_channel_layer()
    if layer is None:
        return None
    # The default prefix: channels-redis keeps all of a process's channels in one Redis list
    # under it, read by one receive at a time. A prefix of our own made a second list, and the
    # receives waiting on it (one per stream, 5 s each) starved the live sockets' reads: with
    # 40 agents a dashboard socket got one sample, then none.
    channel: str = await layer.new_channel()
    await layer.group_add(agent_group(host_id), channel)
    return channel


async def _leave(host_id: uuid.UUID, channel: str | None) -> None:
    layer = get_channel_layer()
    if layer is not None and channel is not None:
        await layer.group_discard(agent_group(host_id), channel)


def _tool_command(message: dict[str, Any]) -> agent_pb2.HubMessage:
    action = agent_pb2.ToolCommand.CANCEL if message.get("action") == "cancel" else agent_pb2.ToolCommand.RUN
    return agent_pb2.HubMessage(
        tool_command=agent_pb2.ToolCommand(
            job_id=str(message.get("job_id", "")),
            action=action,
            tool=str(message.get("tool", "")),
            params_json=str(message.get("params", "")),
        )
    )


class _Revoked(Exception):
    pass


class _StorageFailed(Exception):
    pass


class _BadMessage(Exception):
    pass


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
