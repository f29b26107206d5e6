"""Hub cost per sample, this tree against an earlier commit, in the same run on the same machine.

    python -m tests.bench.before_after --rev 706e00d --agents 1000 --hold 30 --repeat 3

The earlier commit is checked out beside this tree (`git worktree`, its protobuf code generated
there) and served by this tree's virtualenv with its sources first on PYTHONPATH. Both hubs run
at once, pinned to the same core; the simulated agents (this tree's) drive one at a time, the
order alternating each repeat, so the machine's drift falls on both alike. Reported: each one's
median hub CPU-µs per stored sample, ack lag p99 and RSS peak, and the ratio this/earlier.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.processes import Hub

from .common import Row, pin, split_cores, table, temp_dir
from .ingest import _level
from .sim import Fleet

ROOT = Path(__file__).resolve().parents[2]
PROTO = "everyst/agent/v1/agent.proto"


def checkout(rev: str, into: Path) -> dict[str, str]:
    """`rev` checked out at `into` with its generated code; the environment that serves it."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), rev], check=True)
    gen = into / "gen"
    gen.mkdir(exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            str(into / "protos"),
            f"--python_out={gen}",
            f"--grpc_python_out={gen}",
            str(into / "protos" / PROTO),
        ],
        check=True,
    )
    for part in ("everyst", "everyst/agent", "everyst/agent/v1"):
        (gen / part / "__init__.py").touch()
    roots = [into / name for name in ("hub", "agent", "gen", "common") if (into / name).is_dir()]
    return {"PYTHONPATH": os.pathsep.join(str(p) for p in roots)}


def _median(levels: list[dict[str, Any]], key: str) -> float | None:
    values = [lv[key] for lv in levels if lv.get(key) is not None]
    return round(statistics.median(values), 1) if values else None


def run(rev: str, agents: int, hold: float, repeat: int, workers: int = 3) -> dict[str, Any]:
    cores = split_cores()
    own = os.sched_getaffinity(0)
    runs: dict[str, list[dict[str, Any]]] = {"this": [], "earlier": []}
    with temp_dir("everyst-bench-before-after-") as tmp:
        env = checkout(rev, tmp / "earlier-src")
        # Both on the product's settings, each migrating its own database: the test hubs' settings
        # module and migrated template are this tree's, which the earlier commit may not know.
        product = {"DJANGO_SETTINGS_MODULE": "everyst_hub.config.settings"}
        hubs = {
            "this": Hub(tmp / "this", extra_env=product),
            "earlier": Hub(tmp / "earlier", extra_env={**env, **product}),
        }
        fleets: dict[str, Fleet] = {}
        try:
            for hub in hubs.values():
                hub.data_dir.mkdir(parents=True)
                hub.manage("setup")
                hub.start(setup=False)
                assert hub.process is not None
                if cores:
                    pin(hub.process.pid, cores[0])
            if cores:
                os.sched_setaffinity(0, cores[1])
            for name, hub in hubs.items():
                fleets[name] = Fleet(hub, workers, cores[1] if cores else None)
            for i in range(repeat):
                order = ["this", "earlier"] if i % 2 == 0 else ["earlier", "this"]
                for name in order:
                    level = _level(hubs[name], fleets[name], agents, hold, 10.0, None, tmp, False)
                    runs[name].append(level)
                    print(
                        f"  run {i + 1} {name}: {level['hub_cpu_us_per_sample']} CPU-µs per stored sample, "
                        f"ack p99 {level['ack_lag_s']['p99']} s, holds {level['holds']}",
                        flush=True,
                    )
        finally:
            for fleet in fleets.values():
                fleet.close()
            for hub in hubs.values():
                hub.stop()
            os.sched_setaffinity(0, own)
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "earlier-src")]
            )
    summary = {
        name: {
            "hub_cpu_us_per_sample": _median(levels, "hub_cpu_us_per_sample"),
            "ack_p99_s": statistics.median(lv["ack_lag_s"]["p99"] or 0 for lv in levels),
            "rss_peak_mib": max((lv["hub_rss"]["rss_peak_mib"] or 0) for lv in levels),
            "holds": all(lv["holds"] for lv in levels),
            "lost": sum(lv["lost"] for lv in levels),
        }
        for name, levels in runs.items()
    }
    this, earlier = summary["this"]["hub_cpu_us_per_sample"], summary["earlier"]["hub_cpu_us_per_sample"]
    return {
        "config": {"rev": rev, "agents": agents, "hold_seconds": hold, "repeat": repeat},
        "summary": summary,
        "ratio": round(this / earlier, 3) if this and earlier else None,
        "runs": {
            name: [{k: v for k, v in lv.items() if k != "profile"} for lv in lvs]
            for name, lvs in runs.items()
        },
    }


def render(result: dict[str, Any]) -> str:
    config, s = result["config"], result["summary"]
    this, earlier = s["this"], s["earlier"]
    ratio = result["ratio"]
    rows = [
        Row(
            "hub CPU-µs per stored sample (median)",
            this["hub_cpu_us_per_sample"],
            earlier["hub_cpu_us_per_sample"],
            ratio,
            "<= 0.5",
            "" if ratio is None else ("PASS" if ratio <= 0.5 else "MISS"),
        ),
        Row("ack lag p99 s (median of runs)", this["ack_p99_s"], earlier["ack_p99_s"]),
        Row("hub RSS peak MiB", this["rss_peak_mib"], earlier["rss_peak_mib"]),
        Row("samples lost", this["lost"], earlier["lost"], "", "0", "PASS" if this["lost"] == 0 else "MISS"),
        Row("every run held (zero loss, ack p99 < 5 s + delay)", str(this["holds"]), str(earlier["holds"])),
    ]
    title = (
        f"Hub cost per sample at {config['agents']} agents, this tree against {config['rev']} "
        f"({config['repeat']} runs of {config['hold_seconds']:g} s each, alternating)"
    )
    return table(title, rows, config["rev"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", required=True, help="the earlier commit, e.g. 706e00d or HEAD~5")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.rev, args.agents, args.hold, args.repeat)
    print(render(result))
    if args.output:
        args.output.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
