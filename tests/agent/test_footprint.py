"""The daemon's memory footprint: what a running `everyst-agent run` has imported, and the CLI
changes made to keep it small behave exactly like the stock ones."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

import pytest
from everyst_agent import cli
from everyst_agent.tools.registry import TOOL_NAMES

from tests.agent.test_cli import streaming_agent, write_config

# Each of these costs RSS for as long as the daemon runs and none is needed to collect and stream:
# grpcio's core is ~12 MiB, shutil pulls in bz2 and lzma (~0.7 MiB), hashlib its OpenSSL
# bindings (~0.7 MiB), scapy tens of MiB; the network tools are imported when the hub first asks
# for one (tools/registry.py).
NOT_IN_THE_DAEMON = (
    "grpc",  # grpcio's native core (~12 MiB resident): the agent speaks gRPC with grpclib
    "shutil",
    "bz2",
    "lzma",
    "hashlib",
    "_hashlib",
    "tempfile",
    "urllib.request",
    "scapy",
    "netaddr",
    *(f"everyst_agent.tools.{name}" for name in TOOL_NAMES),
)

# Runs the daemon as `python -m everyst_agent run` would, and prints its modules when it exits.
DAEMON = """
import atexit, json, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["everyst-agent", "run", "--config", sys.argv[1]]
from everyst_agent.cli import main
raise SystemExit(main())
"""


async def test_a_streaming_daemon_has_not_imported_what_it_does_not_need(fake_hub, tmp_path):
    hub, port = fake_hub
    config = write_config(tmp_path, port, enroll_token="good-token")
    async with streaming_agent(hub, "-c", DAEMON, str(config)) as proc:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, err.decode()
    line = next(line for line in err.decode().splitlines() if line.startswith("MODULES "))
    modules = set(json.loads(line.removeprefix("MODULES ")))
    assert "grpclib.client" in modules and "everyst_agent.run_loop" in modules
    loaded = sorted(m for m in modules for name in NOT_IN_THE_DAEMON if m == name or m.startswith(name + "."))
    assert loaded == []


def _all_help(parser: argparse.ArgumentParser) -> list[str]:
    texts = [parser.format_help(), parser.format_usage()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                texts += [sub.format_help(), sub.format_usage()]
    return texts


@pytest.mark.parametrize("columns", [None, "50", "200", "0", "wide"])
def test_help_is_laid_out_as_argparse_lays_it_out(monkeypatch, columns):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    ours = _all_help(cli.build_parser())
    monkeypatch.setattr(cli, "_HelpFormatter", argparse.HelpFormatter)
    assert ours == _all_help(cli.build_parser())


def test_help_still_fits_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = cli.build_parser().format_help()
    assert max(len(line) for line in narrow.splitlines()) <= 40
