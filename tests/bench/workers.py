"""`serve --workers N` against one hub process, in the same run: the same simulated fleet streams
to each, both on PostgreSQL + Redis, and the hub's CPU time per stored sample (all its processes:
supervisor and workers) is compared (issue #15 item 3).

Per-sample cost is what carries N workers' capacity: if a worker stores a sample for the CPU
one process spends on it, N workers on N cores hold N times the agents. The ratio
`efficiency = µs per sample (1 process) / µs per sample (N workers)` is measured at the same load;
the capacity ratio is derived from it, `N x efficiency` (target >= 0.9 x N), not measured by
ramping each mode to its limit. Each side is pinned (the hub on N cores, or on the first of them
for one process; the simulated agents on the others) only when the cores allow: N + 1 at least.
With fewer, the hub and the simulators share the cores, and the table says so.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import psutil

from tests.support.processes import Hub, wait_until
from tests.support.scaleout import PG, REDIS, fresh_database, reachable

from .common import CpuWindow, Row, pin, sleep_until, summary, table, temp_dir, verdict
from .sim import Fleet

TARGET_EFFICIENCY = 0.9


def run(
    quick: bool = False,
    agents: int | None = None,
    hold: float | None = None,
    hub_workers: int | None = None,
    workers: int = 2,
    drain: float = 10.0,
) -> dict[str, Any]:
    """`hub_workers`: N (default: the cores this process may use, at least 2); `workers`: the
    processes driving simulated agents."""
    if not (reachable(PG) and reachable(REDIS)):
        raise RuntimeError("the workers benchmark needs PostgreSQL on 127.0.0.1:5432 and Redis on :6379")
    cores = sorted(os.sched_getaffinity(0))
    count = hub_workers or max(2, len(cores))
    agents = agents or (60 if quick else 400)
    hold = hold or (15 if quick else 60)
    # Pinned only when each worker can have a core of its own and the simulators one more.
    pinned = len(cores) >= count + 1
    placement = {
        "pinned": pinned,
        "cores": len(cores),
        "hub_cores": cores[:count] if pinned else cores,
        "simulator_cores": cores[count:] if pinned else cores,
    }
    runs = {}
    with temp_dir("everyst-bench-workers-") as tmp:
        for label, n in (("one", 1), ("workers", count)):
            hub_cores = cores[:n] if pinned else None
            runs[label] = _measure(tmp / label, n, agents, hold, drain, workers, hub_cores, placement)
    one, many = runs["one"], runs["workers"]
    efficiency = (
        round(one["hub_cpu_us_per_sample"] / many["hub_cpu_us_per_sample"], 3)
        if one["hub_cpu_us_per_sample"] and many["hub_cpu_us_per_sample"]
        else None
    )
    return {
        "config": {
            "agents": agents,
            "hold_seconds": hold,
            "hub_workers": count,
            "simulator_processes": workers,
            "placement": placement,
            "database": "PostgreSQL + Redis (both modes)",
        },
        "one": one,
        "workers": many,
        "efficiency": efficiency,
        "capacity_ratio": None if efficiency is None else round(count * efficiency, 2),
    }


def _measure(
    data_dir: Path,
    n: int,
    agents: int,
    hold: float,
    drain: float,
    sim_processes: int,
    hub_cores: list[int] | None,
    placement: dict[str, Any],
) -> dict[str, Any]:
    with fresh_database("everyst_bench_workers") as url:
        hub = Hub(data_dir, extra_env={"DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/4"})
        fleet: Fleet | None = None
        try:
            hub.start(*(["--workers", str(n)] if n > 1 else []))
            assert hub.process is not None
            pids = {"hub": hub.process.pid}
            if n > 1:
                wait_until(lambda: "Everyst hub ready" in hub.log(), 60, "every worker")
                for child in psutil.Process(hub.process.pid).children():
                    pids[f"pid {child.pid}"] = child.pid
            if hub_cores is not None:
                for pid in pids.values():
                    pin(pid, hub_cores)
            fleet = Fleet(hub, sim_processes, placement["simulator_cores"] if hub_cores else None)
            fleet.enroll(agents)
            hold_start = math.ceil(time.time() + 5 + agents / 50)
            hold_end = hold_start + hold
            futures = fleet.stream(agents, hold_start, hold_end, drain, None)
            sleep_until(hold_start)
            window = CpuWindow(pids)
            window.start()
            sleep_until(hold_end)
            used = window.stop()
            merged = fleet.results(futures, timeout=drain + 120)
            stored = _stored(url, hold_start * 1000, int((hold_end + drain + 5) * 1000))
            held = _streams_by_worker(hub.log()) if n > 1 else {}
        finally:
            if fleet is not None:
                fleet.close()
            hub.stop()
    hub_cpu = sum(used[name]["cpu_seconds"] for name in pids)
    in_hold = merged["acked_in_hold"]
    return {
        "processes": n,
        "agents": agents,
        "connected": merged["connected"],
        "sent": merged["sent"],
        "acked": merged["acked"],
        "lost": merged["sent"] - merged["acked"],
        "stored": stored,
        "errors": merged["errors"],
        "error_examples": merged["error_examples"],
        "ack_lag_s": summary(merged["lags"]),
        "hub_cpu_seconds": round(hub_cpu, 3),
        "hub_cpu_pct_of_core": round(100 * hub_cpu / used["seconds"], 1),
        "hub_cpu_us_per_sample": round(1e6 * hub_cpu / in_hold, 1) if in_hold else None,
        "process_cpu_pct_of_core": {name: used[name]["cpu_pct_of_core"] for name in pids},
        "streams_opened_by_worker": held,
        "machine_busy_pct": used["machine_busy_pct"],
        "cores_busy_pct": used["cores_busy_pct"],
        "clients_cpu_pct_of_core": round(100 * sum(merged["worker_cpu_seconds"]) / hold, 1),
    }


def _stored(url: str, since_ms: int, until_ms: int) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM metrics_sample WHERE ts >= %s AND ts < %s", (since_ms, until_ms)
        ).fetchone()
    return int(row[0]) if row else 0


def _streams_by_worker(log: str) -> dict[str, int]:
    """Agent streams each worker opened, by its own log lines."""
    opened: dict[str, int] = {}
    for line in log.splitlines():
        if "agent stream open" in line and "[worker " in line:
            worker = line.split("[worker ", 1)[1].split("]", 1)[0]
            opened[worker] = opened.get(worker, 0) + 1
    return opened


def render(result: dict[str, Any]) -> str:
    config, one, many = result["config"], result["one"], result["workers"]
    n = config["hub_workers"]
    pinned = config["placement"]["pinned"]
    rows = [
        Row(
            f"hub CPU-µs per stored sample, {config['agents']} agents",
            many["hub_cpu_us_per_sample"],
            one["hub_cpu_us_per_sample"],
            result["efficiency"],
            f">= {TARGET_EFFICIENCY} (ratio = one / workers)",
            verdict(None if result["efficiency"] is None else result["efficiency"] >= TARGET_EFFICIENCY),
        ),
        Row(
            f"capacity vs one process (N x efficiency, {'pinned' if pinned else 'NOT pinned'})",
            result["capacity_ratio"],
            1,
            result["capacity_ratio"],
            f">= {TARGET_EFFICIENCY * n:g} (0.9 x {n})",
            verdict(
                None
                if result["capacity_ratio"] is None
                else result["capacity_ratio"] >= TARGET_EFFICIENCY * n
            ),
        ),
        Row(
            "samples lost (sent - acked)",
            many["lost"],
            one["lost"],
            "",
            "0",
            verdict(many["lost"] == one["lost"] == 0),
        ),
        Row("stored in the window + drain", many["stored"], one["stored"]),
        Row("hub CPU % of a core", many["hub_cpu_pct_of_core"], one["hub_cpu_pct_of_core"]),
        Row("ack lag p99 s", many["ack_lag_s"]["p99"], one["ack_lag_s"]["p99"]),
    ]
    placement = config["placement"]
    lines = [
        table(f"{n} hub workers vs one hub process (PostgreSQL + Redis, TLS)", rows, "one process"),
        "",
        f"streams opened per worker (their logs): {many['streams_opened_by_worker']}; CPU % of a core per "
        f"process: {many['process_cpu_pct_of_core']}",
        (
            f"pinned: hub on cores {placement['hub_cores']} ({n} workers) or its first core (one process), "
            f"simulated agents on {placement['simulator_cores']}"
            if pinned
            else f"NOT pinned: {n} workers and the simulated agents need {n + 1} cores, this machine gives "
            f"{placement['cores']}; both modes share the cores with the simulators (machine "
            f"{many['machine_busy_pct']}% / {one['machine_busy_pct']}% busy), so neither side had cores of "
            "its own and the per-sample figures carry the contention"
        ),
    ]
    for label, mode in (("workers", many), ("one", one)):
        if mode["errors"]:
            lines.append(f"{label}: {mode['errors']} errors: {mode['error_examples']}")
    return "\n".join(lines)
