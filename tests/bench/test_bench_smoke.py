"""The benchmark harness itself must not rot: a tiny ingest run with real processes."""

from __future__ import annotations

import pytest

from tests.bench import ingest

pytestmark = pytest.mark.bench


def test_a_quick_ingest_run_loses_no_sample_and_reports_sane_figures() -> None:
    result = ingest.run(quick=True, levels=[20], hold=5, final_hold=0, drain=10, workers=2, profile=False)
    level = result["levels"][0]
    assert level["connected"] == 20, level
    assert level["sent"] >= 20 * 4, level
    assert level["acked"] == level["sent"] and level["lost"] == 0, level
    assert level["stored"] is None or level["stored"] >= level["acked"], level
    assert level["hosts_check"].get("hosts_behind") == 0, level["hosts_check"]
    assert 0 < level["ack_lag_s"]["p50"] <= level["ack_lag_s"]["p99"] <= level["ack_lag_s"]["max"] < 5
    assert 0 < level["hub_cpu_pct_of_core"] < 400 and level["hub_rss"]["rss_peak_mib"] > 10
    assert level["holds"] and result["largest_holding"] == 20
    assert "Hub ingest capacity" in ingest.render(result)


def test_a_small_netscan_run_matches_nmap_and_reports_ratios() -> None:
    import shutil

    from tests.bench import netscan
    from tests.support.netns import LabUnavailable

    if not shutil.which("nmap"):
        pytest.fail("nmap is missing: `make test` installs Debian's nmap package")
    try:
        result = netscan.run(hosts=2, repeats=1)  # raises on any difference from nmap or the lab
    except LabUnavailable as exc:
        pytest.skip(f"namespace lab unavailable: {exc}")
    assert result["mismatches"] == [] and result["hosts"] == 2
    scenarios = result["scenarios"]
    assert scenarios and all(entry["equal"] for entry in scenarios.values())
    assert any(entry.get("hosts_up") == 3 for entry in scenarios.values())  # scanner + 2 hosts
    for entry in scenarios.values():
        assert entry["everyst_median"] > 0 and entry["nmap_median"] > 0 and entry["ratio"] > 0
    assert "nmap" in netscan.render(result)
