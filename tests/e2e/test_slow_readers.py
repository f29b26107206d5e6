"""A dashboard socket that stops reading costs the hub a bounded queue, not memory without end,
and slows neither ingest nor the sockets that read (issue #15 item 5). A real hub, simulated
agents streaming over gRPC, real WebSocket clients on loopback."""

from __future__ import annotations

import json
import math
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.bench.sim import Fleet
from tests.support.processes import Hub

pytestmark = pytest.mark.e2e

AGENTS = 100
STREAM_SECONDS = 30
# Twisted pauses a transport's writer past 64 KiB unsent, which one frame (< 64 KiB) may overshoot;
# the socket's own queue holds at most one sample frame per host of the fleet.
TRANSPORT_BOUND = 128 * 1024
# The simulated agents' sample frames: 1.4 KB, 5.5 KB with their top processes (every fifth).
SAMPLE_FRAME_MAX = 6 * 1024


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(tmp_path / "hub", extra_env={"EVERYST_ACCESS_TOKEN_MINUTES": "60"}).start()
    yield hub
    hub.stop()


def fleet_socket(stack: ExitStack, hub: Hub, token: str, **options: Any) -> ClientConnection:
    ws = stack.enter_context(
        connect(hub.ws_url, origin=hub.url, open_timeout=10, proxy=None, compression=None, **options)
    )
    ws.send(json.dumps({"type": "auth", "token": token}))
    ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
    return ws


def stalled_socket(stack: ExitStack, hub: Hub, token: str) -> ClientConnection:
    """Subscribed to the fleet, then reads nothing until it calls recv: a receive buffer of
    4 KiB, and the client stops taking frames off it after the first (its own queue holds one)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: the window
    sock.connect(("127.0.0.1", hub.http_port))
    return fleet_socket(stack, hub, token, sock=sock, max_queue=1, ping_interval=None)


def hub_figure(hub: Hub, token: str, name: str) -> int:
    """One of the hub's own figures in its /metrics."""
    request = urllib.request.Request(f"{hub.url}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode()
    match = re.search(rf"^{name} (\S+)$", body, re.M)
    assert match, f"the hub's /metrics has no {name}"
    return int(float(match.group(1)))


def drain(ws: ClientConnection) -> tuple[dict[str, int], set[str], int]:
    """Read until the socket goes quiet: each host's last sample ts, the hosts named in gaps,
    and the number of samples read."""
    last: dict[str, int] = {}
    gaps: set[str] = set()
    count = 0
    while True:
        try:
            frame = json.loads(ws.recv(timeout=3))
        except TimeoutError:
            return last, gaps, count
        gaps.update(frame.get("gap", []))
        for item in frame.get("frames", []) if frame["type"] == "samples" else [frame]:
            if item["type"] == "sample":
                last[item["host"]] = item["sample"]["ts"]
                count += 1


class Reader(threading.Thread):
    """A socket that reads everything: each host's sample timestamps, and their delay."""

    def __init__(self, ws: ClientConnection) -> None:
        super().__init__(daemon=True)
        self.ws = ws
        self.stop = threading.Event()
        self.samples: dict[str, set[int]] = {}
        self.delays: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                frame = json.loads(self.ws.recv(timeout=0.5))
            except TimeoutError:
                continue
            now_ms = time.time() * 1000
            items = frame["frames"] if frame["type"] == "samples" else [frame]
            for item in items:
                if item["type"] == "sample":
                    self.samples.setdefault(item["host"], set()).add(item["sample"]["ts"])
            if items[0]["type"] == "sample":
                self.delays.append(now_ms - items[0]["sample"]["ts"])


def test_a_socket_that_stops_reading_keeps_a_bounded_queue_while_ingest_and_readers_keep_up(hub: Hub) -> None:
    token = hub.login()
    fleet = Fleet(hub, workers=1, ack_every_batch=True)  # the ack lag is then the storage lag
    with ExitStack() as stack:
        stack.callback(fleet.close)
        fleet.enroll(AGENTS)
        stalled = stalled_socket(stack, hub, token)
        reader = Reader(fleet_socket(stack, hub, token))
        reader.start()
        start = math.ceil(time.time() + 4)
        futures = fleet.stream(AGENTS, start, start + STREAM_SECONDS, drain=10.0, spread=None)
        peaks = []
        while time.time() < start + STREAM_SECONDS:
            time.sleep(2)
            peaks.append(hub_figure(hub, token, "everyst_hub_websocket_queue_bytes_max"))
        results = fleet.results(futures, timeout=60)
        reader.stop.set()
        reader.join(5)
        # The stalled client reads again: what it missed is named, and it ends with each host's newest.
        last, gaps, read = drain(stalled)
        dropped = hub_figure(hub, token, "everyst_hub_websocket_samples_dropped_total")
    # The stalled socket's queue stopped growing; it would hold every frame sent to it otherwise.
    assert max(peaks) <= TRANSPORT_BOUND + AGENTS * SAMPLE_FRAME_MAX, peaks
    assert last == results["last_acked_ts"]
    assert gaps <= set(last) and len(gaps) > AGENTS / 2, gaps
    # What it read at last is what the buffers held (the kernel's grow with the traffic: the
    # fleet's smaller samples fill them with more) plus each host's newest: well short of all.
    assert dropped > 0 and read < results["sent"] * 3 / 4, (dropped, read)
    assert results["errors"] == 0 and results["acked"] == results["sent"] >= AGENTS * (STREAM_SECONDS - 2)
    lags = sorted(results["lags"])
    assert lags[int(len(lags) * 0.99)] < 5.0, "ingest acks fell behind"  # the ingest benchmark's bound
    # The reading socket got every host's samples, without falling behind (loose bounds: the
    # machine running the tests may be busy with other work).
    assert len(reader.samples) == AGENTS
    assert sum(len(ts) for ts in reader.samples.values()) >= results["sent"] * 0.9
    delays = sorted(reader.delays)
    assert delays[len(delays) // 2] < 1000 and delays[int(len(delays) * 0.99)] < 3000, delays[-10:]
