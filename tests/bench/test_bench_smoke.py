"""The benchmark harness itself must not rot: a tiny ingest run with real processes."""

from __future__ import annotations

import pytest

from tests.bench import ingest

pytestmark = pytest.mark.bench


def test_a_quick_ingest_run_loses_no_sample_and_reports_sane_figures() -> None:
    result = ingest.run(
        quick=True, levels=[20], hold=5, final_hold=0, drain=10, workers=2, profile=False, repeat=2
    )
    level = result["levels"][0]
    assert level["connected"] == 20, level
    assert level["sent"] >= 20 * 4, level
    assert level["acked"] == level["sent"] and level["lost"] == 0, level
    assert level["stored"] is None or level["stored"] >= level["acked"], level
    assert level["hosts_check"].get("hosts_behind") == 0, level["hosts_check"]
    # Acks are coalesced: the lag includes the delay the hub announced (5 s for the agent's defaults).
    assert level["ack_delay_s"] == 5.0, level
    lag = level["ack_lag_s"]
    assert 0 < lag["p50"] <= lag["p99"] <= lag["max"] < 5 + level["ack_delay_s"], lag
    assert 0 < level["hub_cpu_pct_of_core"] < 400 and level["hub_rss"]["rss_peak_mib"] > 10
    assert level["holds"] and result["largest_holding"] == 20
    # The figures that travel: hub CPU per stored sample (median and spread of the runs), the
    # simulated agents' own cost, and where each ran.
    assert 0 < level["stored_in_hold"] <= level["acked"], level
    runs = level["cpu_us_per_sample"]
    assert runs["runs"] == 2 and len(runs["values"]) == 2 and len(level["runs"]) == 2, runs
    assert 0 < runs["min"] <= runs["median"] <= runs["max"] and runs["spread_pct"] >= 0, runs
    assert level["clients_cpu_us_per_sample"] > 0 and level["simulator_bound"] in (True, False), level
    placement = result["config"]["placement"]
    if placement["pinned"]:
        assert not set(placement["hub_cores"]) & set(placement["simulator_cores"]), placement
    rendered = ingest.render(result)
    assert "Hub ingest capacity" in rendered and "CPU-µs per stored sample" in rendered


def test_a_level_whose_simulators_were_saturated_or_fell_behind_is_flagged_a_lower_bound() -> None:
    calm = {
        "cores_busy_pct": {0: 99.0, 1: 60.0},
        "machine_busy_pct": 80.0,
        "client_slip_trend_s": [[0.01, 0.02]],
    }
    assert ingest._simulator_bound(calm, [1]) == []  # the hub's core may be full: that is the hub
    busy = {**calm, "cores_busy_pct": {0: 50.0, 1: 95.0}}
    assert "simulator cores [1] 95% busy" in ingest._simulator_bound(busy, [1])
    behind = {**calm, "client_slip_trend_s": [[0.01, 0.02], [0.02, 0.4]]}
    assert "send lag grew" in ingest._simulator_bound(behind, [1])[0]
    unpinned = {**calm, "machine_busy_pct": 97.0}
    assert "not pinned" in ingest._simulator_bound(unpinned, None)[0]


def test_pre_encoded_batches_parse_as_the_samples_they_stand_for() -> None:
    from everyst.agent.v1 import agent_pb2

    from tests.bench.sim import EncodedSamples

    encoded = EncodedSamples(seed=1)
    for tick in (0, 1, 5, 299):
        message = agent_pb2.AgentMessage.FromString(
            encoded.message(1000 + tick, 1_765_000_000_000 + tick, 7, tick)
        )
        (sample,) = message.metrics.samples
        assert message.metrics.seq == 1000 + tick and sample.ts_ms == 1_765_000_000_000 + tick
        assert 0 < sample.cpu.percent < 100 and len(sample.disks) == 2 and len(sample.net) == 2
        assert bool(sample.processes.by_cpu) == (tick % 5 == 0)
    breach = agent_pb2.AgentMessage.FromString(EncodedSamples(seed=1, breach=True).message(1, 2, 3, 4))
    assert breach.metrics.samples[0].memory.percent == 95.0  # the alerts benchmark's breach


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


def test_a_quick_fleet_ui_run_measures_both_views_of_a_streaming_fleet() -> None:
    from tests.bench import fleet_ui

    # 5 s per view: the smoke run proves the harness measures both views, not their figures.
    result = fleet_ui.run(quick=True, agents=50, seconds=5, workers=2)
    assert result["samples_acked"] >= 50 * 5 and result["online_at_start"] == 50, result
    for name in ("cards", "table"):
        view = result["views"][name]
        assert 4.5 <= view["seconds"] <= 10, view
        assert 0 <= view["long_task_busy_pct"] <= view["all_tasks_busy_pct"] + 1, view
        assert 0 < view["all_tasks_busy_pct"] < 100 and view["heap_start_mib"] > 0, view
        assert len(view["heap_mib"]) == fleet_ui.SEGMENTS + 1 and view["heap_flat"] in (True, False), view
    # Both views mount only what is on (or near) the screen of 1440x900.
    assert 0 < result["views"]["cards"]["tiles"] < 50
    assert 0 < result["views"]["table"]["rows_mounted"] <= 50
    assert "Fleet page smoothness" in fleet_ui.render(result)
