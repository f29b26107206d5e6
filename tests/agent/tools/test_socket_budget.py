"""The agent-wide socket budget: its arithmetic in this process, and real jobs side by side in a
namespace lab under a lowered open-file limit, where per-job budgets used to add up to EMFILE."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
from everyst_agent.tools import net
from everyst_agent.tools.net import SocketBudget

from tests.support.netns import Lab, ToolSession, running_lab

# ---------------------------------------------------------------------------- in this process


@pytest.mark.parametrize(
    ("soft", "total"),
    [(1024, 768), (256, 128), (20000, 15000), (150, 22), (64, 8), (resource.RLIM_INFINITY, 786432)],
)
def test_the_budget_is_the_soft_fd_limit_less_headroom(monkeypatch, soft, total):
    monkeypatch.setattr(net.resource, "getrlimit", lambda _: (soft, resource.RLIM_INFINITY))

    assert SocketBudget().total == total
    assert net.SOCKETS.total == total  # read at each request: a later setrlimit counts


async def test_holds_wait_in_line_and_a_cancelled_waiter_takes_nothing():
    budget = SocketBudget(total=10)
    first = await budget.acquire(7)
    second = asyncio.create_task(budget.acquire(5))  # 3 free: waits
    third = asyncio.create_task(budget.acquire(2))  # would fit, but waits behind the second
    await asyncio.sleep(0.01)
    assert (first, budget.used, second.done(), third.done()) == (7, 7, False, False)

    second.cancel()
    await asyncio.sleep(0.01)
    assert third.done() and third.result() == 2
    assert budget.used == 9

    budget.release(7)
    budget.release(2)
    assert budget.used == 0
    async with budget.hold(50) as got:  # more than the whole budget: capped at it
        assert got == 10 and budget.free == 0
    assert budget.used == 0


async def test_a_scan_lease_is_capped_at_half_and_gives_back_spare_slots_to_those_waiting():
    budget = SocketBudget(total=100)
    scan = await budget.lease(1000)
    other = await budget.lease(1000)
    assert (scan.size, other.size, budget.free) == (50, 50, 0)

    ping = asyncio.create_task(budget.acquire(10))
    await asyncio.sleep(0.01)
    assert not ping.done()
    # 45 of the scan's 50 sockets are open: it can spare 5 now, the rest as they close.
    assert scan.fit(45) == 45
    await asyncio.sleep(0.01)
    assert not ping.done()
    assert scan.fit(30) == 40
    await asyncio.sleep(0.01)
    assert ping.result() == 10
    # Nobody waits any more: nothing more is given back, and nothing is free to grow into.
    assert scan.fit(0) == 40 and other.fit(0) == 50

    # A third scan waits for a quarter of the budget; the others shrink to a quarter, no further.
    # A third scan waits for a quarter of the budget: the others give back what it lacks, and no
    # more, and none shrinks below a quarter; a fourth then waits for one of them to end.
    third = asyncio.create_task(budget.lease(1000))
    await asyncio.sleep(0.01)
    assert scan.fit(0) == 25 and other.fit(50) == 50 and other.fit(0) == 40
    await asyncio.sleep(0.01)
    assert third.done() and third.result().size == 25
    fourth = asyncio.create_task(budget.lease(1000))
    await asyncio.sleep(0.01)
    assert scan.fit(0) == 25 and not fourth.done()
    fourth.cancel()
    await asyncio.sleep(0.01)

    budget.release(10)  # the ping ends
    assert [scan.fit(0) for _ in range(3)] == [35, 35, 35]  # grows into what is free, up to its cap
    for lease in (scan, other, third.result()):
        lease.close()
    assert budget.used == 0


async def test_a_connect_scan_leases_its_window_once_and_returns_it(monkeypatch, listener):
    from everyst_agent.tools.port_scan import Params, Tally, connect_scan

    budget = SocketBudget(total=40)
    monkeypatch.setattr("everyst_agent.tools.port_scan.SOCKETS", budget)
    leases: list[int] = []
    lease = budget.lease

    async def counted(want: int) -> net.Lease:
        leases.append(want)
        return await lease(want)

    monkeypatch.setattr(budget, "lease", counted)
    hosts = [net.ipaddress.ip_address("127.0.0.1")]
    ports = [*range(1, 2001), listener]
    listening = sorted(
        {
            c.laddr.port
            for c in psutil.net_connections("tcp4")
            if c.status == psutil.CONN_LISTEN
            and c.laddr.ip in ("127.0.0.1", "0.0.0.0")
            and c.laddr.port in ports
        }
    )
    tallies = [Tally(hosts, ports), Tally(hosts, ports)]
    fds = len(os.listdir("/proc/self/fd"))
    peak = [0, 0]

    class Rows:
        def add(self, row: dict[str, Any]) -> None:
            pass

    async def watch() -> None:
        while True:
            peak[0] = max(peak[0], budget.used)
            peak[1] = max(peak[1], len(os.listdir("/proc/self/fd")) - fds)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    await asyncio.gather(
        *(connect_scan(hosts, ports, Params(target=[]), t, Rows()) for t in tallies)  # type: ignore[arg-type]
    )
    watcher.cancel()

    assert leases == [1024, 1024]  # one lease per scan, not one per socket
    assert peak[0] == 40 and budget.used == 0
    # Open sockets never beyond the budget: 40, plus each scan's epoll and the listdir's own fd.
    # (On loopback most refusals are in before connect() returns, so few are open at once.)
    assert 0 < peak[1] <= 40 + 2 + 1
    assert listener in listening
    for tally in tallies:
        assert tally.open == {"127.0.0.1": listening}
        assert tally.closed["127.0.0.1"] == len(ports) - len(listening)


@pytest.fixture
async def listener():
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


# ---------------------------------------------------------------------------- under a low fd limit

# The soft and hard RLIMIT_NOFILE of the tool runner below: a budget of 128 sockets for all its jobs.
NOFILE = 256
HTTP_PORTS = list(range(8001, 8101))


@pytest.fixture(scope="module")
def small_lab() -> Iterator[Lab]:
    with running_lab(hosts=2) as lab:
        lab.serve(1, tcp=[22, 4444])
        lab.serve(2, http=HTTP_PORTS)
        yield lab


def rows(events: list[dict[str, Any]], job: str) -> list[dict[str, Any]]:
    return [r for e in events if e["job_id"] == job and e["kind"] == "RESULT" for r in e["payload"]["rows"]]


def test_scans_service_probes_and_a_wide_ping_side_by_side_stay_under_a_low_fd_limit(small_lab):
    lab = small_lab
    argv = ["prlimit", f"--nofile={NOFILE}:{NOFILE}", "--", *lab.tool_argv(max_jobs=4)]
    process = lab.popen(
        lab.scanner, argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    session = ToolSession(process)
    loopback = "127.0.0.0/23"  # 510 addresses, all the scanner namespace's own loopback
    try:
        session.send("scan1", "port_scan", {"target": lab.host_ip(1), "ports": "1-6000", "method": "connect"})
        session.send("scan2", "port_scan", {"target": lab.host_ip(2), "ports": "1-9000", "method": "connect"})
        session.send(
            "services",
            "services",
            {"target": lab.host_ip(2), "ports": "8001-8100", "timeout": 0.5, "concurrency": 128},
        )
        session.send("ping", "ping", {"target": loopback, "count": 2, "interval": 0.05, "timeout": 1})
        events = session.finish(timeout=90)
    finally:
        process.kill()
    ends = {e["job_id"]: e for e in events if e["kind"] in ("FINISHED", "FAILED", "CANCELLED")}

    assert sorted(ends) == ["ping", "scan1", "scan2", "services"]
    assert {job: (e["kind"], e["message"]) for job, e in ends.items() if e["kind"] != "FINISHED"} == {}
    assert ends["scan1"]["payload"]["hosts"] == {
        lab.host_ip(1): {"open": [22, 4444], "closed": 5998, "filtered": 0}
    }
    assert ends["scan2"]["payload"]["hosts"] == {
        lab.host_ip(2): {"open": HTTP_PORTS, "closed": 9000 - len(HTTP_PORTS), "filtered": 0}
    }
    services = {r["port"]: r for r in rows(events, "services")}
    assert sorted(services) == HTTP_PORTS
    found = {(r["service"], (r.get("http") or {}).get("server"), r.get("error")) for r in services.values()}
    assert found == {("http", "evlab-httpd/1.0", None)}
    hosts = ends["ping"]["payload"]["hosts"]
    assert len(hosts) == 510
    assert {(h["sent"], h["received"], h["loss_percent"]) for h in hosts} == {(2, 2, 0.0)}
