"""Failed systemd units, every `slow_interval`, where systemd is PID 1 (/run/systemd/system exists).

How: `systemctl list-units --state=failed --plain --no-legend --no-pager`, started without a shell
and read on a later tick. The alternatives are worse: speaking D-Bus means either a D-Bus library
(native code, several MiB of RSS, for one call every 30 s) or a hand-written D-Bus client; and the
files under /run/systemd/ are an undocumented internal format that does not record "failed". systemctl
is the stable interface systemd documents for scripts, and on a systemd host it is always there.

Running it costs one vfork+exec every 30 s (~10 ms of CPU for systemctl itself). The agent's event
loop never waits for it: the process is started on one tick and collected, without blocking, on a
following tick; if systemd (or D-Bus) hangs, systemctl is killed after `timeout` seconds and the
family reported unavailable, instead of stalling the 1 Hz tick and the stream.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import Cadence, FailureLog

COMMAND = ("list-units", "--state=failed", "--plain", "--no-legend", "--no-pager")
TIMEOUT = 10.0


def parse_failed_units(text: str) -> list[tuple[str, str, str, str, str]]:
    """(name, load, active, sub, description) per line of `systemctl list-units --plain --no-legend`."""
    units = []
    for line in text.splitlines():
        # Old systemd versions put a "●" before units in trouble even with --plain.
        fields = line.strip().lstrip("●* ").split(None, 4)
        if len(fields) >= 4:
            name, load, active, sub = fields[:4]
            units.append((name, load, active, sub, fields[4].strip() if len(fields) > 4 else ""))
    return units


class SystemdCollector:
    def __init__(
        self,
        interval: float = 30.0,
        run_dir: Path = Path("/run/systemd/system"),
        systemctl: str = "systemctl",
        timeout: float = TIMEOUT,
    ) -> None:
        self.failures = FailureLog("systemd")
        self._cadence = Cadence(interval)
        self._run_dir, self._systemctl, self._timeout = run_dir, systemctl, timeout
        self._child: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0

    def fill(self, sample: agent_pb2.Sample) -> None:
        if self._child is not None:
            self._collect(sample)
        if self._cadence.due(sample.ts_ms) and self._child is None:
            self._start()

    def _start(self) -> None:
        if not self._run_dir.is_dir():
            self.failures.absent(f"systemd is not running as PID 1 here ({self._run_dir} is missing)")
            return
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "SYSTEMD_COLORS": "0"}
        try:
            self._child = subprocess.Popen(
                (self._systemctl, *COMMAND),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            self.failures(exc)
            return
        self._started_at = time.monotonic()

    def _collect(self, sample: agent_pb2.Sample) -> None:
        child = self._child
        assert child is not None and child.stdout is not None
        if child.poll() is None:
            if time.monotonic() - self._started_at < self._timeout:
                return
            child.kill()
            child.wait()
            child.stdout.close()
            self._child = None
            self.failures(TimeoutError(f"systemctl did not answer within {self._timeout:g} s"))
            return
        self._child = None
        # The output of a finished child is in the pipe: this read does not wait.
        with child.stdout:
            output = child.stdout.read().decode(errors="replace")
        if child.returncode != 0:
            self.failures(OSError(f"systemctl {' '.join(COMMAND)} exited with status {child.returncode}"))
            return
        self.failures.ok()
        out = sample.failed_units
        out.SetInParent()
        for name, load, active, sub, description in parse_failed_units(output):
            out.units.add(name=name, load=load, active=active, sub=sub, description=description)
