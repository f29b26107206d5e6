"""Discovery and port scans in the namespace lab, checked against the lab's truth and Debian's nmap."""

from __future__ import annotations

from tests.agent.tools.conftest import MDNS_NAMES, OPEN_PORTS, final, rows
from tests.support.netns import nmap_hosts_and_ports


def expected_hosts(lab) -> set[str]:
    return {lab.scanner_ip, *lab.host_ips}


def test_arp_discovery_finds_exactly_the_lab_hosts_as_nmap_does(lab):
    events = lab.tool("discover", {"method": "arp", "resolve_names": False})
    found = {row["ip"] for row in rows(events)}
    nmap = lab.run(lab.scanner, ["nmap", "-sn", "-n", "-oX", "-", str(lab.subnet)])

    assert final(events)["payload"]["method"] == "arp"
    assert found == expected_hosts(lab)
    assert set(nmap_hosts_and_ports(nmap.stdout)) == found
    by_ip = {row["ip"]: row for row in rows(events)}
    assert by_ip[lab.scanner_ip]["self"] is True
    assert all(row["mac"] and row["randomized_mac"] for row in by_ip.values())  # veths: locally administered


def test_discovery_names_the_hosts_that_answer_multicast_dns(lab):
    events = lab.tool("discover", {"method": "arp", "timeout": 0.5})
    by_ip = {row["ip"]: row for row in rows(events)}

    assert set(by_ip) == expected_hosts(lab)
    named = {ip: (row["hostname"], row["hostname_source"]) for ip, row in by_ip.items() if row["hostname"]}
    assert named == {lab.host_ip(i): (name, "mdns") for i, name in MDNS_NAMES.items()}


def test_multicast_dns_names_need_no_raw_sockets(lab):
    events = lab.tool("discover", {"method": "tcp", "timeout": 0.5}, unprivileged=True)
    named = {row["ip"]: row["hostname"] for row in rows(events) if row["hostname"]}

    assert named == {lab.host_ip(i): name for i, name in MDNS_NAMES.items()}


def test_discovery_without_cap_net_raw_falls_back_and_says_so(lab):
    events = lab.tool("discover", {"resolve_names": False, "timeout": 0.5}, unprivileged=True)
    summary = final(events)["payload"]

    assert summary["privileged"] is False
    assert summary["method"] == "tcp+arp-table"
    assert summary["notes"]
    assert {row["ip"] for row in rows(events)} == expected_hosts(lab)


def test_connect_and_syn_scans_find_exactly_the_listening_ports_as_nmap_does(lab):
    target = lab.host_ip(3)
    truth = [p for p in OPEN_PORTS[3] if p <= 10000]
    nmap = lab.run(lab.scanner, ["nmap", "-sT", "-T4", "-n", "-Pn", "-p", "1-10000", "-oX", "-", target])

    for method in ("syn", "connect"):
        events = lab.tool("port_scan", {"target": target, "ports": "1-10000", "method": method})
        summary = final(events)["payload"]
        assert summary["method"] == method
        assert sorted(row["port"] for row in rows(events)) == truth, method
        assert summary["closed"] == 10000 - len(truth)
    assert nmap_hosts_and_ports(nmap.stdout) == {target: truth}


def test_a_scan_of_the_whole_lab_finds_every_host_s_ports(lab):
    events = lab.tool("port_scan", {"target": lab.host_ips, "ports": "1-10000", "timeout": 0.5})
    found: dict[str, list[int]] = {}
    for row in rows(events):
        found.setdefault(row["host"], []).append(row["port"])

    assert {h: sorted(p) for h, p in found.items()} == {
        lab.host_ip(i): [p for p in OPEN_PORTS[i] if p <= 10000] for i in (1, 2, 3)
    }


def test_the_runner_refuses_targets_outside_its_scope_before_sending_anything(lab):
    outside = lab.tool("port_scan", {"target": "10.9.9.9", "ports": "22"})
    denied = lab.tool("ping", {"target": lab.host_ip(2), "count": 1}, deny=(lab.host_ip(2),))

    assert [e["kind"] for e in outside] == ["FAILED"]
    assert outside[0]["message"].startswith("10.9.9.9 is outside this agent's scope (allowed: ")
    assert str(lab.subnet) in outside[0]["message"]
    assert [e["kind"] for e in denied] == ["FAILED"]
    assert f"denied: {lab.host_ip(2)}/32" in denied[0]["message"]


def test_ping_reports_loss_and_round_trip_times(lab):
    events = lab.tool(
        "ping",
        {"target": [lab.host_ip(5), "10.201.0.0"], "count": 3, "interval": 0.05, "timeout": 0.3},
        allow=("10.201.0.0/32",),
    )
    hosts = {h["host"]: h for h in final(events)["payload"]["hosts"]}

    assert hosts[lab.host_ip(5)]["loss_percent"] == 0.0
    assert (
        hosts[lab.host_ip(5)]["min_ms"] <= hosts[lab.host_ip(5)]["avg_ms"] <= hosts[lab.host_ip(5)]["max_ms"]
    )
    assert hosts["10.201.0.0"]["loss_percent"] == 100.0


def test_traceroute_reaches_a_lab_host_in_one_hop(lab):
    events = lab.tool("traceroute", {"target": lab.host_ip(2), "max_hops": 4, "resolve_names": False})
    summary = final(events)["payload"]

    assert summary["reached"] is True
    assert rows(events)[0]["address"] == lab.host_ip(2)


def test_traceroute_without_cap_net_raw_fails_clearly(lab):
    events = lab.tool("traceroute", {"target": lab.host_ip(2)}, unprivileged=True)

    assert events[-1]["kind"] == "FAILED"
    assert "CAP_NET_RAW" in events[-1]["message"]


def test_ports_of_an_address_nobody_answers_for_are_filtered_not_closed(lab):
    nobody = str(lab.subnet.network_address + 200)  # inside the lab, no host there
    events = lab.tool(
        "port_scan",
        {"target": [nobody, lab.host_ip(3)], "ports": "1-200", "method": "connect", "timeout": 0.5},
    )
    summary = final(events)["payload"]

    assert {row["host"] for row in rows(events)} == {lab.host_ip(3)}
    assert sorted(row["port"] for row in rows(events)) == [p for p in OPEN_PORTS[3] if p <= 200]
    assert summary["filtered"] == 200  # every port of the silent address timed out
    assert summary["closed"] == 200 - len([p for p in OPEN_PORTS[3] if p <= 200])
