"""The agent's run loop: collect into the spool, and stream the spool to the hub over one long-lived stream.

`run()` drives two tasks on one event loop. The collector ticks on wall-clock boundaries and appends
every sample to the spool, connected or not. The connection opens `Connect`, says Hello, waits for
Welcome, then sends the spool in seq order (at most `max_in_flight` unacked batches) and marks
what the hub acks as acknowledged (kept for `keep_acked_seconds`, and sent again when the Welcome
says the hub lost it: a hub restored from a backup). Any stream failure closes the channel and
reconnects with backoff; since nothing leaves the queue before it is acked, whatever was in flight
is sent again on the next stream. A stream that stops answering counts as failed: no Welcome within
`welcome_timeout` s of connecting, or no ack for `ack_timeout` s while batches wait; so does one the
hub ends because a newer one took over. With several hub addresses (replicas), each reconnect
goes to the next address in turn, after the same backoff: a dead replica costs one attempt, and
the spool replays on the one that answers.
"""

from __future__ import annotations

import asyncio
import binascii
import collections
import contextlib
import logging
import math
import random
import sqlite3
import time

from everyst.agent.v1 import agent_pb2

from everyst_agent import PROTOCOL, __version__, transport
from everyst_agent.collectors import Sampler, collect_facts
from everyst_agent.config import MAX_INTERVAL, MIN_INTERVAL, AgentConfig
from everyst_agent.credentials import Credentials, ensure_state_dir, load_credentials
from everyst_agent.spool import Spool
from everyst_agent.tools.runner import ToolRunner
from everyst_agent.transport import (
    REJECTED,
    Backoff,
    HubStream,
    RpcError,
    Status,
    hub_channel,
    hub_roots,
)

log = logging.getLogger(__name__)

STABLE_STREAM = 30.0
# A hub that refuses our protocol version stays that way until one side is upgraded: ask rarely.
INCOMPATIBLE_RETRY = 300.0
# Rows read from the spool at once: large enough to drain a backlog quickly, small enough to let
# acks and ticks through between reads.
READ_CHUNK = 64
# Tool events waiting for a stream; a full queue slows the tools down rather than dropping events.
TOOL_EVENT_BACKLOG = 1024
TOOL_CLOSE_TIMEOUT = 5.0


class StreamError(Exception):
    """The hub broke the stream protocol (no Welcome, stream closed early)."""


class StreamStalled(StreamError):
    """The hub stopped answering on a stream it did not close: no Welcome, or no ack, in time."""


def tick_phase_ms(host_id: str, interval_ms: int) -> int:
    """Where in each interval this host collects: a stable offset drawn from its host id.

    Agents whose clocks agree (NTP) would otherwise all collect, and send, on the same instant of
    every second, and the hub would take a fleet's samples in one burst; spread over the interval
    they arrive evenly (Prometheus spreads its scrapes the same way). Each host's samples stay
    exactly one interval apart.
    """
    # CRC-32 rather than SHA-256: it spreads as evenly here, and binascii is loaded already (by
    # base64) while hashlib would load its OpenSSL bindings, ~0.7 MiB for the life of the daemon.
    return binascii.crc32(host_id.encode()) % max(interval_ms, 1)


class Agent:
    """Collects into the spool and streams the spool to the hub until cancelled."""

    def __init__(self, config: AgentConfig, credentials: Credentials, spool: Spool) -> None:
        self.config = config
        self.credentials = credentials
        self.spool = spool
        self.interval = config.interval
        self.connected = False
        self._stopping = False  # set by run_until before it cancels its tasks
        self.backoff = Backoff(cap=config.reconnect_max)
        self.hub_addresses = config.hub_addresses
        # Index of the hub address the next stream goes to.
        self.hub_index = 0
        self.incompatible_retry = INCOMPATIBLE_RETRY
        self._root_certificates = hub_roots(config)
        # Resolved with True when the next tick is due, or False early when the interval changed.
        self._next_tick: asyncio.Future[bool] | None = None
        # Each live stream registers an event here to be woken when a sample is spooled.
        self._listeners: set[asyncio.Event] = set()
        # The newest spooled sample: a stream that is caught up sends it without reading it back.
        self.latest: tuple[int, agent_pb2.Sample] | None = None
        # Tool jobs outlive any one stream: their events queue here until a stream sends them.
        self.tool_events: asyncio.Queue[agent_pb2.ToolEvent] = asyncio.Queue(TOOL_EVENT_BACKLOG)
        self.unsent_tool_event: agent_pb2.ToolEvent | None = None
        self.tools = ToolRunner.from_config(config, self.tool_events.put)

    async def run_until(self, stop: asyncio.Event) -> None:
        tasks = [
            asyncio.create_task(self.collect_forever(), name="everyst-collect"),
            asyncio.create_task(self.connect_forever(), name="everyst-connect"),
        ]
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        self._stopping = True
        for task in (*tasks, stopper):
            task.cancel()
        await asyncio.gather(*tasks, stopper, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(TOOL_CLOSE_TIMEOUT):
                await self.tools.close()
        for task in tasks:
            if task in done and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    def set_interval_ms(self, interval_ms: int) -> None:
        seconds = interval_ms / 1000
        if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
            log.warning("ignoring collect interval %d ms from the hub: outside 100..3600000 ms", interval_ms)
            return
        if seconds != self.interval:
            log.info("collect interval changed by the hub: %g s -> %g s", self.interval, seconds)
            self.interval = seconds
            _resolve(self._next_tick, False)

    # ---------------------------------------------------------------- collection

    async def collect_forever(self) -> None:
        loop = asyncio.get_running_loop()
        sampler = Sampler(self.config.process_interval, self.config.slow_interval)
        # The first tick comes at least half an interval (at most 0.5 s) after the Sampler read its
        # first counters, so the first sample's rates are not measured over a few milliseconds.
        last_ms = time.time() * 1000 + min(self.interval * 500, 500)
        while True:
            interval_ms = round(self.interval * 1000)
            phase_ms = tick_phase_ms(self.credentials.host_id, interval_ms)
            # The next tick of this host's wall-clock grid: regular timestamps, and ticks missed
            # while the loop was busy are skipped rather than collected in a burst.
            due_ms = max(time.time() * 1000, last_ms) - phase_ms
            tick_ms = (math.floor(due_ms / interval_ms) + 1) * interval_ms + phase_ms
            # A bare future and timer rather than wait_for(): this runs every second for months, and
            # wait_for's extra task per tick is a measurable share of the agent's CPU.
            self._next_tick = loop.create_future()
            timer = loop.call_later(max(tick_ms / 1000 - time.time(), 0.0), _resolve, self._next_tick, True)
            try:
                due = await self._next_tick
            finally:
                timer.cancel()
            if not due:
                continue
            last_ms = tick_ms
            sample = sampler.sample(ts_ms=tick_ms)
            try:
                self.latest = (self.spool.append(sample), sample)
            except sqlite3.Error as exc:
                log.error("cannot write the sample of %d to the spool %s: %s", tick_ms, self.spool.path, exc)
                continue
            for event in self._listeners:
                event.set()

    # ---------------------------------------------------------------- connection

    @property
    def hub(self) -> str:
        """The hub address the current (or next) stream goes to."""
        return self.hub_addresses[self.hub_index]

    def _next_hub(self) -> None:
        if len(self.hub_addresses) > 1:
            self.hub_index = (self.hub_index + 1) % len(self.hub_addresses)

    async def connect_forever(self) -> None:
        backoff = self.backoff
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            code: Status | None = None
            try:
                await self._stream_once()
                reason = "the hub closed the stream"
            except RpcError as exc:
                code = exc.code
                reason = exc.details if code in (Status.ABORTED, Status.FAILED_PRECONDITION) else str(exc)
            except (StreamError, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
            finally:
                self.connected = False
            if self._stopping:
                # We are being stopped, and the cancellation came back as an error: grpclib
                # raises the stream's reset in its place when the hub had just reset the stream
                # (and cancels the task itself to interrupt it, so `cancelling()` cannot tell).
                # Looping on would never stop.
                raise asyncio.CancelledError
            failed_hub = self.hub
            self._next_hub()
            if loop.time() - started > STABLE_STREAM:
                backoff.reset()
            if code == Status.FAILED_PRECONDITION:
                # The hub cannot serve this agent's protocol version (its message says which side
                # to upgrade). Samples keep going to the spool meanwhile, up to its bound.
                delay = self.incompatible_retry * (0.9 + 0.2 * random.random())
                log.error(
                    "hub %s refused this agent: %s. Collecting and spooling go on; retrying in %.0f s",
                    failed_hub,
                    reason,
                    delay,
                )
            elif code in REJECTED:
                delay = backoff.at_max()
                log.error(
                    "hub %s rejected agent %s (%s): the agent may be revoked or its credentials in %s "
                    "are stale; enroll again if so. Retrying in %.0f s",
                    failed_hub,
                    self.credentials.agent_id,
                    reason,
                    self.config.credentials_path,
                    delay,
                )
            elif code == Status.ABORTED:
                # Another stream with these credentials replaced this one: a second agent running
                # with the same state, or a reconnect of ours the hub saw before this stream's end.
                delay = backoff.next()
                log.warning(
                    "hub %s ended this stream: %s (is a second everyst-agent running with the credentials "
                    "in %s?); reconnecting in %.1f s",
                    failed_hub,
                    reason,
                    self.config.credentials_path,
                    delay,
                )
            else:
                delay = backoff.next()
                log.warning(
                    "stream to hub %s ended (%s); reconnecting%s in %.1f s",
                    failed_hub,
                    reason,
                    f" to {self.hub}" if self.hub != failed_hub else "",
                    delay,
                )
            await asyncio.sleep(delay)

    async def _stream_once(self) -> None:
        hello = agent_pb2.AgentMessage(
            hello=agent_pb2.Hello(
                facts=collect_facts(machine_id=self.config.machine_id),
                collect_interval_ms=round(self.interval * 1000),
                running_jobs=sorted(self.tools.jobs),
                protocol=agent_pb2.ProtocolVersion(major=PROTOCOL[0], minor=PROTOCOL[1]),
                agent_version=__version__,
                # So the hub may coalesce acks: it acks before half the window waits, and well
                # within the timeout.
                max_in_flight=self.config.max_in_flight,
                ack_timeout_ms=round(self.config.ack_timeout * 1000),
            )
        )
        bound = self.config.welcome_timeout
        async with (
            hub_channel(self.config, self._root_certificates, self.hub) as channel,
            contextlib.AsyncExitStack() as stack,
        ):
            # One bound from connecting to the Welcome: a hub that takes the TCP connection but never
            # answers (a frozen process, a dead NAT mapping) would hold the TLS handshake for a minute
            # and the Welcome for ever. asyncio.timeout, not wait_for: on Python 3.11 wait_for can
            # swallow a cancellation that arrives as the read completes (see connect_forever).
            try:
                async with asyncio.timeout(bound):
                    call = await stack.enter_async_context(
                        transport.open_stream(channel, self.credentials.metadata())
                    )
                    await call.write(hello)
                    first = await call.read()
            except TimeoutError:
                raise StreamStalled(f"no Welcome from the hub within {bound:g} s of connecting") from None
            if first is None:
                raise StreamError("the hub closed the stream before its Welcome")
            if first.WhichOneof("body") != "welcome":
                raise StreamError(f"the hub sent {first.WhichOneof('body')} before its Welcome")
            self.connected = True
            welcome = first.welcome
            if welcome.HasField("stored_through_ts_ms"):
                resent = self.spool.replay(welcome.stored_through_ts_ms)
                if resent:
                    log.warning(
                        "the hub has stored nothing of this host after %d ms (restored from a backup?): "
                        "sending %d acknowledged samples again",
                        welcome.stored_through_ts_ms,
                        resent,
                    )
            log.info(
                "connected to hub %s as host %s; %d samples to send",
                self.hub,
                first.welcome.host_id,
                self.spool.depth(),
            )
            await _Session(self, call).run()


def _resolve(future: asyncio.Future[bool] | None, value: bool) -> None:
    if future is not None and not future.done():
        future.set_result(value)


class _Session:
    """One live stream: sends the spool in order within the in-flight window, handles hub messages."""

    def __init__(self, agent: Agent, call: HubStream) -> None:
        self.agent = agent
        self.call = call
        self.cursor = 0
        self.in_flight: collections.deque[int] = collections.deque()
        self.wake = asyncio.Event()
        self.write_lock = asyncio.Lock()
        # Since when the hub owes an ack: the send of the oldest unacked batch, or the last ack
        # if batches still wait. None while nothing waits.
        self.owed_since: float | None = None
        self.owing = asyncio.Event()

    async def run(self) -> None:
        self.agent._listeners.add(self.wake)
        reader = asyncio.create_task(self._read_loop())
        sender = asyncio.create_task(self._send_loop())
        tool_sender = asyncio.create_task(self._send_tool_events())
        watchdog = asyncio.create_task(self._watch_acks())
        tasks = (reader, sender, tool_sender, watchdog)
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.agent._listeners.discard(self.wake)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    async def _write(self, message: agent_pb2.AgentMessage) -> None:
        # One write at a time on the stream: tool replies and batches share it.
        async with self.write_lock:
            await self.call.write(message)

    async def _send_loop(self) -> None:
        spool, limit = self.agent.spool, self.agent.config.max_in_flight
        while True:
            self.wake.clear()
            room = limit - len(self.in_flight)
            latest = self.agent.latest
            if room <= 0:
                rows = []
            elif latest is not None and latest[0] == self.cursor + 1:
                rows = [latest]
            else:
                rows = spool.pending(self.cursor, min(room, READ_CHUNK))
            if not rows:
                await self.wake.wait()
                continue
            dropped = spool.dropped_total()
            for seq, sample in rows:
                if seq <= self.cursor:
                    # An ack beyond what we had sent arrived while we were writing.
                    continue
                batch = agent_pb2.MetricBatch(seq=seq, dropped_total=dropped)
                batch.samples.append(sample)
                self._owe()  # from the start of the write: a write the hub never reads stalls too
                await self._write(agent_pb2.AgentMessage(metrics=batch))
                self.in_flight.append(seq)
                self.cursor = max(self.cursor, seq)
                self._owe()  # an ack that arrived during the write may have cleared it

    async def _read_loop(self) -> None:
        while True:
            message = await self.call.read()
            if message is None:
                return
            kind = message.WhichOneof("body")
            if kind == "ack":
                self._on_ack(message.ack.seq)
            elif kind == "config":
                if message.config.collect_interval_ms:
                    self.agent.set_interval_ms(message.config.collect_interval_ms)
            elif kind == "tool_command":
                self.agent.tools.handle(message.tool_command)
            else:
                log.debug("ignoring hub message %s", kind)

    def _on_ack(self, seq: int) -> None:
        self.agent.spool.ack(seq)
        window_was_full = len(self.in_flight) >= self.agent.config.max_in_flight
        while self.in_flight and self.in_flight[0] <= seq:
            self.in_flight.popleft()
        # The hub may already hold batches this stream has not sent (sent on an earlier stream whose
        # ack was lost): skip them.
        self.cursor = max(self.cursor, seq)
        self.owed_since = asyncio.get_running_loop().time() if self.in_flight else None
        if window_was_full:
            self.wake.set()

    def _owe(self) -> None:
        if self.owed_since is None:
            self.owed_since = asyncio.get_running_loop().time()
            self.owing.set()

    async def _watch_acks(self) -> None:
        """Ends the session with StreamStalled once batches wait and no ack has come for
        `ack_timeout` s: a hub or a NAT that stops answering without closing the connection would
        otherwise keep the agent on a dead stream (HTTP/2 keepalive notices only a dead connection,
        not a live one whose stream went quiet)."""
        loop = asyncio.get_running_loop()
        bound = self.agent.config.ack_timeout
        while True:
            since = self.owed_since
            if since is None:
                self.owing.clear()
                await self.owing.wait()
                continue
            left = since + bound - loop.time()
            if left <= 0:
                raise StreamStalled(
                    f"the hub acknowledged nothing for {bound:g} s while {len(self.in_flight)} batches "
                    "waited; the stream is broken"
                )
            await asyncio.sleep(left)

    async def _send_tool_events(self) -> None:
        agent = self.agent
        while True:
            # An event taken from the queue stays in `unsent_tool_event` until written, so a stream
            # that breaks mid-write does not lose it.
            if agent.unsent_tool_event is None:
                agent.unsent_tool_event = await agent.tool_events.get()
            await self._write(agent_pb2.AgentMessage(tool_event=agent.unsent_tool_event))
            agent.unsent_tool_event = None


async def run(config: AgentConfig, stop_event: asyncio.Event, credentials: Credentials | None = None) -> None:
    """Collect, spool and stream until `stop_event` is set; then close the stream and the spool."""
    creds = credentials or load_credentials(config.credentials_path)
    if creds.hub and creds.hub != config.hub and creds.hub not in config.hub_addresses:
        log.warning(
            "credentials were issued by hub %s but the configuration says hub = %s", creds.hub, config.hub
        )
    ensure_state_dir(config.state_dir)
    spool = Spool(
        config.spool_path, config.spool_max_samples, keep_acked_ms=round(config.keep_acked_seconds * 1000)
    )
    try:
        agent = Agent(config, creds, spool)
        log.info(
            "everyst-agent %s: every %g s to %s (%s), spool %s holds %d samples",
            __version__,
            config.interval,
            config.hub,
            "TLS" if config.tls else "plaintext",
            config.spool_path,
            spool.depth(),
        )
        await agent.run_until(stop_event)
    finally:
        spool.close()
