"""The top processes by CPU and by resident memory, every `process_interval` (5 s by default).

Ranking needs every process's CPU time and RSS. `psutil.process_iter(["cpu_percent", "memory_info"])`
costs ~150 µs per process here (a Process object, a oneshot context and two /proc files each): 15 ms
every round on an idle 100-process host, more than half the agent's budget at 5 s. So the ranking
reads just `/proc/<pid>/stat` (one file holding utime, stime, starttime and rss) for every process,
~10x cheaper with raw os.open/os.read, and psutil only looks up the names, users and command lines of
the ~20 winners, through `psutil.Process` objects kept across rounds; those rarely change, so they are
cached per (pid, starttime) while the process stays in a top list. The state comes from the same
stat line. CPU percentages are deltas of utime + stime between rounds, keyed by (pid, starttime) so a
recycled pid never inherits another process's time.

Processes of other users the agent may not read (hidepid=2, a container's neighbours) are simply not
seen; the family is reported unavailable only when /proc itself cannot be listed.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import time

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, Cadence, FailureLog

TOP = 10
CMDLINE_MAX = 200
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# pid -> (starttime, utime + stime in clock ticks, rss in pages, state letter)
Stats = dict[int, tuple[int, int, int, bytes]]

# proc(5) state letters, named as psutil names them.
_STATES = {
    b"R": "running",
    b"S": "sleeping",
    b"D": "disk-sleep",
    b"T": "stopped",
    b"t": "tracing-stop",
    b"Z": "zombie",
    b"X": "dead",
    b"x": "dead",
    b"K": "wake-kill",
    b"W": "waking",
    b"P": "parked",
    b"I": "idle",
}


def parse_pid_stat(data: bytes) -> tuple[int, int, int, bytes]:
    """(starttime, utime + stime, rss pages, state) from the text of /proc/<pid>/stat."""
    # The command name may hold spaces and parentheses: the fields start after the last ")".
    fields = data.rpartition(b")")[2].split()
    # fields[0] is field 3 (state) of proc(5): utime 14, stime 15, starttime 22, rss 24.
    return int(fields[19]), int(fields[11]) + int(fields[12]), int(fields[21]), fields[0]


def scan(proc: str = "/proc") -> Stats:
    """Every visible process's CPU time and RSS. Raises OSError when `proc` cannot be listed."""
    stats: Stats = {}
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            # os.open/os.read: no file object per process, half the cost of open().
            fd = os.open(f"{proc}/{name}/stat", os.O_RDONLY)
            try:
                data = os.read(fd, 4096)
            finally:
                os.close(fd)
            stats[int(name)] = parse_pid_stat(data)
        except (OSError, ValueError, IndexError):
            continue  # exited since the listing, or not ours to read
    return stats


def rank(prev: Stats, cur: Stats, top: int = TOP) -> tuple[list[tuple[int, int]], list[int]]:
    """([(pid, cpu ticks over the round)] by CPU, [pid] by RSS), `top` of each, largest first."""
    busy: list[tuple[int, int]] = []
    for pid, (start, ticks, _, _) in cur.items():
        before = prev.get(pid)
        # A process new since the last round spent all its CPU time within this round.
        delta = ticks - before[1] if before is not None and before[0] == start else ticks
        busy.append((max(delta, 0), pid))
    by_cpu = heapq.nlargest(top, busy, key=lambda b: (b[0], cur[b[1]][2]))
    by_memory = heapq.nlargest(top, cur, key=lambda pid: cur[pid][2])
    return [(pid, ticks) for ticks, pid in by_cpu], by_memory


class ProcessCollector:
    def __init__(self, interval: float = 5.0, proc: str = "/proc", top: int = TOP) -> None:
        self.failures = FailureLog("processes")
        self._cadence = Cadence(interval)
        self._proc, self._top = proc, top
        # pid -> (starttime, name, username, cmdline) of the processes in the last top lists
        self._known: dict[int, tuple[int, str, str, str]] = {}
        self._users: dict[int, str] = {}
        self._memory_total = 0
        self._prev: Stats = {}
        self._prev_at = time.monotonic()
        if interval > 0:
            # The first round then has CPU deltas over the time until the first tick.
            self._prev = self._scan() or {}
            self._prev_at = time.monotonic()

    def _scan(self) -> Stats | None:
        try:
            stats = scan(self._proc)
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return None
        self.failures.ok()
        return stats

    def fill(self, sample: agent_pb2.Sample) -> None:
        if not self._cadence.due(sample.ts_ms):
            return
        now = time.monotonic()
        cur = self._scan()
        if cur is None:
            return
        prev, elapsed = self._prev, now - self._prev_at
        self._prev, self._prev_at = cur, now
        if sample.memory.total:
            self._memory_total = sample.memory.total
        elif not self._memory_total:
            self._memory_total = psutil.virtual_memory().total
        by_cpu, by_memory = rank(prev, cur, self._top)
        cpu_of = dict(by_cpu)
        wanted = {pid for pid, _ in by_cpu} | set(by_memory)
        # Forget the processes that left the top lists: the cache stays at most 2 * TOP long.
        self._known = {pid: k for pid, k in self._known.items() if pid in wanted}
        filled: dict[int, agent_pb2.Process] = {}
        for pid in wanted:
            ticks = cpu_of.get(pid)
            if ticks is None:
                before = prev.get(pid)
                ticks = cur[pid][1] - before[1] if before and before[0] == cur[pid][0] else 0
            rss = cur[pid][2] * _PAGE_SIZE
            entry = self._describe(pid, cur[pid][0])
            if entry is None:
                continue
            entry.status = _STATES.get(cur[pid][3], "")
            entry.cpu_percent = round(100.0 * ticks / _CLK_TCK / elapsed, 1) if elapsed > 0 else 0.0
            entry.memory_rss = rss
            if self._memory_total:
                entry.memory_percent = round(100.0 * rss / self._memory_total, 2)
            filled[pid] = entry
        out = sample.processes
        out.SetInParent()
        out.by_cpu.extend(filled[pid] for pid, _ in by_cpu if pid in filled)
        out.by_memory.extend(filled[pid] for pid in by_memory if pid in filled)

    def _describe(self, pid: int, start: int) -> agent_pb2.Process | None:
        known = self._known.get(pid)
        if known is None or known[0] != start:
            try:
                handle = psutil.Process(pid)
                with handle.oneshot():
                    name = handle.name()
                    username = self._username(handle.uids().real)
                    cmdline = ""
                    with contextlib.suppress(psutil.AccessDenied):
                        cmdline = " ".join(handle.cmdline())[:CMDLINE_MAX]
            except psutil.NoSuchProcess:
                self._known.pop(pid, None)
                return None
            except psutil.AccessDenied:
                name, username, cmdline = "", "", ""
            known = self._known[pid] = (start, name, username, cmdline)
        return agent_pb2.Process(pid=pid, name=known[1], username=known[2], cmdline=known[3])

    def _username(self, uid: int) -> str:
        name = self._users.get(uid)
        if name is None:
            import pwd

            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = str(uid)
            if len(self._users) < 1024:
                self._users[uid] = name
        return name
