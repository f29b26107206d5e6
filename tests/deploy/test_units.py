"""The systemd units: `systemd-analyze verify` accepts both, and `systemd-analyze security` rates
both "OK" (exposure at most 3.0), the figures the README reports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.deploy import AGENT_UNIT, HUB_UNIT

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is absent")

UNITS = {
    "everyst-agent.service": (AGENT_UNIT, "/opt/everyst-agent"),
    "everyst-hub.service": (HUB_UNIT, "/opt/everyst-hub"),
}


def rendered(name: str, directory: Path) -> Path:
    """The unit as the install script writes it for another prefix: verify checks that ExecStart's
    program exists, so the prefix is one here with a stand-in executable of the same name."""
    unit, prefix = UNITS[name]
    program = directory / "venv" / "bin" / name.removesuffix(".service")
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    path = directory / name
    path.write_text(unit.read_text().replace(prefix, str(directory)))
    return path


@pytest.mark.parametrize("name", sorted(UNITS))
def test_systemd_analyze_verify_accepts_the_unit(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(rendered(name, tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


@pytest.mark.parametrize("name", sorted(UNITS))
def test_systemd_analyze_security_rates_the_unit_ok(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(rendered(name, tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", done.stdout)
    assert match, done.stdout + done.stderr
    exposure, verdict = float(match.group(1)), match.group(2)
    assert exposure <= 3.0 and verdict == "OK", done.stdout


def test_the_agent_keeps_only_cap_net_raw_and_runs_as_everyst() -> None:
    text = AGENT_UNIT.read_text()
    assert "\nUser=everyst\n" in text
    assert "\nCapabilityBoundingSet=CAP_NET_RAW\n" in text and "\nAmbientCapabilities=CAP_NET_RAW\n" in text
