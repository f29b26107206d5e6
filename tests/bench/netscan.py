"""Network tools against Debian's nmap, side by side on a namespace lab in the same run.

A scanner and N hosts (20; 5 with --quick) on a private bridge (tests/support/netns.py: no uplink,
no default route, a 10.201.k.0/24 no address or route of this machine uses), every host but each
fifth with a few listeners on known ports. From the scanner namespace, each repeat runs nmap and
Everyst on the same target, alternating which goes first:

    ARP discovery of the /24          discover {"method": "arp"}       nmap -sn -n <cidr>
    connect scan 1-10000, one host    port_scan {"method": "connect"}  nmap -sT -T4 -n -p 1-10000 <host>
    connect scan 1-10000, all hosts   port_scan {"method": "connect"}  nmap -sT -T4 -n -p 1-10000 <hosts>
    SYN scan 1-10000, one / all       port_scan {"method": "syn"}      nmap -sS -T4 -n -p 1-10000 ...

Everyst's time is the job's, in a resident tool runner (`python -m everyst_agent.tools` reading
commands on stdin, as in the agent: tools imported before timing), from the command written to the
FINISHED event read; nmap's is its process wall time. Everyst's cold time (a fresh
`python -m everyst_agent.tools <tool>` process, interpreter start and imports included) is recorded
too. Results are compared on every repeat: hosts up, and open ports per host; a difference is
printed and fails the benchmark.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from typing import Any

from tests.support.netns import Lab, nmap_hosts_and_ports

from .common import Row, table, verdict

PORTS = "1-10000"


def open_ports(i: int) -> list[int]:
    """Host i's listeners (10001 is outside the scanned range; every fifth host has none)."""
    if i % 5 == 0:
        return []
    return sorted({22, 80 if i % 2 else 443, 1000 + 37 * i, 9000 + i, 10001})


class Runner:
    """A resident `python -m everyst_agent.tools` in the scanner namespace; one job at a time."""

    def __init__(self, lab: Lab) -> None:
        self.session = lab.tool_session(max_jobs=1)
        self.jobs = 0

    def job(self, tool: str, params: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
        self.jobs += 1
        job_id = str(self.jobs)
        start = len(self.session.events)
        started = time.monotonic()
        self.session.send(job_id, tool, params)
        last = self.session.wait_for(
            lambda e: e["job_id"] == job_id and e["kind"] in ("FINISHED", "FAILED", "CANCELLED"), 300
        )
        seconds = time.monotonic() - started
        events = [e for e in self.session.events[start:] if e["job_id"] == job_id]
        if last["kind"] != "FINISHED":
            raise RuntimeError(f"{tool} {params}: {last['kind']}: {last['message']}")
        return seconds, events

    def close(self) -> None:
        self.session.finish(60)


def rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for e in events if e["kind"] == "RESULT" for row in e["payload"]["rows"]]


def discovered(events: list[dict[str, Any]]) -> dict[str, list[int]]:
    return {row["ip"]: [] for row in rows(events)}


def scanned(hosts: list[str]) -> Any:
    def parse(events: list[dict[str, Any]]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {h: [] for h in hosts}
        for row in rows(events):
            found[row["host"]].append(row["port"])
        summary = events[-1]["payload"]
        if summary.get("filtered"):
            found["(filtered)"] = [summary["filtered"]]
        return {h: sorted(p) for h, p in found.items()}

    return parse


def scenarios(lab: Lab) -> list[dict[str, Any]]:
    one, every = [lab.host_ip(1)], lab.host_ips
    many = f"{len(every)} hosts"
    out: list[dict[str, Any]] = [
        {
            "name": "arp_discovery",
            "label": f"ARP discovery of the /24 ({lab.subnet})",
            "tool": "discover",
            "params": {"target": [str(lab.subnet)], "method": "arp", "resolve_names": False},
            "nmap": ["-sn", "-n", str(lab.subnet)],
            "parse": discovered,
            "target": "<= nmap",
        }
    ]
    for method, flag in (("connect", "-sT"), ("syn", "-sS")):
        for label, hosts in (("1 host", one), (many, every)):
            out.append(
                {
                    "name": f"{method}_{'one' if hosts is one else 'all'}",
                    "label": f"{method} scan {PORTS}, {label}",
                    "tool": "port_scan",
                    "params": {"target": hosts, "ports": PORTS, "method": method},
                    "nmap": [flag, "-T4", "-n", "-p", PORTS, *hosts],
                    "parse": scanned(hosts),
                    "target": "<= nmap" if method == "connect" else "(extra)",
                }
            )
    return out


def nmap(lab: Lab, args: list[str]) -> tuple[float, dict[str, list[int]]]:
    started = time.monotonic()
    done = lab.run(lab.scanner, ["nmap", *args, "-oX", "-"], timeout=300)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"nmap {' '.join(args)} failed: {done.stderr.strip()}")
    found = nmap_hosts_and_ports(done.stdout)
    if "-sn" not in args:  # hosts nmap saw down are absent from its XML: list them with no ports
        for host in args[args.index(PORTS) + 1 :]:
            found.setdefault(host, [])
    return seconds, found


def cold(lab: Lab, tool: str, params: dict[str, Any]) -> float:
    started = time.monotonic()
    events = lab.tool(tool, params, timeout=300)
    seconds = time.monotonic() - started
    if events[-1]["kind"] != "FINISHED":
        raise RuntimeError(f"{tool} {params}: {events[-1]['kind']}: {events[-1]['message']}")
    return seconds


def describe(found: dict[str, list[int]]) -> str:
    return ", ".join(f"{h}: {p}" for h, p in sorted(found.items())) or "nothing"


def run(quick: bool = False, hosts: int | None = None, repeats: int | None = None) -> dict[str, Any]:
    count = hosts or (5 if quick else 20)
    repeats = repeats or (1 if quick else 3)
    lab = Lab(hosts=count)
    lab.start()
    runner: Runner | None = None
    try:
        truth: dict[str, list[int]] = {}
        for i in range(1, count + 1):
            ports = open_ports(i)
            if ports:
                lab.serve(i, tcp=ports)
            truth[lab.host_ip(i)] = [p for p in ports if p <= 10000]
        runner = Runner(lab)
        # Import the tools and warm the neighbour table once, as a running agent would have.
        runner.job("discover", {"target": [lab.host_ip(1)], "method": "arp", "resolve_names": False})
        runner.job("port_scan", {"target": [lab.host_ip(1)], "ports": "22", "method": "connect"})
        plan = scenarios(lab)
        times: dict[str, dict[str, list[float]]] = {
            s["name"]: {"everyst": [], "nmap": [], "cold": []} for s in plan
        }
        mismatches: list[str] = []
        results: dict[str, Any] = {}
        for repeat in range(repeats):
            for s in plan:
                order = ("nmap", "everyst") if repeat % 2 == 0 else ("everyst", "nmap")
                found: dict[str, dict[str, list[int]]] = {}
                for who in order:
                    if who == "nmap":
                        seconds, found["nmap"] = nmap(lab, s["nmap"])
                    else:
                        seconds, events = runner.job(s["tool"], s["params"])
                        found["everyst"] = s["parse"](events)
                    times[s["name"]][who].append(seconds)
                times[s["name"]]["cold"].append(cold(lab, s["tool"], s["params"]))
                expected = (
                    {ip: [] for ip in [lab.scanner_ip, *lab.host_ips]}
                    if s["tool"] == "discover"
                    else {h: truth[h] for h in s["params"]["target"]}
                )
                equal = found["everyst"] == found["nmap"] == expected
                if not equal:
                    message = (
                        f"MISMATCH in {s['label']} (repeat {repeat + 1}):\n"
                        f"  everyst: {describe(found['everyst'])}\n"
                        f"  nmap:    {describe(found['nmap'])}\n"
                        f"  lab:     {describe(expected)}"
                    )
                    print(message, flush=True)
                    mismatches.append(message)
                entry = results.setdefault(
                    s["name"],
                    {
                        "label": s["label"],
                        "everyst_params": s["params"],
                        "nmap_command": "nmap " + " ".join(s["nmap"]),
                        "target": s["target"],
                        "equal": True,
                        "hosts_up" if s["tool"] == "discover" else "open_ports": None,
                    },
                )
                entry["equal"] = entry["equal"] and equal
                if s["tool"] == "discover":
                    entry["hosts_up"] = len(found["everyst"])
                else:
                    entry["open_ports"] = sum(len(p) for h, p in found["everyst"].items() if h[0] != "(")
                print(
                    f"  {s['label']}: everyst {times[s['name']]['everyst'][-1]:.3f} s, "
                    f"nmap {times[s['name']]['nmap'][-1]:.3f} s, "
                    f"cold {times[s['name']]['cold'][-1]:.3f} s, {'same results' if equal else 'DIFFERENT'}",
                    flush=True,
                )
        for name, entry in results.items():
            for who in ("everyst", "nmap", "cold"):
                entry[f"{who}_seconds"] = [round(t, 3) for t in times[name][who]]
                entry[f"{who}_median"] = round(statistics.median(times[name][who]), 3)
            entry["ratio"] = round(entry["everyst_median"] / entry["nmap_median"], 3)
            entry["cold_ratio"] = round(entry["cold_median"] / entry["nmap_median"], 3)
        result = {
            "hosts": count,
            "repeats": repeats,
            "subnet": str(lab.subnet),
            "lab_open_ports": {h: p for h, p in truth.items()},
            "scenarios": results,
            "mismatches": mismatches,
        }
    finally:
        if runner is not None:
            with contextlib.suppress(Exception):  # the lab teardown kills it anyway
                runner.close()
        lab.close()
    if mismatches:
        print(render(result), flush=True)
        raise RuntimeError(f"{len(mismatches)} result mismatch(es) between Everyst, nmap and the lab")
    return result


def render(result: dict[str, Any]) -> str:
    rows = []
    for entry in result["scenarios"].values():
        peer = entry["nmap_command"].split(" -p")[0].split(" 10.")[0].replace("nmap ", "")
        ok = entry["ratio"] <= 1.0 and entry["equal"]
        rows.append(
            Row(
                f"{entry['label']} [s] vs nmap {peer}",
                entry["everyst_median"],
                entry["nmap_median"],
                entry["ratio"],
                entry["target"] + ", same results",
                verdict(ok) if entry["target"] != "(extra)" else ("same" if entry["equal"] else "DIFFERENT"),
            )
        )
        rows.append(Row("  cold process (start + imports)", entry["cold_median"], "", entry["cold_ratio"]))
    title = (
        f"Network scans vs nmap on a {result['hosts']}-host namespace lab {result['subnet']} "
        f"(median of {result['repeats']}; everyst = job time in a resident runner)"
    )
    return table(title, rows, "nmap")


if __name__ == "__main__":
    print(json.dumps(run(quick=True), indent=2))
