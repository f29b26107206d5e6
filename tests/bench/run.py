"""`make bench`: run the benchmarks, print a table per benchmark with its peer and the ratio, and
write every figure to var/bench/latest.json.

    python -m tests.bench.run
        [--only agent,ingest,latency,netscan,history,alerts,fleet_ui,slow_readers,workers]
        [--quick] [--full]
        [--levels 250,500] [--hold 60] [--repeat 3] [--no-pin]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import agent, alerts, fleet_ui, history, ingest, latency, netscan, slow_readers, workers

BENCHMARKS = {
    "agent": agent,
    "ingest": ingest,
    "latency": latency,
    "netscan": netscan,
    "history": history,
    "alerts": alerts,
    "fleet_ui": fleet_ui,
    "slow_readers": slow_readers,
    "workers": workers,
}
OUTPUT = Path("var/bench/latest.json")


def _machine() -> dict[str, Any]:
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": commit or None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated: " + ",".join(BENCHMARKS)
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run of each benchmark")
    parser.add_argument(
        "--full",
        action="store_true",
        help="fleet_ui: 10 minutes per view instead of 60 s; slow_readers: 10 minutes instead of 2",
    )
    parser.add_argument(
        "--levels",
        default="",
        help="ingest: agent counts to try, e.g. 250,500,1000; slow_readers, workers: its agent count",
    )
    parser.add_argument(
        "--hold",
        type=float,
        default=None,
        help="ingest: seconds per level; slow_readers, workers: seconds per run",
    )
    parser.add_argument(
        "--hub-workers",
        type=int,
        default=None,
        help="workers: the N of `serve --workers N` (default: this process's cores, at least 2)",
    )
    parser.add_argument(
        "--final-hold",
        type=float,
        default=None,
        help="ingest: seconds at the largest level that held (full: 300, quick: 0)",
    )
    parser.add_argument(
        "--burst",
        type=float,
        default=None,
        help="ingest, latency: every agent sends in the first BURST s of each second instead of at "
        "its own phase (the real agent's), the worst case for the hub",
    )
    parser.add_argument("--workers", type=int, default=3, help="processes driving simulated agents (2-4)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="ingest: runs of each level, median and spread (full: 3, quick: 1)",
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="ingest: do not pin the hub to the first core and the simulated agents to the others",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    selected = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in selected if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}: choose from {','.join(BENCHMARKS)}")

    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.executable).name, "-m", "tests.bench.run", *(argv or sys.argv[1:])]),
        "quick": args.quick,
        "machine": _machine(),
        "results": {},
    }
    failed = False
    for name in selected:
        print(f"\n== {name} {'(quick)' if args.quick else ''} ==", flush=True)
        started = time.monotonic()
        try:
            if name == "ingest":
                levels = [int(v) for v in args.levels.split(",") if v] or None
                result = ingest.run(
                    args.quick,
                    levels=levels,
                    hold=args.hold,
                    final_hold=args.final_hold,
                    workers=args.workers,
                    spread=args.burst,
                    repeat=args.repeat,
                    pinned=not args.no_pin,
                )
            elif name == "latency":
                result = latency.run(args.quick, workers=args.workers, spread=args.burst)
            elif name == "history":
                result = history.run(args.quick)
            elif name == "netscan":
                result = netscan.run(args.quick)
            elif name == "alerts":
                result = alerts.run(args.quick, workers=args.workers)
            elif name == "fleet_ui":
                result = fleet_ui.run(args.quick, full=args.full, workers=args.workers)
            elif name == "slow_readers":
                agents = int(args.levels.split(",")[0]) if args.levels else None
                result = slow_readers.run(
                    args.quick, full=args.full, agents=agents, hold=args.hold, workers=args.workers
                )
            elif name == "workers":
                result = workers.run(
                    args.quick,
                    agents=int(args.levels.split(",")[0]) if args.levels else None,
                    hold=args.hold,
                    hub_workers=args.hub_workers,
                    workers=args.workers,
                )
            else:
                result = agent.run(args.quick)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            report["results"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        result["elapsed_seconds"] = round(time.monotonic() - started, 1)
        report["results"][name] = result
        print(BENCHMARKS[name].render(result), flush=True)
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nresults written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
