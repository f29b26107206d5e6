"""Agent footprint: the real agent at 1 Hz against a real hub over TLS, side by side in the same
window with Prometheus node_exporter scraped at 1 Hz by this process.

Also measured in the same window, for reference: the floor of the agent's transport, a bare
interpreter that imports the agent's gRPC client (everyst_agent.transport: grpclib, h2, asyncio,
ssl, protobuf) and holds one TLS connection to the same hub, and nothing else of the agent."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.processes import AgentProcess, Hub, free_port, wait_until

from .common import CpuWindow, Row, RssSampler, fmt, status_kib, table, temp_dir, verdict

NODE_EXPORTER = Path("/usr/bin/prometheus-node-exporter")
WARMUP = 5.0
MAX_CPU_RATIO = 0.5
MAX_RSS_MIB = 40.0
# The reference process: `python -c GRPC_FLOOR <hub> <ca file>`; prints "ready" once connected.
GRPC_FLOOR = """
import asyncio, sys
from everyst.agent.v1 import agent_pb2
from everyst_agent import transport

async def main():
    with open(sys.argv[2], "rb") as f:
        ca = f.read()
    channel = transport.make_channel(sys.argv[1], tls=True, root_certificates=ca)
    try:  # a refused enrollment: the TLS connection is up and stays open
        await transport.enroll(channel, agent_pb2.EnrollRequest(token="reference"), 30)
    except transport.RpcError as exc:
        if exc.code == transport.Status.UNAVAILABLE:
            raise
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


class Scraper(threading.Thread):
    """GET /metrics once a second (on a fixed schedule) until stopped or `limit` scrapes."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(daemon=True, name="node-exporter-scraper")
        self.url = url
        self.limit = limit
        self.stop = threading.Event()
        self.scrapes = 0
        self.errors = 0
        self.bytes = 0
        self.seconds: list[float] = []

    def run(self) -> None:
        next_at = time.monotonic()
        for _ in range(self.limit):
            if self.stop.wait(max(0.0, next_at - time.monotonic())):
                return
            next_at += 1.0
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    self.bytes += len(response.read())
                self.scrapes += 1
                self.seconds.append(time.monotonic() - started)
            except OSError:
                self.errors += 1


def run(quick: bool = False, seconds: float | None = None) -> dict[str, Any]:
    window = seconds or (20.0 if quick else 120.0)
    if not NODE_EXPORTER.exists():
        raise RuntimeError(
            f"{NODE_EXPORTER} not found: apt-get install prometheus-node-exporter (make system-deps)"
        )
    with temp_dir("everyst-bench-agent-") as tmp:
        hub = Hub(tmp / "hub")
        agent: AgentProcess | None = None
        exporter: subprocess.Popen[bytes] | None = None
        floor: subprocess.Popen[str] | None = None
        scraper: Scraper | None = None
        try:
            hub.start()
            # Enroll once, as the install script does, then run the agent as its service would.
            enrolling = AgentProcess(tmp / "agent", hub, token=hub.enrollment_token(), interval=1.0).start()
            wait_until(lambda: (tmp / "agent" / "credentials.json").exists(), 30, "agent enrollment")
            host_id = enrolling.credentials()["host_id"]
            enrolling.stop()
            agent = AgentProcess(tmp / "agent", hub, interval=1.0).start()
            token = hub.login()
            wait_until(
                lambda: _latest_ts(hub, token, host_id) > time.time() * 1000 - 3000, 30, "agent samples"
            )

            port = free_port()
            log = (tmp / "node_exporter.log").open("ab")
            exporter = subprocess.Popen(
                [str(NODE_EXPORTER), f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log
            )
            url = f"http://127.0.0.1:{port}/metrics"
            wait_until(lambda: _reachable(url), 30, "node_exporter /metrics")
            floor = subprocess.Popen(
                [sys.executable, "-c", GRPC_FLOOR, f"127.0.0.1:{hub.grpc_port}", str(hub.ca_file)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert floor.stdout is not None
            if floor.stdout.readline().strip() != "ready":
                raise RuntimeError("the gRPC client reference process did not connect to the hub")
            scraper = Scraper(url, limit=int(WARMUP + window) + 10)
            scraper.start()
            time.sleep(WARMUP)

            assert agent.process is not None
            pids = {"agent": agent.process.pid, "node_exporter": exporter.pid}
            cpu = CpuWindow(pids)
            rss = RssSampler({**pids, "grpc_floor": floor.pid})
            scrapes_before = scraper.scrapes
            started_ms = int(time.time() * 1000)
            cpu.start()
            end = time.monotonic() + window
            while time.monotonic() < end:
                rss.sample()
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            usage = cpu.stop()
            memory = rss.result()
            split = {name: _rss_split(pid) for name, pid in {**pids, "grpc_floor": floor.pid}.items()}
            scrapes = scraper.scrapes - scrapes_before
            delivered = len(
                hub.get(f"/api/v1/hosts/{host_id}/samples?since={started_ms}&limit=3600", token)["samples"]
            )
        finally:
            if scraper is not None:
                scraper.stop.set()
                scraper.join(10)
            if floor is not None:
                floor.kill()
                floor.wait(10)
            if exporter is not None:
                exporter.terminate()
                try:
                    exporter.wait(10)
                except subprocess.TimeoutExpired:
                    exporter.kill()
                    exporter.wait(5)
            if agent is not None:
                agent.stop()
            hub.stop()
    agent_cpu = usage["agent"]["cpu_pct_of_core"]
    exporter_cpu = usage["node_exporter"]["cpu_pct_of_core"]
    return {
        "window_seconds": usage["seconds"],
        "warmup_seconds": WARMUP,
        "agent": {**usage["agent"], **memory["agent"], **split["agent"], "samples_delivered": delivered},
        "grpc_floor": {**memory["grpc_floor"], **split["grpc_floor"]},
        "node_exporter": {
            **usage["node_exporter"],
            **memory["node_exporter"],
            **split["node_exporter"],
            "scrapes": scrapes,
            "scrape_errors": scraper.errors if scraper else None,
            "scrape_bytes_avg": round(scraper.bytes / max(1, scraper.scrapes)) if scraper else None,
        },
        "cpu_ratio": round(agent_cpu / exporter_cpu, 3) if exporter_cpu else None,
        "machine_busy_pct": usage["machine_busy_pct"],
        "targets": {"cpu_ratio_max": MAX_CPU_RATIO, "rss_max_mib": MAX_RSS_MIB},
    }


def _rss_split(pid: int) -> dict[str, float | None]:
    """RSS at the end of the window split into anonymous memory (heap, stacks, written data) and
    file-backed pages (mapped code and read-only data of the interpreter and native libraries)."""
    try:
        return {
            "rss_anon_mib": round(status_kib(pid, "RssAnon") / 1024, 1),
            "rss_file_mib": round(status_kib(pid, "RssFile") / 1024, 1),
        }
    except (OSError, KeyError):
        return {"rss_anon_mib": None, "rss_file_mib": None}


def _latest_ts(hub: Hub, token: str, host_id: str) -> int:
    with contextlib.suppress(Exception):
        return int(hub.get(f"/api/v1/hosts/{host_id}", token)["latest"]["ts"])
    return 0


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _minus(x: float | None, y: float | None) -> float | None:
    return round(x - y, 1) if x is not None and y is not None else None


def render(result: dict[str, Any]) -> str:
    a, n = result["agent"], result["node_exporter"]
    floor = result.get("grpc_floor", {})

    def ratio(x: float | None, y: float | None) -> float | None:
        return round(x / y, 2) if x and y else None

    rows = [
        Row(
            "CPU % of one core",
            a["cpu_pct_of_core"],
            n["cpu_pct_of_core"],
            result["cpu_ratio"],
            f"ratio <= {MAX_CPU_RATIO}",
            verdict(result["cpu_ratio"] is not None and result["cpu_ratio"] <= MAX_CPU_RATIO),
        ),
        Row(
            "CPU seconds in window",
            a["cpu_seconds"],
            n["cpu_seconds"],
            ratio(a["cpu_seconds"], n["cpu_seconds"]),
        ),
        Row(
            "peak RSS MiB (VmHWM)",
            a["rss_peak_mib"],
            n["rss_peak_mib"],
            ratio(a["rss_peak_mib"], n["rss_peak_mib"]),
            f"agent <= {MAX_RSS_MIB:g}",
            verdict(a["rss_peak_mib"] is not None and a["rss_peak_mib"] <= MAX_RSS_MIB),
        ),
        Row("average RSS MiB", a["rss_avg_mib"], n["rss_avg_mib"], ratio(a["rss_avg_mib"], n["rss_avg_mib"])),
        Row(
            "RSS anon / file-backed MiB (end)",
            f"{fmt(a.get('rss_anon_mib'))} / {fmt(a.get('rss_file_mib'))}",
            f"{fmt(n.get('rss_anon_mib'))} / {fmt(n.get('rss_file_mib'))}",
        ),
        Row(
            "ref: python + the agent's gRPC client on TLS, peak RSS MiB",
            floor.get("rss_peak_mib"),
            "",
            ratio(a["rss_peak_mib"], floor.get("rss_peak_mib")),
            "agent - ref = " + fmt(_minus(a["rss_peak_mib"], floor.get("rss_peak_mib"))),
        ),
        Row("samples delivered / scrapes served", a["samples_delivered"], n["scrapes"]),
    ]
    title = (
        f"Agent footprint at 1 Hz ({result['window_seconds']:g} s window after "
        f"{result['warmup_seconds']:g} s warm-up; machine {result['machine_busy_pct']}% busy)"
    )
    return table(title, rows, "node_exporter @1Hz")


if __name__ == "__main__":
    print(json.dumps(run(quick=True), indent=2))
