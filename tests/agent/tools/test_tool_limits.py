"""What a job may ask for and how the tools keep to it: nmap's top-N port lists, the scan rate, the
per-job host and port limits of the agent's configuration, and capture's time limit and filter check.
Scans in this process go to 127.0.0.1 only; the rest runs in the namespace lab."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from typing import Any

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.tools.base import has_net_raw
from everyst_agent.tools.runner import ToolRunner
from everyst_agent.tools.scope import Scope
from everyst_common.top_ports import TOP_PORTS

from tests.agent.conftest import make_config, wait_for
from tests.agent.tools.conftest import OPEN_PORTS, final, rows

Event = agent_pb2.ToolEvent


class Jobs:
    """A ToolRunner in this process and the events of its jobs, by job id."""

    def __init__(self, runner: ToolRunner | None = None) -> None:
        self.events: list[agent_pb2.ToolEvent] = []
        self.runner = runner or ToolRunner(self.emit, Scope())

    async def emit(self, event: agent_pb2.ToolEvent) -> None:
        self.events.append(event)

    def start(self, job_id: str, tool: str, **params: Any) -> None:
        self.runner.handle(
            agent_pb2.ToolCommand(
                job_id=job_id, action=agent_pb2.ToolCommand.RUN, tool=tool, params_json=json.dumps(params)
            )
        )

    def of(self, job_id: str) -> list[agent_pb2.ToolEvent]:
        return [e for e in self.events if e.job_id == job_id]

    def ended(self, job_id: str) -> agent_pb2.ToolEvent | None:
        terminal = (Event.FINISHED, Event.FAILED, Event.CANCELLED)
        return next((e for e in self.of(job_id) if e.kind in terminal), None)

    async def finish(self, *job_ids: str, timeout: float = 20) -> None:
        await wait_for(lambda: all(self.ended(j) for j in job_ids), timeout=timeout, what=", ".join(job_ids))


# ---------------------------------------------------------------------------- top-N port lists


def nmap_top_ports(lab: Any, n: int) -> list[int]:
    """The ports `nmap --top-ports n` scans, from its XML scaninfo (no target given: nothing is sent)."""
    done = lab.run(lab.scanner, ["nmap", "--top-ports", str(n), "-oX", "-"])
    services = re.search(r'<scaninfo [^>]*services="([^"]+)"', done.stdout)
    assert services, done.stdout + done.stderr
    ports: list[int] = []
    for part in services.group(1).split(","):
        low, _, high = part.partition("-")
        ports += range(int(low), int(high or low) + 1)
    return sorted(ports)


def test_top_ports_are_nmap_s_ranked_lists(lab):
    for n in (1, 10, 100, 1000):
        assert sorted(TOP_PORTS[:n]) == nmap_top_ports(lab, n), n
    assert TOP_PORTS[:5] == (80, 23, 443, 21, 22)  # ranked by frequency, not sorted by number


def test_a_top_ports_scan_scans_exactly_that_list(lab):
    top = set(nmap_top_ports(lab, 100))
    events = lab.tool("port_scan", {"target": lab.host_ips[:3], "top_ports": 100, "method": "connect"})
    summary = final(events)["payload"]
    expected = {lab.host_ip(i): sorted(top & set(OPEN_PORTS[i])) for i in (1, 2, 3)}

    # The lab has open ports on both sides of the list, so scanning the wrong ports shows.
    assert any(expected.values()) and any(set(OPEN_PORTS[i]) - top for i in (1, 2, 3))
    assert summary["ports_scanned"] == 100
    assert {h: s["open"] for h, s in summary["hosts"].items()} == expected
    assert {h: s["closed"] for h, s in summary["hosts"].items()} == {
        h: 100 - len(p) for h, p in expected.items()
    }


# ---------------------------------------------------------------------------- rate


@pytest.mark.parametrize("method", ["connect", "syn"])
async def test_a_paced_scan_takes_at_least_ports_over_rate_seconds(method):
    if method == "syn" and not has_net_raw():
        pytest.skip("a SYN scan needs CAP_NET_RAW")
    jobs = Jobs()
    ports, rate = 200, 250.0
    started = time.monotonic()
    jobs.start(
        "paced", "port_scan", target="127.0.0.1", ports=f"40001-{40000 + ports}", method=method, rate=rate
    )
    await jobs.finish("paced")
    took = time.monotonic() - started
    end = jobs.ended("paced")
    summary = json.loads(end.payload_json)

    assert end.kind == Event.FINISHED, end.message
    assert summary["method"] == method
    assert summary["open"] + summary["closed"] + summary["filtered"] == ports
    # The first probe goes at once, then one each 1/rate s (the connect scan may catch up 10 ms).
    least = (ports - 1) / rate - 0.011
    assert summary["elapsed"] >= least
    assert took >= least


# ---------------------------------------------------------------------------- per-job limits


async def test_jobs_beyond_max_hosts_or_max_ports_per_job_are_refused_with_the_limit_named(tmp_path):
    config = make_config(tmp_path, 1, max_hosts_per_job=4, max_ports_per_job=100)
    jobs = Jobs()
    jobs.runner = ToolRunner.from_config(config, jobs.emit)
    five = [f"127.0.0.{i}" for i in range(1, 6)]
    jobs.start("ports", "port_scan", target="127.0.0.1", ports="1-101")
    jobs.start("top", "port_scan", target="127.0.0.1", top_ports=150)
    jobs.start("services", "services", target="127.0.0.1", ports="1-50,60-120")
    jobs.start("cidr", "port_scan", target="127.0.0.0/29", ports="22")
    jobs.start("list", "ping", target=five, count=1)
    jobs.start("fits", "port_scan", target="127.0.0.1", ports="1-100", method="connect")
    await jobs.finish("ports", "top", "services", "cidr", "list", "fits")

    def refused(job: str) -> tuple[list[int], str]:
        return [e.kind for e in jobs.of(job)], jobs.ended(job).message

    per_job = "per job (max_ports_per_job)"
    # Ports are counted when the tool starts, before it opens a socket; hosts before it starts.
    assert refused("ports") == (
        [Event.STARTED, Event.FAILED],
        f"101 ports asked; this agent scans at most 100 {per_job}",
    )
    assert refused("top") == (
        [Event.STARTED, Event.FAILED],
        f"150 ports asked; this agent scans at most 100 {per_job}",
    )
    assert refused("services") == (
        [Event.STARTED, Event.FAILED],
        f"111 ports asked; this agent scans at most 100 {per_job}",
    )
    assert refused("cidr") == (
        [Event.FAILED],
        "127.0.0.0/29 has 6 addresses; this agent scans at most 4 hosts per job (max_hosts_per_job)",
    )
    assert refused("list") == ([Event.FAILED], "more than 4 hosts in one job (max_hosts_per_job)")
    fits = jobs.ended("fits")
    assert fits.kind == Event.FINISHED, fits.message
    assert json.loads(fits.payload_json)["ports_scanned"] == 100


# ---------------------------------------------------------------------------- capture


def test_capture_stops_at_its_time_limit_and_says_so(lab):
    from scapy.utils import rdpcap

    session = lab.tool_session()
    try:
        session.send(
            "cap",
            "capture",
            {"interface": "eth0", "filter": f"icmp and host {lab.host_ip(2)}", "count": 100, "seconds": 3.0},
        )
        session.wait_for(lambda e: e["job_id"] == "cap" and e["message"].startswith("capturing"))
        session.send("ping", "ping", {"target": lab.host_ip(2), "count": 2, "interval": 0.1})
        # The ping's four packets all fall well inside the capture's three seconds.
        session.wait_for(lambda e: e["job_id"] == "ping" and e["kind"] == "FINISHED")
        assert not any(e["job_id"] == "cap" and e["kind"] == "FINISHED" for e in session.events)
        events = session.finish()
    finally:
        session.process.kill()
    capture = [e for e in events if e["job_id"] == "cap"]
    done = final(capture)
    summary = done["payload"]

    assert summary["stopped"] == "time"
    assert done["message"] == "4 packets on eth0 (time limit reached)"
    assert summary["packets"] == 4 == len(rows(capture))  # two requests, two replies, then time ran out
    assert summary["elapsed"] >= 3.0
    assert len(rdpcap(io.BytesIO(base64.b64decode(done["blob"])))) == 4


@pytest.mark.parametrize(
    ("expression", "reason"),
    [("tcp port ((( nonsense", "syntax error"), ("tcp port 70000", "illegal port number 70000 > 65535")],
)
def test_an_invalid_bpf_filter_fails_the_job_with_the_compiler_s_reason(lab, expression, reason):
    events = lab.tool("capture", {"interface": "eth0", "filter": expression, "seconds": 5})

    assert [e["kind"] for e in events] == ["STARTED", "FAILED"]
    message = events[-1]["message"]
    assert message.startswith(f"filter {expression!r} is not a valid BPF expression: ")
    assert reason in message
