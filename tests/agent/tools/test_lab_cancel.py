"""Cancel mid-scan in the namespace lab: the job ends at once, as cancelled, keeping what it found."""

from __future__ import annotations

import pytest

from tests.agent.tools.conftest import rows


@pytest.mark.parametrize("method", ["connect", "syn"])
def test_a_port_scan_cancelled_mid_way_stops_and_keeps_its_partial_results(lab, method):
    session = lab.tool_session()
    try:
        # 10,000 ports at 2,000 probes/s: five seconds if left alone.
        params = {"target": lab.host_ip(3), "ports": "1-10000", "method": method, "rate": 2000}
        session.send("scan", "port_scan", params)
        session.wait_for(lambda e: e["job_id"] == "scan" and e["kind"] == "PROGRESS" and e["percent"] >= 5)
        session.send("scan", action="cancel")
        end = session.wait_for(lambda e: e["kind"] in ("FINISHED", "FAILED", "CANCELLED"), timeout=10)
        events = session.finish()
    finally:
        session.process.kill()

    assert end["kind"] == "CANCELLED" and end["message"] == "cancelled", end
    progress = [e["percent"] for e in events if e["kind"] == "PROGRESS"]
    assert 5 <= max(progress) < 90, progress
    found = sorted(row["port"] for row in rows(events))
    assert 7 in found and 9999 not in found, found  # port 7 is probed first, 9999 near the end
