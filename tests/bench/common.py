"""Shared helpers for the benchmarks: /proc readings, percentiles, tables, py-spy profiles."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")
PY_SPY = Path(sys.executable).parent / "py-spy"


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name may contain spaces: split after its closing parenthesis.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid: int, key: str) -> int:
    """A `VmRSS:` / `VmHWM:` style line of /proc/<pid>/status, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


def core_busy() -> dict[int, tuple[float, float]]:
    """(busy, total) jiffies of each CPU since boot, from /proc/stat."""
    cores: dict[int, tuple[float, float]] = {}
    with open("/proc/stat") as f:
        for line in f:
            name, *rest = line.split()
            if not name.startswith("cpu") or name == "cpu":
                if cores:
                    break
                continue
            values = [int(v) for v in rest]
            idle = values[3] + values[4]
            cores[int(name[3:])] = (float(sum(values) - idle), float(sum(values)))
    return cores


# ---------------------------------------------------------------------------- CPU pinning


def split_cores() -> tuple[list[int], list[int]] | None:
    """Cores for the hub and for the simulated agents (the first core, and the others), or None
    with fewer than two cores to run on."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    return cores[:1], cores[1:]


def pin(pid: int, cores: Sequence[int]) -> None:
    """Pin every thread of a process (threads started later inherit their creator's cores)."""
    for _ in range(2):  # a thread started while the first pass ran is caught by the second
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(ProcessLookupError, FileNotFoundError):
                os.sched_setaffinity(int(task), set(cores))


def pinned_to(pid: int) -> list[int]:
    """The cores any thread of a process may run on."""
    allowed: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError, FileNotFoundError):
            allowed |= os.sched_getaffinity(int(task))
    return sorted(allowed)


class CpuWindow:
    """CPU use of some processes and of the whole machine between start() and stop()."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._start: dict[str, float] = {}
        self._machine: tuple[float, float] = (0.0, 0.0)
        self._cores: dict[int, tuple[float, float]] = {}
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._machine = machine_busy()
        self._cores = core_busy()

    def stop(self) -> dict[str, Any]:
        elapsed = time.monotonic() - self._t0
        result: dict[str, Any] = {"seconds": round(elapsed, 2)}
        for name, pid in self.pids.items():
            used = cpu_seconds(pid) - self._start[name]
            result[name] = {"cpu_seconds": round(used, 3), "cpu_pct_of_core": round(100 * used / elapsed, 2)}
        busy, total = machine_busy()
        result["machine_busy_pct"] = round(
            100 * (busy - self._machine[0]) / max(1.0, total - self._machine[1]), 1
        )
        result["cores_busy_pct"] = {
            core: round(100 * (b - self._cores[core][0]) / max(1.0, t - self._cores[core][1]), 1)
            for core, (b, t) in core_busy().items()
            if core in self._cores
        }
        return result


class RssSampler:
    """Average and peak RSS of processes, sampled when `sample()` is called (about once a second)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.samples: dict[str, list[int]] = {name: [] for name in pids}

    def sample(self) -> None:
        for name, pid in self.pids.items():
            with contextlib.suppress(OSError, KeyError):
                self.samples[name].append(status_kib(pid, "VmRSS"))

    def result(self) -> dict[str, dict[str, float | None]]:
        out: dict[str, dict[str, float | None]] = {}
        for name, pid in self.pids.items():
            values = self.samples[name]
            try:
                hwm: float | None = round(status_kib(pid, "VmHWM") / 1024, 1)
            except (OSError, KeyError):
                hwm = None
            out[name] = {
                "rss_avg_mib": round(sum(values) / len(values) / 1024, 1) if values else None,
                "rss_max_sampled_mib": round(max(values) / 1024, 1) if values else None,
                "rss_peak_mib": hwm,
            }
        return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted values; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def summary(values: Sequence[float], scale: float = 1.0, digits: int = 3) -> dict[str, float | int | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v * scale, digits)

    return {
        "count": len(values),
        "p50": r(percentile(values, 50)),
        "p99": r(percentile(values, 99)),
        "max": r(max(values) if values else None),
    }


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sleep_until(wall_time: float) -> None:
    delay = wall_time - time.time()
    if delay > 0:
        time.sleep(delay)


# ---------------------------------------------------------------------------- profiles


class Profile:
    """`py-spy record` of a process for a while, in the background (no-op if py-spy is absent)."""

    def __init__(self, pid: int, seconds: int, out_dir: Path, rate: int = 50) -> None:
        self.available = PY_SPY.exists() or shutil.which("py-spy") is not None
        self.path = out_dir / f"py-spy-{pid}-{int(time.time())}.txt"
        self.process: subprocess.Popen[bytes] | None = None
        self.error = ""
        if not self.available:
            self.error = "py-spy is not installed (pip install py-spy)"
            return
        binary = str(PY_SPY) if PY_SPY.exists() else "py-spy"
        command = [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(self.path),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def result(self, top: int = 12, timeout: float = 60) -> dict[str, Any]:
        if self.process is None:
            return {"error": self.error}
        try:
            _, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            return {"error": "py-spy did not finish"}
        if not self.path.exists():
            return {"error": f"py-spy failed: {err.decode(errors='replace').strip()[-300:]}"}
        return top_functions(self.path.read_text(errors="replace"), top)


def _frame_name(frame: str) -> str:
    """`handle (django/core/handlers/base.py:181)` -> `handle (django/core/handlers/base.py)`."""
    name, _, location = frame.partition(" (")
    location = location.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in location:
            location = location.split(marker, 1)[1]
    return f"{name} ({location})" if location else name


def top_functions(raw: str, top: int) -> dict[str, Any]:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for name in set(frames):
            inclusive[name] = inclusive.get(name, 0) + count

    def ranked(table: dict[str, int]) -> list[list[Any]]:
        best = sorted(table.items(), key=lambda kv: kv[1], reverse=True)[:top]
        return [[name, round(100 * n / total, 1)] for name, n in best]

    return {"samples": total, "self": ranked(own), "inclusive": ranked(inclusive)}


def render_profile(profile: dict[str, Any] | None, indent: str = "    ") -> list[str]:
    if not profile:
        return []
    if "error" in profile:
        return [f"{indent}profile: {profile['error']}"]
    lines = [f"{indent}py-spy: {profile['samples']} samples of busy hub threads; top by own time:"]
    lines += [f"{indent}  {pct:5.1f}%  {name}" for name, pct in profile["self"]]
    lines.append(f"{indent}top by inclusive time:")
    lines += [f"{indent}  {pct:5.1f}%  {name}" for name, pct in profile["inclusive"][:8]]
    return lines


# ---------------------------------------------------------------------------- tables


@dataclass
class Row:
    metric: str
    everyst: Any
    peer: Any = ""
    ratio: Any = ""
    target: str = ""
    verdict: str = ""


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, rows: Sequence[Row], peer_name: str) -> str:
    header = ["metric", "everyst", peer_name, "ratio", "target", ""]
    body = [[r.metric, fmt(r.everyst), fmt(r.peer), fmt(r.ratio), r.target, r.verdict] for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    out = [title, "-" * len(title)]
    for line in [header, *body]:
        out.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
    return "\n".join(out)


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


# ---------------------------------------------------------------------------- hub-side checks


def count_stored(db_path: Path, since_ms: int, until_ms: int) -> dict[str, Any]:
    """Sample rows with since_ms <= ts < until_ms, read straight from the hub's SQLite file.

    Storage layout changes (rollup tiers), so the table is looked up rather than assumed: the
    raw-sample table `metrics_sample` if present, else any `*sample*` table with host_id and ts.
    """
    import sqlite3

    if not db_path.exists():
        return {"stored": None, "table": None, "note": f"{db_path} not found"}
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        candidates = ["metrics_sample"] if "metrics_sample" in tables else []
        for name in sorted(tables):
            if "sample" in name and name not in candidates:
                columns = {row[1] for row in db.execute(f'PRAGMA table_info("{name}")')}
                if {"host_id", "ts"} <= columns:
                    candidates.append(name)
        if not candidates:
            return {"stored": None, "table": None, "note": "no sample table found"}
        table_name = candidates[0]
        (count,) = db.execute(
            f'SELECT COUNT(*) FROM "{table_name}" WHERE ts >= ? AND ts < ?', (since_ms, until_ms)
        ).fetchone()
        return {"stored": int(count), "table": table_name}
    finally:
        db.close()


def latest_check(hub: Any, last_acked_ts: dict[str, int]) -> dict[str, Any]:
    """Cross-check over REST: every host's latest sample is at least its last acked one."""
    import json
    import urllib.request

    try:
        token = hub.login()
        request = urllib.request.Request(
            f"{hub.url}/api/v1/hosts", headers={"Authorization": f"Bearer {token}"}
        )
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=120) as response:
            hosts = json.load(response)
        seconds = time.monotonic() - started
    except Exception as exc:  # reported, not fatal: the ack counts stand on their own
        return {"error": f"{type(exc).__name__}: {exc}"}
    latest = {h["id"]: (h.get("latest") or {}).get("ts", 0) for h in hosts}
    behind = [host for host, ts in last_acked_ts.items() if latest.get(host, 0) < ts]
    return {
        "hosts_checked": len(last_acked_ts),
        "hosts_behind": len(behind),
        "hosts_api_seconds": round(seconds, 2),
    }
