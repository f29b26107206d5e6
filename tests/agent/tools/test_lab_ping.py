"""Ping without CAP_NET_RAW, in a lab of its own (its scanner's net.ipv4.ping_group_range is switched
per test): unprivileged ICMP and TCP connect timing, chosen by hand or by "auto", with loss and
round-trip statistics for the scanner's loopback, a live lab host and an address nobody holds."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from tests.agent.tools.conftest import final, rows
from tests.support.netns import Lab, running_lab

COUNT = 3
PARAMS = {"count": COUNT, "interval": 0.1, "timeout": 0.4}


@pytest.fixture(scope="module")
def ping_lab() -> Iterator[Lab]:
    with running_lab(hosts=1) as lab:
        lab.serve(1, tcp=[22])  # 80 and 443 refuse: the TCP ping times the RST of port 80
        yield lab


def unprivileged_icmp(lab: Lab, allowed: bool) -> None:
    """Allow (every group) or forbid unprivileged ICMP sockets in the scanner namespace only."""
    value = "0 2147483647" if allowed else "1 0"
    done = lab.run(lab.scanner, ["sysctl", "-w", f"net.ipv4.ping_group_range={value}"])
    assert done.returncode == 0, done.stderr


def ping(lab: Lab, method: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    down = str(lab.subnet.network_address + 200)  # in the lab's subnet; no namespace answers for it
    events = lab.tool(
        "ping", {"target": ["127.0.0.1", lab.host_ip(1), down], "method": method, **PARAMS}, unprivileged=True
    )
    return final(events)["payload"], rows(events), events


def check_statistics(
    summary: dict[str, Any], replies: list[dict[str, Any]], live: list[str], down: str
) -> None:
    hosts = {h["host"]: h for h in summary["hosts"]}
    assert set(hosts) == {*live, down}
    for host in live:
        stats = hosts[host]
        rtts = [r["rtt_ms"] for r in replies if r["host"] == host]
        assert sorted(r["seq"] for r in replies if r["host"] == host) == list(range(COUNT))
        assert all(rtt is not None and 0 < rtt < PARAMS["timeout"] * 1000 for rtt in rtts), rtts
        assert (stats["sent"], stats["received"], stats["loss_percent"]) == (COUNT, COUNT, 0.0)
        # The summary is made of exactly these replies (iputils' statistics; mdev: their std. dev.).
        mean = sum(rtts) / COUNT
        assert stats["min_ms"] == min(rtts) and stats["max_ms"] == max(rtts)
        assert stats["avg_ms"] == pytest.approx(mean, abs=0.001)
        assert stats["mdev_ms"] == pytest.approx(
            math.sqrt(sum((r - mean) ** 2 for r in rtts) / COUNT), abs=0.002
        )
    lost = hosts[down]
    assert (lost["sent"], lost["received"], lost["loss_percent"]) == (COUNT, 0, 100.0)
    assert (lost["min_ms"], lost["avg_ms"], lost["max_ms"], lost["mdev_ms"]) == (None, None, None, None)
    assert [r["rtt_ms"] for r in replies if r["host"] == down] == [None] * COUNT


def test_unprivileged_icmp_sockets_give_loss_and_round_trip_times(ping_lab):
    lab = ping_lab
    unprivileged_icmp(lab, True)
    summary, replies, _ = ping(lab, "icmp-dgram")

    assert (summary["method"], summary["notes"]) == ("icmp-dgram", [])
    assert not any("ttl" in r or "port" in r for r in replies)  # ICMP sockets hide the IP header
    check_statistics(summary, replies, ["127.0.0.1", lab.host_ip(1)], str(lab.subnet.network_address + 200))


def test_tcp_ping_times_the_connect_to_port_80_even_when_refused(ping_lab):
    lab = ping_lab
    unprivileged_icmp(lab, False)
    summary, replies, _ = ping(lab, "tcp")

    assert (summary["method"], summary["notes"]) == ("tcp", [])
    assert {r.get("port") for r in replies if r["rtt_ms"] is not None} == {80}
    check_statistics(summary, replies, ["127.0.0.1", lab.host_ip(1)], str(lab.subnet.network_address + 200))


@pytest.mark.parametrize(("icmp_allowed", "expected"), [(True, "icmp-dgram"), (False, "tcp")])
def test_auto_without_cap_net_raw_picks_the_best_method_it_may_use(ping_lab, icmp_allowed, expected):
    lab = ping_lab
    unprivileged_icmp(lab, icmp_allowed)
    summary, replies, _ = ping(lab, "auto")

    assert summary["method"] == expected
    if expected == "tcp":
        assert summary["notes"] == [
            "no CAP_NET_RAW and no unprivileged ICMP: RTT is TCP connect time to port 80/443/22"
        ]
    else:
        assert summary["notes"] == []
    check_statistics(summary, replies, ["127.0.0.1", lab.host_ip(1)], str(lab.subnet.network_address + 200))


@pytest.mark.parametrize(
    ("method", "icmp_allowed", "message"),
    [
        ("icmp", True, 'ICMP on a raw socket needs CAP_NET_RAW; use method "auto" or grant the capability'),
        ("icmp-dgram", False, "unprivileged ICMP is not allowed here (sysctl net.ipv4.ping_group_range)"),
    ],
)
def test_a_method_the_agent_may_not_use_fails_before_sending(ping_lab, method, icmp_allowed, message):
    lab = ping_lab
    unprivileged_icmp(lab, icmp_allowed)
    events = lab.tool("ping", {"target": lab.host_ip(1), "method": method, **PARAMS}, unprivileged=True)

    assert [(e["kind"], e["message"]) for e in events] == [("STARTED", ""), ("FAILED", message)]


def test_a_sweep_is_summed_up_and_a_few_hosts_are_listed():
    from everyst_agent.tools.ping import loss_message

    def host(i: int, received: int) -> dict:
        return {"host": f"10.0.0.{i}", "sent": 4, "received": received, "loss_percent": 100 - 25 * received}

    assert loss_message([host(1, 4), host(2, 0)]) == "10.0.0.1 0% loss, 10.0.0.2 100% loss"
    sweep = [host(i, 4 if i < 5 else 0) for i in range(1, 11)]
    assert loss_message(sweep) == "4 of 10 hosts answered, 60% loss overall"
