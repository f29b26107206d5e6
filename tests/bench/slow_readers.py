"""Slow readers never slow ingest (issue #15 item 5): simulated agents stream at 1 Hz to a real
hub, first alone (the peer run), then with dashboard WebSockets subscribed to the whole fleet:
readers that take every frame, and one that reads nothing (a 4 KiB receive buffer it never
empties; when the hub drops it, for not answering its pings, it connects again at once). Reported:
the agents' ack lag with the sockets against without, the hub's RSS from the start of the window
to its end, the largest queue a socket had (the hub's /metrics), and the samples the readers got.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import socket
import struct
import threading
import time
import urllib.request
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from tests.support.processes import Hub, wait_until

from .common import CpuWindow, Row, RssSampler, pin, sleep_until, split_cores, summary, table, temp_dir
from .sim import Fleet

TCP_ESTABLISHED = 1
READER_PROCESSES = 2


def _figures(hub: Hub, token: str) -> dict[str, float]:
    """The hub's own figures from its /metrics (owner's view)."""
    request = urllib.request.Request(f"{hub.url}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read().decode()
    return {m[1]: float(m[2]) for m in re.finditer(r"^(everyst_hub_\w+) (\S+)$", body, re.M)}


# ---------------------------------------------------------------------------- reading sockets


def _warm() -> int:
    import websockets.asyncio.client  # noqa: F401

    return 0


def read_fleet(url: str, origin: str, token: str, sockets: int, until: float) -> dict[str, Any]:
    """`sockets` fleet subscribers in this process, each reading every frame until `until`
    (wall clock): frames, samples and bytes received, and the delay of one sample in 20 frames.

    The readers yield their core to the simulated agents (nice 19): they stand for browsers on
    other machines, and readers starving the agents would show up as the hub's ack lag."""
    os.nice(19 - os.nice(0))
    return asyncio.run(_read_fleet(url, origin, token, sockets, until))


async def _read_fleet(url: str, origin: str, token: str, sockets: int, until: float) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    totals = {"frames": 0, "samples": 0, "bytes": 0, "errors": 0, "connected": 0, "authenticated": 0}
    delays: list[float] = []
    errors: list[str] = []

    async def one() -> None:
        # A socket the hub closes or refuses connects again after a second, as the dashboard does.
        seen = {"authenticated": False}
        while time.time() < until - 1:
            try:
                await session(seen)
                return
            except Exception as exc:  # reported
                totals["errors"] += 1
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                await asyncio.sleep(1)

    async def session(seen: dict[str, bool]) -> None:
        async with connect(
            url,
            origin=origin,
            proxy=None,
            compression=None,
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        ) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            totals["connected"] += 1
            if json.loads(await ws.recv())["type"] != "auth.ok":
                raise RuntimeError("authentication refused")
            if not seen["authenticated"]:
                seen["authenticated"] = True
                totals["authenticated"] += 1
            await ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
            while (left := until - time.time()) > 0:
                try:
                    data = await asyncio.wait_for(ws.recv(decode=False), left)
                except TimeoutError:
                    break
                samples = data.count(b'"type":"sample"')
                totals["frames"] += 1
                totals["samples"] += samples
                totals["bytes"] += len(data)
                if samples and totals["frames"] % 20 == 0:
                    frame = json.loads(data)
                    first = frame["frames"][0] if frame["type"] == "samples" else frame
                    delays.append(time.time() * 1000 - first["sample"]["ts"])

    await asyncio.gather(*(one() for _ in range(sockets)))
    return {**totals, "delays_ms": delays, "error_examples": sorted(set(errors))[:3]}


class Stalled(threading.Thread):
    """A fleet subscriber that reads nothing; when the hub drops it, it connects again."""

    def __init__(self, hub: Hub, token: str, until: float) -> None:
        super().__init__(daemon=True, name="stalled-socket")
        self.hub, self.token, self.until = hub, token, until
        self.connections = 0
        self.dropped = 0
        self.error = ""

    def run(self) -> None:
        from websockets.sync.client import connect

        try:
            while time.time() < self.until:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.connect(("127.0.0.1", self.hub.http_port))
                with connect(
                    self.hub.ws_url, sock=sock, origin=self.hub.url, proxy=None, compression=None,
                    max_queue=1, ping_interval=None, open_timeout=60, close_timeout=1,
                ) as ws:  # fmt: skip
                    ws.send(json.dumps({"type": "auth", "token": self.token}))
                    ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
                    self.connections += 1
                    # Reading nothing, the client only learns of a close from the kernel.
                    while time.time() < self.until and _tcp_state(sock) == TCP_ESTABLISHED:
                        time.sleep(0.5)
                    if time.time() < self.until:
                        self.dropped += 1
                    ws.close_socket()
        except Exception as exc:  # reported
            self.error = f"{type(exc).__name__}: {exc}"


def _tcp_state(sock: socket.socket) -> int:
    return int(struct.unpack("B", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1))[0])


# ---------------------------------------------------------------------------- windows


def _window(
    hub: Hub,
    fleet: Fleet,
    token: str,
    agents: int,
    hold: float,
    readers: int,
    pool: ProcessPoolExecutor | None,
) -> dict[str, Any]:
    """One measured window of `hold` s: agents streaming, with `readers` reading sockets and one
    stalled one if readers > 0."""
    assert hub.process is not None
    pid = hub.process.pid
    hold_start = math.ceil(time.time() + 10 + agents / 50 + readers / 10)
    hold_end = hold_start + hold
    reading: list[Future[dict[str, Any]]] = []
    stalled: Stalled | None = None
    if readers and pool is not None:
        per = [
            readers // READER_PROCESSES + (i < readers % READER_PROCESSES) for i in range(READER_PROCESSES)
        ]
        # The sockets stay a little past the window: the last samples are in flight.
        reading = [pool.submit(read_fleet, hub.ws_url, hub.url, token, n, hold_end + 3) for n in per if n]
        stalled = Stalled(hub, token, hold_end)
        stalled.start()
    futures = fleet.stream(agents, hold_start, hold_end, drain=10.0, spread=None)
    sleep_until(hold_start)
    figures_start = _figures(hub, token)
    cpu = CpuWindow({"hub": pid})
    cpu.start()
    rss = RssSampler({"hub": pid})
    # /metrics is read at the window's ends only: a scrape costs the hub CPU (every host's figures).
    while time.time() < hold_end:
        rss.sample()
        time.sleep(min(1.0, max(0.0, hold_end - time.time())))
    rss.sample()
    usage = cpu.stop()
    figures_end = _figures(hub, token)
    merged = fleet.results(futures, timeout=130)
    read = [f.result(timeout=120) for f in reading]
    if stalled is not None:
        stalled.join(15)
    rss_mib = [round(v / 1024, 1) for v in rss.samples["hub"]]
    delays = [d for r in read for d in r["delays_ms"]]
    result: dict[str, Any] = {
        "agents": agents,
        "hold_seconds": hold,
        "sockets": readers + (1 if readers else 0),
        "sent": merged["sent"],
        "acked": merged["acked"],
        "lost": merged["sent"] - merged["acked"],
        "stream_errors": merged["errors"],
        "ack_lag_ms": summary(merged["lags"], scale=1000, digits=1),
        "hub_cpu_pct_of_core": usage["hub"]["cpu_pct_of_core"],
        "machine_busy_pct": usage["machine_busy_pct"],
        "hub_rss_start_mib": rss_mib[0] if rss_mib else None,
        "hub_rss_end_mib": rss_mib[-1] if rss_mib else None,
        "hub_rss_max_mib": max(rss_mib) if rss_mib else None,
    }
    if readers:
        delivered = sum(r["samples"] for r in read)
        result |= {
            "readers_connected": sum(r["connected"] for r in read),
            "readers_authenticated": sum(r["authenticated"] for r in read),
            "reader_errors": sum(r["errors"] for r in read),
            "reader_error_examples": sorted({e for r in read for e in r["error_examples"]})[:3],
            "samples_delivered": delivered,
            "samples_expected": merged["acked"] * readers,
            "delivered_pct": round(100 * delivered / max(1, merged["acked"] * readers), 2),
            "bytes_delivered_mib": round(sum(r["bytes"] for r in read) / 2**20, 1),
            "reader_delay_ms": summary(delays, digits=1),
            "queue_bytes_at_end": int(figures_end["everyst_hub_websocket_queue_bytes_max"]),
            "queue_bytes_peak": int(figures_end["everyst_hub_websocket_queue_bytes_peak"]),
            "samples_coalesced": int(
                figures_end["everyst_hub_websocket_samples_dropped_total"]
                - figures_start["everyst_hub_websocket_samples_dropped_total"]
            ),
            "overflow_closes": int(
                figures_end["everyst_hub_websocket_overflow_closes_total"]
                - figures_start["everyst_hub_websocket_overflow_closes_total"]
            ),
            "stalled_connections": stalled.connections if stalled else 0,
            "stalled_dropped_by_hub": stalled.dropped if stalled else 0,
            "stalled_error": stalled.error if stalled else "",
        }
    return result


def run(
    quick: bool = False,
    full: bool = False,
    agents: int | None = None,
    sockets: int | None = None,
    hold: float | None = None,
    workers: int = 3,
) -> dict[str, Any]:
    count = agents or (100 if quick else 1000)
    total_sockets = sockets or (20 if quick else 200)
    hold = hold or (20.0 if quick else 600.0 if full else 120.0)
    cores = split_cores()
    own_cores = os.sched_getaffinity(0)
    with temp_dir("everyst-bench-slow-readers-") as tmp:
        hub = Hub(tmp / "hub", extra_env={"EVERYST_ACCESS_TOKEN_MINUTES": "60"})
        fleet: Fleet | None = None
        pool: ProcessPoolExecutor | None = None
        try:
            hub.start()
            assert hub.process is not None
            if cores is not None:
                pin(hub.process.pid, cores[0])
                os.sched_setaffinity(0, cores[1])
            # An ack per batch: the ack lag is then the storage lag, what "ingest unaffected" means.
            fleet = Fleet(hub, workers, cores[1] if cores else None, ack_every_batch=True)
            pool = ProcessPoolExecutor(READER_PROCESSES, mp_context=get_context("spawn"))
            # Started now, not on the window's first submit: spawning and importing takes seconds.
            for future in [pool.submit(_warm) for _ in range(READER_PROCESSES)]:
                future.result(timeout=120)
            if cores is not None:
                for process in getattr(pool, "_processes", {}).values():
                    pin(process.pid, cores[1])
            # A password hash on a core the machine's other work shares may take over login's 10 s.
            token = wait_until(lambda: _try(hub.login), 120, "the owner's login")
            fleet.enroll(count)
            alone = _window(hub, fleet, token, count, hold, 0, None)
            with_sockets = _window(hub, fleet, token, count, hold, total_sockets - 1, pool)
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            if fleet is not None:
                fleet.close()
            hub.stop()
            os.sched_setaffinity(0, own_cores)
    return {
        "agents": count,
        "sockets": total_sockets,
        "hold_seconds": hold,
        "pinned": cores is not None,
        "alone": alone,
        "with_sockets": with_sockets,
        "ack_p50_ratio": _ratio(with_sockets["ack_lag_ms"]["p50"], alone["ack_lag_ms"]["p50"]),
        "ack_p99_ratio": _ratio(with_sockets["ack_lag_ms"]["p99"], alone["ack_lag_ms"]["p99"]),
    }


def _try(call: Any) -> Any:
    try:
        return call()
    except OSError:
        return None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def render(result: dict[str, Any]) -> str:
    alone, busy = result["alone"], result["with_sockets"]
    rows = [
        Row(
            "ingest ack lag p50 ms",
            busy["ack_lag_ms"]["p50"],
            alone["ack_lag_ms"]["p50"],
            result["ack_p50_ratio"],
        ),
        Row(
            "ingest ack lag p99 ms",
            busy["ack_lag_ms"]["p99"],
            alone["ack_lag_ms"]["p99"],
            result["ack_p99_ratio"],
        ),
        Row("samples lost", busy["lost"], alone["lost"], "", "0"),
        Row("hub CPU % of a core", busy["hub_cpu_pct_of_core"], alone["hub_cpu_pct_of_core"]),
        Row(
            "hub RSS MiB, window start -> end",
            f"{busy['hub_rss_start_mib']} -> {busy['hub_rss_end_mib']}",
            f"{alone['hub_rss_start_mib']} -> {alone['hub_rss_end_mib']}",
        ),
        Row("largest socket queue KiB (peak)", round(busy["queue_bytes_peak"] / 1024, 1)),
        Row(
            f"samples delivered to the {result['sockets'] - 1} readers (%)",
            busy["delivered_pct"],
            "",
            "",
            "100",
        ),
        Row(
            "reader delay p50 / p99 ms",
            f"{busy['reader_delay_ms']['p50']} / {busy['reader_delay_ms']['p99']}",
        ),
        Row("samples coalesced (all sockets)", busy["samples_coalesced"]),
        Row(
            "stalled socket: connections / dropped by the hub",
            f"{busy['stalled_connections']} / {busy['stalled_dropped_by_hub']}",
        ),
    ]
    title = (
        f"Slow readers ({result['agents']} agents at 1 Hz, {result['sockets']} fleet WebSockets of which one "
        f"reads nothing, {result['hold_seconds']:g} s)"
    )
    notes = [
        f"readers authenticated {busy['readers_authenticated']} of {result['sockets'] - 1} "
        f"({busy['readers_connected']} connections, {busy['reader_errors']} closed or refused); "
        f"machine busy {busy['machine_busy_pct']}% with the sockets, {alone['machine_busy_pct']}% without; "
        f"{busy['bytes_delivered_mib']} MiB delivered; overflow closes {busy['overflow_closes']}",
    ]
    if busy["reader_errors"] or busy["stalled_error"]:
        notes.append(f"socket errors: {busy['reader_error_examples']} {busy['stalled_error']}")
    return "\n".join([table(title, rows, "no sockets (peer run)"), *notes])
