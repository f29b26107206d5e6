"""Simulated agents: real gRPC clients over TLS speaking the agent protocol, many streams per
process, spread over a few worker processes.

Each simulated agent is enrolled like a real one (Enroll with its own machine id and hostname),
opens its own TLS connection (a local subchannel pool per channel, so streams do not share one
HTTP/2 connection as they would not across real hosts), says Hello, waits for Welcome, then sends
one MetricBatch of one Sample per second, aligned on the wall-clock second like the real agent
(at the per-host phase the real agent uses, `tick_phase_ms`), and tracks the hub's
cumulative acks. `ts_ms` is the wall-clock millisecond at which the sample was sent.

The simulated agents should cost as little as possible, so that the hub is what is measured:
samples are encoded once per worker (`EncodedSamples`: a pool of realistic samples, with and
without the top processes), and each send only prefixes a pool entry with its timestamp, the
batch's sequence number and the two length headers, and writes those bytes through a
pass-through serializer. Building and serializing a Sample per send cost ~5x more CPU per sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import resource
import time
from array import array
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing import get_context
from typing import Any

import grpc
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc
from everyst_agent.config import AgentConfig
from everyst_agent.run_loop import tick_phase_ms

from .common import pin

WELCOME_TIMEOUT = 60.0
AGENT_DEFAULTS = AgentConfig()
ENROLL_TIMEOUT = 60.0
CONNECT_CONCURRENCY = 64
CONNECT_METHOD = "/everyst.agent.v1.AgentService/Connect"
ENROLL_CONCURRENCY = 16
# Pings as the real agent sends them (grpclib, everyst_agent/transport.py): keepalive only, no
# BDP probes, which grpcio's clients add and which the hub's ping policy counted against them
# (GOAWAY "too_many_pings" for 1,647 of 3,000 simulated agents).
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.use_local_subchannel_pool", 1),
    ("grpc.http2.bdp_probe", 0),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
]
GIB = 1 << 30


def machine_id(run_id: str, index: int) -> str:
    return hashlib.sha256(f"everyst-bench-{run_id}-{index}".encode()).hexdigest()[:32]


def host_facts(run_id: str, index: int) -> agent_pb2.HostFacts:
    return agent_pb2.HostFacts(
        hostname=f"bench-{index:05d}",
        os="Debian GNU/Linux 12 (bookworm)",
        kernel="6.1.0-18-amd64",
        arch="x86_64",
        cpu_model="AMD EPYC 7B13",
        cpu_logical=2,
        cpu_physical=1,
        memory_total=4 * GIB,
        addresses=[f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}", "fe80::1"],
        agent_version="0.1.0",
        boot_time=time.time() - 86400,
        machine_id=machine_id(run_id, index),
        virtualization="kvm",
    )


def _processes_template() -> Any:
    """Top-10 processes by CPU and memory, as the real agent sends every 5 s (if the proto has them)."""
    if "processes" not in agent_pb2.Sample.DESCRIPTOR.fields_by_name:
        return None
    names = ["postgres", "nginx", "python3", "sshd", "systemd", "containerd", "node", "java", "redis", "cron"]
    procs = [
        agent_pb2.Process(
            pid=1000 + i,
            name=name,
            username="root" if i % 3 else "www-data",
            cpu_percent=12.0 / (i + 1),
            memory_rss=(200 - 15 * i) << 20,
            memory_percent=5.0 / (i + 1),
            cmdline=f"/usr/bin/{name} --config /etc/{name}/{name}.conf --workers 4",
            status="sleeping",
        )
        for i, name in enumerate(names)
    ]
    return agent_pb2.Processes(by_cpu=procs, by_memory=list(reversed(procs)))


class SampleFactory:
    """Realistic samples (2 cores, 2 disks, 1 disk_io device, 2 interfaces) with varying values."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.processes = _processes_template()
        template = agent_pb2.Sample(
            load=agent_pb2.Load(load1=0.4, load5=0.3, load15=0.2),
            swap=agent_pb2.Swap(total=GIB, used=0, percent=0.0),
            uptime=86400.0,
            disks=[
                agent_pb2.DiskUsage(
                    mount="/",
                    device="/dev/vda1",
                    fstype="ext4",
                    total=100 * GIB,
                    used=20 * GIB,
                    free=80 * GIB,
                    percent=20.0,
                    inodes_total=6553600,
                    inodes_used=250000,
                    inodes_percent=3.81,
                ),
                agent_pb2.DiskUsage(
                    mount="/var/lib/docker",
                    device="/dev/vdb1",
                    fstype="xfs",
                    total=200 * GIB,
                    used=50 * GIB,
                    free=150 * GIB,
                    percent=25.0,
                    inodes_total=1048576,
                    inodes_used=10000,
                    inodes_percent=0.95,
                ),
            ],
        )
        if "unavailable" in agent_pb2.Sample.DESCRIPTOR.fields_by_name:
            template.unavailable.append("sensors")
        self.template = template

    def build(self, ts_ms: int, tick: int) -> agent_pb2.Sample:
        r = self.rng.random
        sample = agent_pb2.Sample()
        sample.CopyFrom(self.template)
        sample.ts_ms = ts_ms
        busy = 5 + 30 * r()
        cpu = sample.cpu
        cpu.percent = busy
        cpu.per_core.extend([busy * (0.5 + r()), busy * (0.5 + r())])
        cpu.user, cpu.system, cpu.iowait = busy * 0.7, busy * 0.25, busy * 0.05
        cpu.idle = 100 - busy
        if "ctx_switches_ps" in agent_pb2.Cpu.DESCRIPTOR.fields_by_name:
            cpu.ctx_switches_ps = 1500 + 500 * r()
            cpu.interrupts_ps = 800 + 200 * r()
        used = int((1.5 + r()) * GIB)
        mem = sample.memory
        mem.total, mem.used, mem.available = 4 * GIB, used, 4 * GIB - used
        mem.cached, mem.buffers, mem.percent = GIB, 64 << 20, 100 * used / (4 * GIB)
        sample.uptime += tick
        sample.disk_io.add(
            device="vda",
            read_bps=4096 * r(),
            write_bps=65536 * r(),
            read_iops=r(),
            write_iops=10 * r(),
            busy_pct=2 * r(),
        )
        sample.net.add(iface="eth0", rx_bps=12000 * r(), tx_bps=8000 * r(), rx_pps=100 * r(), tx_pps=80 * r())
        sample.net.add(iface="docker0", rx_bps=1000 * r(), tx_bps=900 * r(), rx_pps=10 * r(), tx_pps=9 * r())
        if self.processes is not None and tick % 5 == 0:
            sample.processes.CopyFrom(self.processes)
        return sample


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _key(field: Any, wire_type: int) -> bytes:
    return _varint(field.number << 3 | wire_type)


_TS_KEY = _key(agent_pb2.Sample.DESCRIPTOR.fields_by_name["ts_ms"], 0)
_SEQ_KEY = _key(agent_pb2.MetricBatch.DESCRIPTOR.fields_by_name["seq"], 0)
_SAMPLES_KEY = _key(agent_pb2.MetricBatch.DESCRIPTOR.fields_by_name["samples"], 2)
_METRICS_KEY = _key(agent_pb2.AgentMessage.DESCRIPTOR.fields_by_name["metrics"], 2)


class EncodedSamples:
    """A pool of encoded Samples without their timestamp, and the AgentMessage of one of them.

    Protobuf fields may come in any order and each of these appears once, so a Sample is its
    `ts_ms` field followed by the pool entry, a MetricBatch its `seq` then that Sample, and the
    hub parses exactly what it would from the real agent."""

    PLAIN, WITH_PROCESSES = 30, 6

    def __init__(self, seed: int, breach: bool = False) -> None:
        factory = SampleFactory(seed)
        self.plain: list[bytes] = []
        self.with_processes: list[bytes] = []
        for tick in range(self.PLAIN + self.WITH_PROCESSES):
            processes = tick >= self.PLAIN
            sample = factory.build(0, 0 if processes else 1)
            if breach:
                sample.memory.percent = 95.0  # the alerts benchmark's breach window for a host
            (self.with_processes if processes else self.plain).append(sample.SerializeToString())

    def message(self, seq: int, ts_ms: int, index: int, tick: int) -> bytes:
        """The AgentMessage of one MetricBatch, for agent `index`'s `tick`th second (the real
        agent adds its top processes every 5th)."""
        if tick % 5 == 0 and self.with_processes:
            body = self.with_processes[(index + tick) % len(self.with_processes)]
        else:
            body = self.plain[(index + tick) % len(self.plain)]
        sample = _TS_KEY + _varint(ts_ms) + body
        batch = _SEQ_KEY + _varint(seq) + _SAMPLES_KEY + _varint(len(sample)) + sample
        return _METRICS_KEY + _varint(len(batch)) + batch


# ---------------------------------------------------------------------------- worker side


def _credentials(ca_pem: bytes) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(root_certificates=ca_pem)


def enroll_chunk(
    address: str, ca_pem: bytes, token: str, run_id: str, indexes: list[int]
) -> list[dict[str, Any]]:
    """Enroll the simulated agents `indexes` with one multi-use token; returns their credentials."""
    return asyncio.run(_enroll_chunk(address, ca_pem, token, run_id, indexes))


async def _enroll_chunk(
    address: str, ca_pem: bytes, token: str, run_id: str, indexes: list[int]
) -> list[dict[str, Any]]:
    limit = asyncio.Semaphore(ENROLL_CONCURRENCY)
    async with grpc.aio.secure_channel(address, _credentials(ca_pem)) as channel:
        stub = agent_pb2_grpc.AgentServiceStub(channel)

        async def one(index: int) -> dict[str, Any]:
            request = agent_pb2.EnrollRequest(token=token, facts=host_facts(run_id, index))
            async with limit:
                for attempt in range(5):
                    try:
                        response = await stub.Enroll(request, timeout=ENROLL_TIMEOUT)
                        break
                    except grpc.aio.AioRpcError as exc:
                        if exc.code() != grpc.StatusCode.UNAVAILABLE or attempt == 4:
                            raise
                        await asyncio.sleep(0.5 * (attempt + 1))
            return {
                "index": index,
                "agent_id": response.agent_id,
                "secret": response.secret,
                "host_id": response.host_id,
            }

        return list(await asyncio.gather(*(one(i) for i in indexes)))


class _SimAgent:
    def __init__(
        self,
        creds: dict[str, Any],
        run_id: str,
        offset: float,
        samples: EncodedSamples,
        breach: EncodedSamples,
        ack_every_batch: bool = False,
    ) -> None:
        self.creds = creds
        self.ack_every_batch = ack_every_batch
        self.run_id = run_id
        self.offset = offset
        self.samples = samples
        self.breach_samples = breach
        self.seq = 0
        self.sent = 0
        self.acked = 0
        self.acked_in_hold = 0
        self.last_acked_ts = 0
        self.ack_delay = 0.0
        self.pending: deque[tuple[int, float, int]] = deque()
        self.channel: grpc.aio.Channel | None = None
        self.call: Any = None
        self.error = ""

    async def connect(self, address: str, credentials: grpc.ChannelCredentials) -> None:
        self.channel = grpc.aio.secure_channel(address, credentials, options=CHANNEL_OPTIONS)
        # The stub's method, with the messages written as the bytes they already are.
        connect = self.channel.stream_stream(
            CONNECT_METHOD, request_serializer=None, response_deserializer=agent_pb2.HubMessage.FromString
        )
        self.call = connect(
            metadata=(
                ("x-everyst-agent-id", self.creds["agent_id"]),
                ("x-everyst-agent-secret", self.creds["secret"]),
            )
        )
        hello = agent_pb2.Hello(facts=host_facts(self.run_id, self.creds["index"]), collect_interval_ms=1000)
        if not self.ack_every_batch:  # the real agent's window and timeout: the hub coalesces acks
            hello.max_in_flight = AGENT_DEFAULTS.max_in_flight
            hello.ack_timeout_ms = round(AGENT_DEFAULTS.ack_timeout * 1000)
        await self.call.write(agent_pb2.AgentMessage(hello=hello).SerializeToString())
        first = await asyncio.wait_for(self.call.read(), WELCOME_TIMEOUT)
        if first is grpc.aio.EOF or first.WhichOneof("body") != "welcome":
            raise RuntimeError(f"expected Welcome, got {first!r}")
        self.ack_delay = first.welcome.ack_delay_ms / 1000

    async def read_acks(self, lags: array[float], hold_start: float, hold_end: float) -> None:
        while True:
            message = await self.call.read()
            if message is grpc.aio.EOF:
                return
            if message.WhichOneof("body") != "ack":
                continue
            seq, now = message.ack.seq, time.monotonic()
            start_ms, end_ms = hold_start * 1000, hold_end * 1000
            while self.pending and self.pending[0][0] <= seq:
                _, sent_at, ts = self.pending.popleft()
                lags.append(now - sent_at)
                self.acked += 1
                # Sent within the measured window (and stored: acked). Not "acked within it": the
                # hub may hold an ack back by its ack delay, past the window's end.
                self.acked_in_hold += start_ms <= ts < end_ms
                self.last_acked_ts = ts

    async def send(
        self, hold_start: float, hold_end: float, slips: array[float], stopped: asyncio.Event
    ) -> None:
        tick = 0
        while True:
            scheduled = hold_start + tick + self.offset
            if scheduled >= hold_end or stopped.is_set():
                return
            delay = scheduled - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.time()
            slips.append(now - scheduled)
            ts = int(now * 1000)
            self.seq += 1
            breach = self.creds.get("breach")
            samples = self.breach_samples if breach and breach[0] <= now < breach[1] else self.samples
            message = samples.message(self.seq, ts, self.creds["index"], tick)
            self.pending.append((self.seq, time.monotonic(), ts))
            self.sent += 1
            await self.call.write(message)
            tick += 1

    async def close(self) -> None:
        if self.call is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.call.done_writing(), 5)
            self.call.cancel()
        if self.channel is not None:
            with contextlib.suppress(Exception):
                await self.channel.close()


def stream_chunk(
    address: str,
    ca_pem: bytes,
    run_id: str,
    creds: list[dict[str, Any]],
    hold_start: float,
    hold_end: float,
    drain: float,
    spread: float | None,
    ack_every_batch: bool = False,
    stop_file: str | None = None,
) -> dict[str, Any]:
    """Connect `creds`' agents, stream from `hold_start` to `hold_end` (wall clock), or until
    `stop_file` exists if that comes first, wait at most `drain` s for the last acks, close. Returns
    counts, ack lags (s), tick slips (s) and CPU use."""
    return asyncio.run(
        _stream_chunk(
            address, ca_pem, run_id, creds, hold_start, hold_end, drain, spread, ack_every_batch, stop_file
        )
    )


async def _stream_chunk(
    address: str,
    ca_pem: bytes,
    run_id: str,
    creds: list[dict[str, Any]],
    hold_start: float,
    hold_end: float,
    drain: float,
    spread: float | None,
    ack_every_batch: bool,
    stop_file: str | None = None,
) -> dict[str, Any]:
    rng = random.Random(hold_start)
    credentials = _credentials(ca_pem)
    encoded = EncodedSamples(seed=int(hold_start))
    breaching = any("breach" in c for c in creds)
    breach = EncodedSamples(seed=int(hold_start), breach=True) if breaching else encoded
    # Each agent ticks at the real agent's phase for its host id; a `spread` instead puts every
    # agent in the first `spread` s of each second (a burst, the worst case for the hub).
    agents = [
        _SimAgent(
            c,
            run_id,
            tick_phase_ms(c["host_id"], 1000) / 1000 if spread is None else rng.random() * spread,
            encoded,
            breach,
            ack_every_batch,
        )
        for c in creds
    ]
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    connect_started = time.time()
    errors: list[str] = []

    async def connect(agent: _SimAgent) -> bool:
        async with limit:
            try:
                await agent.connect(address, credentials)
                return True
            except Exception as exc:  # reported, the level then fails
                agent.error = f"connect: {_describe(exc)}"
                errors.append(agent.error)
                return False

    connect_deadline = max(hold_start - time.time(), 5.0) + 30
    try:
        ok = await asyncio.wait_for(asyncio.gather(*(connect(a) for a in agents)), connect_deadline)
    except TimeoutError:
        ok = [a.call is not None and not a.error for a in agents]
        errors.append("connect: timed out")
    connect_seconds = time.time() - connect_started
    connected = [a for a, good in zip(agents, ok, strict=True) if good]

    lags: array[float] = array("d")
    slips: array[float] = array("d")
    cpu: dict[str, float] = {}

    stopped = asyncio.Event()  # `stop_file` appeared: the hold ends now

    async def watch_stop_file() -> None:
        while stop_file is not None and time.time() < hold_end:
            if os.path.exists(stop_file):
                stopped.set()
                return
            await asyncio.sleep(0.25)

    async def measure_cpu() -> None:
        await asyncio.sleep(max(0.0, hold_start - time.time()))
        cpu["start"] = time.process_time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), max(0.0, hold_end - time.time()))
        cpu["end"] = time.process_time()

    async def life(agent: _SimAgent) -> None:
        reader = asyncio.create_task(agent.read_acks(lags, hold_start, hold_end))
        try:
            await agent.send(hold_start, hold_end, slips, stopped)
            deadline = (time.time() if stopped.is_set() else hold_end) + drain
            while agent.pending and time.time() < deadline and not reader.done():
                await asyncio.sleep(0.05)
            if reader.done() and reader.exception() is not None:
                raise reader.exception()  # type: ignore[misc]
        except Exception as exc:
            agent.error = f"stream: {_describe(exc)}"
            errors.append(agent.error)
        finally:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    watcher = asyncio.create_task(watch_stop_file())
    meter = asyncio.create_task(measure_cpu())
    await asyncio.gather(*(life(a) for a in connected))
    watcher.cancel()
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(meter, 5)
    await asyncio.gather(*(a.close() for a in agents))
    return {
        "agents": len(agents),
        "connected": len(connected),
        "connect_seconds": round(connect_seconds, 2),
        "sent": sum(a.sent for a in agents),
        "acked": sum(a.acked for a in agents),
        "acked_in_hold": sum(a.acked_in_hold for a in agents),
        "ack_delay_s": max((a.ack_delay for a in connected), default=0.0),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "last_acked_ts": {a.creds["host_id"]: a.last_acked_ts for a in agents if a.last_acked_ts},
        "lags": lags.tobytes(),
        "slips": slips.tobytes(),
        # The send lag's trend: a worker that cannot keep up falls further behind as it goes.
        "slip_trend_s": _trend(slips),
        "cpu_seconds": round(cpu.get("end", 0.0) - cpu.get("start", 0.0), 3),
        "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _trend(values: array[float]) -> list[float]:
    """Mean of the first and of the last quarter of values recorded in time order."""
    quarter = len(values) // 4
    if not quarter:
        return [0.0, 0.0]
    return [sum(values[:quarter]) / quarter, sum(values[-quarter:]) / quarter]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"{exc.code().name}: {exc.details()}"
    return f"{type(exc).__name__}: {exc}"[:200]


def _warm() -> int:
    return 0


# ---------------------------------------------------------------------------- parent side


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    return [chunk for chunk in (items[i::parts] for i in range(parts)) if chunk]


class Fleet:
    """Worker processes that enroll and drive simulated agents against one hub."""

    def __init__(
        self, hub: Any, workers: int = 3, cores: list[int] | None = None, ack_every_batch: bool = False
    ) -> None:
        """`ack_every_batch`: the agents declare no window (as release 0.1.0), so the hub acks each
        batch once stored and the ack lag is the storage lag; by default they declare the real
        agent's and the hub coalesces acks, as it does for real agents (the lag then includes the
        hub's ack delay)."""
        self.hub = hub
        self.workers = workers
        self.ack_every_batch = ack_every_batch
        self.address = f"127.0.0.1:{hub.grpc_port}"
        self.ca_pem = hub.ca_file.read_bytes()
        self.run_id = f"{time.time_ns()}"
        self.creds: list[dict[str, Any]] = []
        # spawn, not fork: gRPC's threads do not survive a fork.
        self.pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        for future in [self.pool.submit(_warm) for _ in range(workers)]:
            future.result(timeout=120)
        self.cores = cores
        if cores:
            for pid in self.pids:
                pin(pid, cores)

    @property
    def pids(self) -> list[int]:
        return list(getattr(self.pool, "_processes", {}))

    def enroll(self, total: int) -> float:
        """Enroll agents until `total` exist, in parallel; returns the seconds it took."""
        missing = total - len(self.creds)
        if missing <= 0:
            return 0.0
        started = time.monotonic()
        token = self.hub.manage("enrollment_token", "--uses", str(missing), "--minutes", "240").strip()
        indexes = list(range(len(self.creds), total))
        futures = [
            self.pool.submit(enroll_chunk, self.address, self.ca_pem, token, self.run_id, chunk)
            for chunk in _split(indexes, self.workers)
        ]
        for future in futures:
            self.creds.extend(future.result(timeout=600))
        self.creds.sort(key=lambda c: c["index"])
        return time.monotonic() - started

    def stream(
        self,
        count: int,
        hold_start: float,
        hold_end: float,
        drain: float,
        spread: float | None,
        stop_file: str | None = None,
    ) -> list[Future[dict[str, Any]]]:
        """Streams `count` agents from `hold_start` to `hold_end`, or until `stop_file` exists (a
        caller that knows when it is done ends the hold then instead of at its upper bound)."""
        return [
            self.pool.submit(
                stream_chunk,
                self.address,
                self.ca_pem,
                self.run_id,
                chunk,
                hold_start,
                hold_end,
                drain,
                spread,
                self.ack_every_batch,
                stop_file,
            )
            for chunk in _split(self.creds[:count], self.workers)
        ]

    def results(self, futures: list[Future[dict[str, Any]]], timeout: float) -> dict[str, Any]:
        """Merge the workers' results (ack lags and tick slips as lists of seconds)."""
        merged: dict[str, Any] = {
            "agents": 0,
            "connected": 0,
            "sent": 0,
            "acked": 0,
            "acked_in_hold": 0,
            "ack_delay_s": 0.0,
            "errors": 0,
            "error_examples": [],
            "last_acked_ts": {},
            "lags": [],
            "slips": [],
            "connect_seconds": 0.0,
            "worker_cpu_seconds": [],
            "worker_rss_mib": [],
            "slip_trends_s": [],
        }
        deadline = time.monotonic() + timeout
        for future in futures:
            try:
                part = future.result(timeout=max(1.0, deadline - time.monotonic()))
            except FutureTimeout:
                merged["errors"] += 1
                merged["error_examples"].append("a worker did not finish in time")
                continue
            for key in ("agents", "connected", "sent", "acked", "acked_in_hold", "errors"):
                merged[key] += part[key]
            merged["ack_delay_s"] = max(merged["ack_delay_s"], part["ack_delay_s"])
            merged["error_examples"] = sorted(set(merged["error_examples"]) | set(part["error_examples"]))[:8]
            merged["last_acked_ts"].update(part["last_acked_ts"])
            for key in ("lags", "slips"):
                values = array("d")
                values.frombytes(part[key])
                merged[key].extend(values)
            merged["connect_seconds"] = max(merged["connect_seconds"], part["connect_seconds"])
            merged["worker_cpu_seconds"].append(part["cpu_seconds"])
            merged["worker_rss_mib"].append(part["rss_peak_mib"])
            merged["slip_trends_s"].append(part["slip_trend_s"])
        return merged

    def close(self) -> None:
        processes = list(getattr(self.pool, "_processes", {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join(5)
