"""History benchmark (issue benchmark d): history query time for 7 days of one host with 100 hosts
of data stored (target p95 < 100 ms), and the storage used per host-day at the default tiers
(target <= 2 MB).

What is stored, in a temporary data dir set up with `everyst-hub setup`, at the DEFAULT tiers:

- 1 Hz samples for the last 2 h of every host: realistic `Sample` protos (2-8 cores, 2 mounts,
  2 disk_io devices, 2-3 interfaces, the top-10 processes every 5 s, values following a daily
  curve plus noise), stored with the real ingest code (`metrics.services.store_batches`),
  second by second across hosts as ingest would.
- Host 0's last 24 h go entirely through the real pipeline: 86,400 samples stored with
  `store_batches`, then `metrics.compactor.Compactor` rolls them into its 15 s, 1 min and 1 h
  rows, then `Compactor.expire` drops the samples older than 2 h.
- Everything else (15 s rows for 7 days, 1 min rows for 30 days, 1 h rows for 365 days of every
  host) is synthesized bucket by bucket from the same per-host signal model (mean and maximum of
  what that bucket's 1 Hz samples would be) and encoded with the real `metrics.rollup.encode`
  (a host's rows repeat after POOL buckets of their tier, other hosts' samples after 10 min);
  rows are written oldest first, all hosts interleaved, as compaction would leave them (no
  expiry churn: a long-running database would also carry a freelist of reused pages).
  Equivalence: the synthesized rows of host 0 must have exactly the series of its
  compactor-made rows, and their encoded size per tier is reported next to the real rows'.

Then, in this process (Django configured against that SQLite file): `history()` over 1 h, 24 h,
7 d and 30 d ending now, 200 runs each over random hosts; then through a running hub
(`everyst-hub serve`) `GET /api/v1/hosts/<id>/history` for 7 d (and 24 h) with HTTP and JSON.
Storage: SQLite's `dbstat` (table + index pages) for each tier, each tier copied in time order,
hosts interleaved (the order ingest and the compactor write in), into a database of its own so
its pages are its alone; per host-day = bytes per row x rows a host writes per day into that
tier. The sample tier's 2 h window is reported per host.

    python -m tests.bench.run --only history [--quick]   # quick: 10 hosts, 1 day
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.processes import Hub

from .common import Row, percentile, table, temp_dir, verdict

HOUR = 3_600_000
DAY = 24 * HOUR
GIB = 1 << 30
MB = 1_000_000
SPANS = {"1h": HOUR, "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
RUNS = 200
# Synthesized rollup rows repeat per host after this many buckets of their tier (6 h of 15 s,
# 1 day of 1 min, 30 days of 1 h): building and encoding every one of ~9 M rows in Python would
# take an hour; size and decoding cost only depend on a row's contents, not on its neighbours.
POOL = {1: 1440, 2: 1440, 3: 720}
SAMPLE_POOL = 600  # other hosts' 1 Hz samples repeat their values every 10 min (new ts each)
REST_SPANS = ("7d", "24h")
TARGET_P95_MS = 100.0
TARGET_HOST_DAY_MB = 2.0
REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- the data model


class Profile:
    """One host: its series (as `metrics.rollup.flatten` names them) and a signal per series.

    A series' level follows a daily curve (`base * (1 + amp * sin(...))`, disks grow slowly);
    every 1 Hz sample adds `noise` (relative, uniform). Rollup buckets are synthesized from the
    same model: mean = level at the bucket's middle plus the noise of a mean of n samples,
    maximum = the highest level in the bucket plus the expected top of n noisy samples.
    """

    def __init__(self, index: int, seed: int) -> None:
        rng = random.Random(seed * 7919 + index)
        self.index = index
        self.cores = rng.randint(2, 8)
        self.mem_total = rng.choice([2, 4, 8, 16, 32]) * GIB
        self.mounts = ["/", rng.choice(["/var/lib/docker", "/data", "/home", "/srv/backup"])]
        self.disk_total = [rng.choice([20, 50, 100]) * GIB, rng.choice([100, 200, 500, 1000]) * GIB]
        self.devices = rng.choice([("vda", "vdb"), ("nvme0n1", "nvme1n1"), ("sda", "sdb")])
        first = rng.choice(["eth0", "ens3", "enp1s0"])
        self.ifaces = [first, "docker0"] + (["wg0"] if rng.random() < 0.5 else [])
        self.swap_total = rng.choice([0, GIB, 2 * GIB])
        self.offset_ms = rng.randint(0, 999)  # collection time within the second
        self.rng = rng
        busy = rng.uniform(3, 60)
        mem_used = self.mem_total * rng.uniform(0.2, 0.7)
        swap_used = self.swap_total * rng.uniform(0.0, 0.2) if rng.random() < 0.3 else 0.0
        # key -> (base, daily amplitude, per-sample noise, phase, growth per ms)
        spec: dict[str, tuple[float, float, float, float, float]] = {}

        def add(key: str, base: float, amp: float = 0.0, noise: float = 0.0, growth: float = 0.0) -> None:
            spec[key] = (base, amp, noise, rng.uniform(0, 2 * math.pi), growth)

        add("cpu", busy, 0.5, 0.6)
        add("cpu.user", busy * 0.7, 0.5, 0.6)
        add("cpu.system", busy * 0.25, 0.5, 0.6)
        add("cpu.iowait", busy * 0.05, 0.5, 0.9)
        add("cpu.steal", 0.0 if rng.random() < 0.7 else rng.uniform(0.05, 1.0), 0.3, 0.9)
        load = busy / 100 * self.cores
        add("load1", load, 0.5, 0.2)
        add("load5", load, 0.5, 0.05)
        add("load15", load, 0.5, 0.02)
        add("mem.used", mem_used, 0.1, 0.002)
        add("mem.available", self.mem_total - mem_used, 0.1, 0.002)
        add("mem.cached", self.mem_total * rng.uniform(0.1, 0.3), 0.05, 0.0005)
        add("mem.buffers", rng.uniform(20, 300) * (1 << 20), 0.05, 0.0001)
        add("mem.percent", 100 * mem_used / self.mem_total, 0.1, 0.002)
        add("swap.used", swap_used)
        add("swap.percent", 100 * swap_used / self.swap_total if self.swap_total else 0.0)
        for i in range(self.cores):
            add(f"core.{i}", busy * rng.uniform(0.5, 1.5), 0.5, 0.8)
        for mount, total in zip(self.mounts, self.disk_total, strict=True):
            used = total * rng.uniform(0.1, 0.5)
            growth = total * 1e-3 / DAY  # 0.1 % of the disk a day
            add(f"disk.{mount}.used", used, 0.0, 0.0, growth)
            add(f"disk.{mount}.percent", 100 * used / total, 0.0, 0.0, 100 * growth / total)
        for device in self.devices:
            add(f"io.{device}.read", rng.uniform(1e3, 5e6), 0.6, 1.0)
            add(f"io.{device}.write", rng.uniform(1e4, 2e7), 0.6, 1.0)
            add(f"io.{device}.busy", rng.uniform(0.1, 20), 0.6, 1.0)
        for iface in self.ifaces:
            scale = 1.0 if iface != "wg0" else 0.05
            add(f"net.{iface}.rx", scale * rng.uniform(1e3, 5e6), 0.6, 0.9)
            add(f"net.{iface}.tx", scale * rng.uniform(1e3, 5e6), 0.6, 0.9)
        self.spec = spec
        # (key, base, amp * cos(phase), amp * sin(phase), noise, growth, capped at 100)
        self.fast = [
            (
                k,
                b,
                a * math.cos(ph),
                a * math.sin(ph),
                nz,
                g,
                k.endswith("percent") or k.startswith(("cpu", "core")),
            )
            for k, (b, a, nz, ph, g) in spec.items()
        ]
        self.processes = [
            (1000 + 37 * i, name, "root" if i % 3 else "www-data")
            for i, name in enumerate(
                [
                    "postgres",
                    "nginx",
                    "python3",
                    "sshd",
                    "systemd",
                    "containerd",
                    "node",
                    "java",
                    "redis",
                    "cron",
                    "dockerd",
                    "journald",
                ]
            )
        ]

    @staticmethod
    def _level(spec: tuple[float, float, float, float, float], ts: int) -> float:
        base, amp, _, phase, growth = spec
        return base * (1 + amp * math.sin(2 * math.pi * (ts % DAY) / DAY + phase)) + growth * (
            ts % (400 * DAY)
        )

    def values(self, ts: int, rng: random.Random) -> dict[str, float]:
        """One 1 Hz sample's series."""
        out = {}
        r = rng.random
        for key, spec in self.spec.items():
            value = self._level(spec, ts) * (1 + spec[2] * (2 * r() - 1))
            out[key] = (
                min(value, 100.0) if key.endswith("percent") or key.startswith(("cpu", "core")) else value
            )
        return out

    def bucket(self, start: int, step: int, n: int, rng: random.Random) -> dict[str, list[float]]:
        """Mean and maximum of n 1 Hz samples over [start, start + step)."""
        out = {}
        gauss, expo = rng.gauss, rng.expovariate
        spread = 0.577 / math.sqrt(n)
        top = 2 / (n + 1)
        angles = []
        for t in (start, start + step // 2, start + step - 1000):
            theta = 2 * math.pi * (t % DAY) / DAY
            angles.append((math.sin(theta), math.cos(theta), t % (400 * DAY)))
        (s0, c0, g0), (s1, c1, g1), (s2, c2, g2) = angles
        for key, base, ac, as_, noise, growth, capped in self.fast:
            level = base * (1 + s1 * ac + c1 * as_) + growth * g1
            if noise:
                high = max(
                    level,
                    base * (1 + s0 * ac + c0 * as_) + growth * g0,
                    base * (1 + s2 * ac + c2 * as_) + growth * g2,
                )
                avg = level * (1 + noise * gauss(0, spread))
                peak = max(avg, high * (1 + noise * max(-1.0, 1 - top * expo(1.0))))
            else:
                avg = level
                peak = max(level, base * (1 + s2 * ac + c2 * as_) + growth * g2)
            if capped:
                avg, peak = min(avg, 100.0), min(peak, 100.0)
            out[key] = [avg, peak]
        return out

    def sample(self, ts_ms: int, tick: int, rng: random.Random) -> Any:
        """A realistic Sample proto whose flattened series are `values(ts)`."""
        from everyst.agent.v1 import agent_pb2

        v = self.values(ts_ms, rng)
        s = agent_pb2.Sample(ts_ms=ts_ms, uptime=864_000.0 + ts_ms / 1000 % 1e6)
        cpu = s.cpu
        cpu.percent, cpu.user, cpu.system = v["cpu"], v["cpu.user"], v["cpu.system"]
        cpu.iowait, cpu.steal, cpu.idle = v["cpu.iowait"], v["cpu.steal"], max(0.0, 100 - v["cpu"])
        cpu.per_core.extend(v[f"core.{i}"] for i in range(self.cores))
        cpu.ctx_switches_ps = 800 * self.cores * (1 + rng.random())
        cpu.interrupts_ps = 400 * self.cores * (1 + rng.random())
        s.load.load1, s.load.load5, s.load.load15 = v["load1"], v["load5"], v["load15"]
        m = s.memory
        m.total, m.used, m.available = self.mem_total, int(v["mem.used"]), int(v["mem.available"])
        m.cached, m.buffers, m.percent = int(v["mem.cached"]), int(v["mem.buffers"]), v["mem.percent"]
        s.swap.total, s.swap.used, s.swap.percent = self.swap_total, int(v["swap.used"]), v["swap.percent"]
        for i, (mount, total) in enumerate(zip(self.mounts, self.disk_total, strict=True)):
            used = int(v[f"disk.{mount}.used"])
            s.disks.add(
                mount=mount,
                device=f"/dev/{self.devices[i]}1",
                fstype="ext4" if i == 0 else "xfs",
                total=total,
                used=used,
                free=total - used,
                percent=v[f"disk.{mount}.percent"],
                inodes_total=total // 16384,
                inodes_used=used // 65536,
                inodes_percent=100 * (used // 65536) / (total // 16384),
            )
        for device in self.devices:
            s.disk_io.add(
                device=device,
                read_bps=v[f"io.{device}.read"],
                write_bps=v[f"io.{device}.write"],
                read_iops=v[f"io.{device}.read"] / 16384,
                write_iops=v[f"io.{device}.write"] / 8192,
                busy_pct=v[f"io.{device}.busy"],
            )
        for iface in self.ifaces:
            rx, tx = v[f"net.{iface}.rx"], v[f"net.{iface}.tx"]
            s.net.add(iface=iface, rx_bps=rx, tx_bps=tx, rx_pps=rx / 900, tx_pps=tx / 700, dropin=self.index)
        if tick % 5 == 0:
            procs = []
            for pid, name, user in self.processes:
                share = rng.random() ** 3
                procs.append(
                    agent_pb2.Process(
                        pid=pid,
                        name=name,
                        username=user,
                        cpu_percent=v["cpu"] * self.cores * share,
                        memory_rss=int(self.mem_total * 0.05 * (0.2 + rng.random())),
                        memory_percent=5 * (0.2 + rng.random()),
                        cmdline=f"/usr/bin/{name} --config /etc/{name}/{name}.conf",
                        status="running" if share > 0.5 else "sleeping",
                    )
                )
            s.processes.by_cpu.extend(sorted(procs, key=lambda p: -p.cpu_percent)[:10])
            s.processes.by_memory.extend(sorted(procs, key=lambda p: -p.memory_rss)[:10])
        return s


# ---------------------------------------------------------------------------- worker (Django side)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everyst_hub.config.settings")
    import django

    django.setup()


def _make_hosts(count: int, seed: int) -> tuple[list[Any], list[Profile]]:
    from everyst_hub.inventory.models import Host

    profiles = [Profile(i, seed) for i in range(count)]
    hosts = [
        Host(
            hostname=f"history-{p.index:03d}",
            machine_id=f"{p.index:032x}",
            os="Debian GNU/Linux 12 (bookworm)",
            kernel="6.1.0-18-amd64",
            arch="x86_64",
            cpu_logical=p.cores,
            cpu_physical=max(1, p.cores // 2),
            memory_total=p.mem_total,
            agent_version="0.1.0",
        )
        for p in profiles
    ]
    Host.objects.bulk_create(hosts)
    return hosts, profiles


def _store_samples(
    hosts: list[Any], profiles: list[Profile], start_s: int, end_s: int, only: int | None, rng: random.Random
) -> int:
    """1 Hz samples over [start_s, end_s) of every host (or of host `only`), through store_batches,
    one minute of all hosts per call (ingest stores second by second across hosts)."""
    from everyst.agent.v1 import agent_pb2
    from everyst_hub.metrics.services import IncomingBatch, store_batches

    chosen = [only] if only is not None else range(len(hosts))
    stored = 0
    for minute in range(start_s, end_s, 60):
        per_host: dict[int, list[Any]] = {i: [] for i in chosen}
        for second in range(minute, min(minute + 60, end_s)):
            for i in chosen:
                p = profiles[i]
                per_host[i].append(p.sample(second * 1000 + p.offset_ms, second, rng))
        batches = [
            IncomingBatch(hosts[i].id, agent_pb2.MetricBatch(seq=minute, samples=samples))
            for i, samples in per_host.items()
        ]
        store_batches(batches)
        stored += sum(len(b.batch.samples) for b in batches)
    return stored


def _write_rollups(
    hosts: list[Any],
    profiles: list[Profile],
    spans: dict[int, tuple[int, int]],
    skip_from: dict[int, int],
    rng: random.Random,
) -> dict[str, Any]:
    """Synthesized rollup rows, oldest first, hour by hour, all hosts and tiers interleaved.

    spans: tier id -> [first bucket, end) in ms; skip_from: host index -> ms from which that host's
    rows come from the real compactor instead."""
    from django.db import connection, transaction
    from everyst_hub.metrics.models import Rollup
    from everyst_hub.metrics.rollup import encode
    from everyst_hub.metrics.tiers import rollup_tiers

    steps = {t.id: t.step_ms for t in rollup_tiers()}
    qn = connection.ops.quote_name
    meta = Rollup._meta
    cols = ", ".join(qn(meta.get_field(f).column) for f in ("host", "tier", "ts", "n", "data"))
    sql = f"INSERT INTO {qn(meta.db_table)} ({cols}) VALUES (%s, %s, %s, %s, %s)"
    keys = [meta.get_field("host").get_db_prep_value(h.id, connection) for h in hosts]
    first = min(lo for lo, _ in spans.values())
    last = max(hi for _, hi in spans.values())
    written = dict.fromkeys(steps, 0)
    encode_s = 0.0
    built = 0
    pool: dict[tuple[int, int, int], bytes] = {}
    started = time.monotonic()
    chunk = DAY
    for day in range(first - first % HOUR, last, chunk):
        rows: list[tuple[Any, int, int, int, bytes]] = []
        for hour in range(day, min(day + chunk, last), HOUR):
            for i, profile in enumerate(profiles):
                stop = skip_from.get(i)
                for tier, (lo, hi) in spans.items():
                    step = steps[tier]
                    n = step // 1000
                    for ts in range(max(hour, lo), min(hour + HOUR, hi), step):
                        if stop is not None and ts >= stop:
                            break
                        slot = (i, tier, ts // step % POOL[tier])
                        data = pool.get(slot)
                        if data is None:
                            series = profile.bucket(ts, step, n, rng)
                            t0 = time.perf_counter()
                            data = pool[slot] = encode(series)
                            encode_s += time.perf_counter() - t0
                            built += 1
                        rows.append((keys[i], tier, ts, n, data))
                        written[tier] += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    return {
        "rows": {str(k): v for k, v in written.items()},
        "seconds": round(time.monotonic() - started, 1),
        "distinct_rows_built": built,
        "encode_us_per_row": round(1e6 * encode_s / max(1, built), 1),
    }


def _query_times(hosts: list[Any], now_ms: int, runs: int, rng: random.Random) -> dict[str, Any]:
    from django.db import reset_queries
    from everyst_hub.metrics.history import history

    out: dict[str, Any] = {}
    for name, span in SPANS.items():
        times: list[float] = []
        tiers: set[str] = set()
        points: list[int] = []
        for _ in range(runs):
            host = rng.choice(hosts)
            end = int(time.time() * 1000)
            t0 = time.perf_counter()
            result = history(host, end - span, end)
            times.append(1000 * (time.perf_counter() - t0))
            tiers.add(result["tier"])
            points.append(sum(1 for c in result["count"] if c))
            reset_queries()
        out[name] = {
            "runs": runs,
            "tier": ",".join(sorted(tiers)),
            "points_with_data_p50": percentile(points, 50),
            "p50_ms": round(percentile(times, 50) or 0, 2),
            "p95_ms": round(percentile(times, 95) or 0, 2),
            "max_ms": round(max(times), 2),
        }
    return out


def _equivalence(host: Any, real_from: int) -> dict[str, Any]:
    """Host 0: compactor-made rows (from real samples) vs synthesized rows, per tier."""
    from django.db.models import Avg, Count, Func
    from everyst_hub.metrics.models import Rollup
    from everyst_hub.metrics.rollup import decode

    class Length(Func):
        function = "LENGTH"

    out: dict[str, Any] = {}
    for tier in (1, 2, 3):
        rows = Rollup.objects.filter(host=host, tier=tier)
        real = rows.filter(ts__gte=real_from).aggregate(n=Count("ts"), size=Avg(Length("data")))
        synth = rows.filter(ts__lt=real_from).aggregate(n=Count("ts"), size=Avg(Length("data")))
        real_row = rows.filter(ts__gte=real_from + HOUR).order_by("ts").first()
        synth_row = rows.filter(ts__lt=real_from).order_by("-ts").first()
        same_series = (
            None
            if real_row is None or synth_row is None
            else sorted(decode(real_row.data)) == sorted(decode(synth_row.data))
        )
        out[str(tier)] = {
            "compactor_rows": real["n"],
            "compactor_bytes_per_row": round(real["size"] or 0, 1),
            "synthesized_rows": synth["n"],
            "synthesized_bytes_per_row": round(synth["size"] or 0, 1),
            "same_series": same_series,
        }
        if real_row is not None and synth_row is not None:
            a, b = decode(real_row.data), decode(synth_row.data)
            out[str(tier)]["cpu_real_vs_synth"] = [a["cpu"], b["cpu"]]
    return out


def _dbstat(path: Path, names: list[str]) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        db.close()
    sizes = dict(rows)
    return {name: int(sizes.get(name, 0)) for name in names}


def _storage(db_path: Path, hosts: int, tmp: Path) -> dict[str, Any]:
    from everyst_hub.metrics.tiers import recent_tier, rollup_tiers

    db = sqlite3.connect(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    schema = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'metrics_rollup' AND sql IS NOT NULL"
    ).fetchall()
    sample_names = [
        r[0]
        for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'metrics_sample'").fetchall()
    ]
    (page_count,) = db.execute("PRAGMA page_count").fetchone()
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    (freelist,) = db.execute("PRAGMA freelist_count").fetchone()
    (samples,) = db.execute("SELECT COUNT(*) FROM metrics_sample").fetchone()
    (sample_blob,) = db.execute("SELECT AVG(LENGTH(data)) FROM metrics_sample").fetchone()
    db.close()
    rollup_names = [name for _, name, _ in schema] + [
        n for n in _all_index_names(db_path, "metrics_rollup") if n not in {name for _, name, _ in schema}
    ]
    whole = _dbstat(db_path, sample_names + rollup_names)
    sample_bytes = sum(whole[n] for n in sample_names)
    recent = recent_tier()
    out: dict[str, Any] = {
        "file_bytes": db_path.stat().st_size,
        "page_size": page_size,
        "pages": page_count,
        "freelist_pages": freelist,
        "samples": {
            "rows": samples,
            "bytes": sample_bytes,
            "bytes_per_row": round(sample_bytes / max(1, samples), 1),
            "blob_bytes_per_row": round(sample_blob or 0, 1),
            "per_host_window_mb": round(sample_bytes / hosts / MB, 3),
            "window_hours": recent.retention_ms / HOUR,
        },
        "rollup_table_and_index_bytes": sum(whole[n] for n in rollup_names),
        "tiers": {},
    }
    total_day = 0.0
    for tier in rollup_tiers():
        copy = tmp / f"tier{tier.id}.sqlite3"
        copy.unlink(missing_ok=True)
        t = sqlite3.connect(copy)
        for _kind, _, sql in sorted(schema, key=lambda r: r[0] != "table"):
            t.execute(sql)
        t.execute("ATTACH DATABASE ? AS src", (str(db_path),))
        t.execute(
            "INSERT INTO metrics_rollup SELECT * FROM src.metrics_rollup WHERE tier = ? ORDER BY ts, host_id",
            (tier.id,),
        )
        t.commit()
        (rows,) = t.execute("SELECT COUNT(*) FROM metrics_rollup").fetchone()
        (blob,) = t.execute("SELECT AVG(LENGTH(data)) FROM metrics_rollup").fetchone()
        t.close()
        sizes = _dbstat(copy, [n for n in rollup_names])
        copy.unlink()
        size = sum(sizes.values())
        per_row = size / max(1, rows)
        rows_per_host_day = DAY / tier.step_ms
        per_host_day = per_row * rows_per_host_day
        total_day += per_host_day
        out["tiers"][tier.name] = {
            "rows": rows,
            "bytes": size,
            "table_bytes": sizes.get("metrics_rollup", 0),
            "index_bytes": size - sizes.get("metrics_rollup", 0),
            "bytes_per_row": round(per_row, 1),
            "blob_bytes_per_row": round(blob or 0, 1),
            "rows_per_host_day": rows_per_host_day,
            "per_host_day_mb": round(per_host_day / MB, 3),
            "retention_days": tier.retention_ms / DAY,
            "steady_state_per_host_mb": round(per_host_day * tier.retention_ms / DAY / MB, 2),
        }
    out["per_host_day_mb"] = round(total_day / MB, 3)
    out["steady_state_per_host_mb"] = round(
        sum(t["steady_state_per_host_mb"] for t in out["tiers"].values())
        + out["samples"]["per_host_window_mb"],
        2,
    )
    return out


def _all_index_names(db_path: Path, table_name: str) -> list[str]:
    db = sqlite3.connect(db_path)
    try:
        return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = ?", (table_name,))]
    finally:
        db.close()


def worker(args: argparse.Namespace) -> dict[str, Any]:
    _setup_django()
    from django.conf import settings
    from django.db import connection
    from everyst_hub.metrics.compactor import Compactor
    from everyst_hub.metrics.tiers import recent_tier, rollup_tiers

    rng = random.Random(args.seed)
    result: dict[str, Any] = {"hosts": args.hosts, "days": args.days}
    started = time.monotonic()
    now = int(time.time() * 1000)
    now -= now % 1000
    hosts, profiles = _make_hosts(args.hosts, args.seed)
    result["host_ids"] = [str(h.id) for h in hosts]
    # Host 0: its last day (half the history in a quick run) through the real pipeline.
    real_from = now - now % HOUR - int(min(DAY, args.days * DAY / 2))
    real_from -= real_from % HOUR
    spans: dict[int, tuple[int, int]] = {}
    for tier in rollup_tiers():
        days = min(args.days, tier.retention_ms / DAY)
        lo = now - int(days * DAY)
        lo -= lo % tier.step_ms
        hi = now - now % tier.step_ms  # the bucket in progress is not rolled yet
        spans[tier.id] = (lo, hi)
    result["spans_days"] = {str(k): round((hi - lo) / DAY, 2) for k, (lo, hi) in spans.items()}
    print(f"history: writing rollups for {args.hosts} hosts ...", flush=True)
    result["synthesized"] = _write_rollups(hosts, profiles, spans, {0: real_from}, rng)
    print(f"history: {result['synthesized']}", flush=True)

    # Host 0's last day: 1 Hz samples through store_batches, rolled by the real Compactor.
    t0 = time.monotonic()
    stored = _store_samples(hosts, profiles, real_from // 1000, now // 1000, 0, rng)
    compactor = Compactor()
    sample_ts = [s * 1000 + profiles[0].offset_ms for s in range(real_from // 1000, now // 1000)]
    compactor.mark(hosts[0].id, sample_ts)
    rounds = 0
    while compactor.compact_once(now_ms=now) and rounds < 5:
        rounds += 1
    compactor.expire(now)
    result["compactor_day"] = {
        "samples": stored,
        "rounds": rounds,
        "seconds": round(time.monotonic() - t0, 1),
    }
    result["equivalence"] = _equivalence(hosts[0], real_from)
    print(f"history: compactor day {result['compactor_day']}", flush=True)

    # Every other host's recent window of 1 Hz samples (host 0 has its own from above).
    t0 = time.monotonic()
    window = recent_tier().retention_ms
    result["samples_stored"] = 0
    others = list(range(1, args.hosts))
    if others:
        from everyst.agent.v1 import agent_pb2
        from everyst_hub.metrics.services import IncomingBatch, store_batches

        pools: dict[int, list[Any]] = {}
        for minute in range((now - window) // 1000, now // 1000, 60):
            batches = []
            for i in others:
                p = profiles[i]
                pool = pools.setdefault(i, [])
                samples = []
                for s in range(minute, min(minute + 60, now // 1000)):
                    if len(pool) < SAMPLE_POOL:
                        pool.append(p.sample(s * 1000 + p.offset_ms, s, rng))
                    sample = agent_pb2.Sample()
                    sample.CopyFrom(pool[s % SAMPLE_POOL] if len(pool) == SAMPLE_POOL else pool[-1])
                    sample.ts_ms = s * 1000 + p.offset_ms
                    samples.append(sample)
                batches.append(IncomingBatch(hosts[i].id, agent_pb2.MetricBatch(seq=minute, samples=samples)))
            store_batches(batches)
            result["samples_stored"] += sum(len(b.batch.samples) for b in batches)
    result["samples_seconds"] = round(time.monotonic() - t0, 1)
    result["generate_seconds"] = round(time.monotonic() - started, 1)
    print(f"history: samples stored in {result['samples_seconds']} s", flush=True)

    result["query"] = _query_times(hosts, now, args.runs, rng)
    print(f"history: in-process queries {json.dumps(result['query'])}", flush=True)
    connection.close()
    db_path = Path(settings.DATABASES["default"]["NAME"])
    result["storage"] = _storage(db_path, args.hosts, Path(args.out).parent)
    return result


# ---------------------------------------------------------------------------- driver


def _rest_times(hub: Hub, host_ids: list[str], runs: int, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    token, issued = hub.login(), time.monotonic()
    for name in REST_SPANS:
        times: list[float] = []
        sizes: list[int] = []
        for _ in range(runs):
            if time.monotonic() - issued > 240:  # access tokens live 5 min
                token, issued = hub.login(), time.monotonic()
            end = int(time.time() * 1000)
            url = f"{hub.url}/api/v1/hosts/{rng.choice(host_ids)}/history?start={end - SPANS[name]}&end={end}"
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                body = response.read()
            times.append(1000 * (time.perf_counter() - t0))
            sizes.append(len(body))
        out[name] = {
            "runs": runs,
            "p50_ms": round(percentile(times, 50) or 0, 2),
            "p95_ms": round(percentile(times, 95) or 0, 2),
            "max_ms": round(max(times), 2),
            "response_kib_p50": round((percentile(sizes, 50) or 0) / 1024, 1),
        }
    return out


def run(quick: bool, runs: int = RUNS) -> dict[str, Any]:
    hosts, days = (10, 1) if quick else (100, 365)
    with temp_dir("everyst-bench-history-") as tmp:
        hub = Hub(tmp / "hub")
        hub.data_dir.mkdir(parents=True)
        hub.manage("setup")
        out = tmp / "worker.json"
        command = [
            sys.executable,
            "-m",
            "tests.bench.history",
            "--worker",
            "--out",
            str(out),
            "--hosts",
            str(hosts),
            "--days",
            str(days),
            "--runs",
            str(runs),
        ]
        subprocess.run(command, env=hub.env(), cwd=REPO, check=True, timeout=4 * 3600)
        result = json.loads(out.read_text())
        hub.start(setup=False)
        try:
            result["rest"] = _rest_times(hub, result["host_ids"], runs, random.Random(7))
        finally:
            hub.stop()
    result.pop("host_ids", None)
    result["quick"] = quick
    return result


def render(result: dict[str, Any]) -> str:
    q, rest, st = result["query"], result.get("rest", {}), result["storage"]
    rows = []
    for name, figures in q.items():
        target = f"p95 < {TARGET_P95_MS:.0f} ms" if name == "7d" else ""
        rows.append(
            Row(
                f"history() {name} ({figures['tier']} tier)",
                f"p50 {figures['p50_ms']} / p95 {figures['p95_ms']} / max {figures['max_ms']} ms",
                target=target,
                verdict=verdict(figures["p95_ms"] < TARGET_P95_MS) if target else "",
            )
        )
    for name, figures in rest.items():
        target = f"p95 < {TARGET_P95_MS:.0f} ms" if name == "7d" else ""
        rows.append(
            Row(
                f"GET …/history {name} over HTTP",
                f"p50 {figures['p50_ms']} / p95 {figures['p95_ms']} / max {figures['max_ms']} ms "
                f"({figures['response_kib_p50']} KiB)",
                target=target,
                verdict=verdict(figures["p95_ms"] < TARGET_P95_MS) if target else "",
            )
        )
    for name, tier in st["tiers"].items():
        rows.append(
            Row(
                f"storage {name} tier per host-day",
                f"{tier['per_host_day_mb']} MB ({tier['bytes_per_row']} B/row, "
                f"blob {tier['blob_bytes_per_row']} B, {tier['rows_per_host_day']:.0f} rows)",
            )
        )
    rows.append(
        Row(
            "storage per host-day, all rollup tiers",
            f"{st['per_host_day_mb']} MB",
            target=f"<= {TARGET_HOST_DAY_MB} MB",
            verdict=verdict(st["per_host_day_mb"] <= TARGET_HOST_DAY_MB),
        )
    )
    s = st["samples"]
    rows.append(
        Row(
            f"1 Hz samples, {s['window_hours']:.0f} h window per host",
            f"{s['per_host_window_mb']} MB ({s['bytes_per_row']} B/sample)",
        )
    )
    rows.append(Row("steady state per host (all tiers + samples)", f"{st['steady_state_per_host_mb']} MB"))
    title = f"history: {result['hosts']} hosts, {result['days']} days at the default tiers"
    extra = [
        "",
        f"  generated in {result['generate_seconds']} s; rollup rows {result['synthesized']['rows']}; "
        f"encode {result['synthesized']['encode_us_per_row']} µs/row; "
        f"database {st['file_bytes'] / MB:.0f} MB",
        f"  host 0's last day through store_batches + Compactor: {result['compactor_day']}",
    ]
    for tier, eq in result["equivalence"].items():
        extra.append(
            f"  tier {tier}: compactor {eq['compactor_rows']} rows × {eq['compactor_bytes_per_row']} B, "
            f"synthesized {eq['synthesized_rows']} rows × {eq['synthesized_bytes_per_row']} B, "
            f"same series: {eq['same_series']}"
        )
    return table(title, rows, "peer") + "\n".join(extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.history")
    parser.add_argument("--worker", action="store_true", help="internal: generate and measure in-process")
    parser.add_argument("--out", default="")
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.worker:
        result = worker(args)
        Path(args.out).write_text(json.dumps(result, indent=2, default=str))
        return 0
    print(render(run(args.quick, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
