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
