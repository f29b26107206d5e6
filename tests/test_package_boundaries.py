"""The agent and the hub share only the generated protocol code and everyst_common: the hub never
imports the agent (whose package a hub host need not even have), the agent never the hub (it runs
without Django), and everyst_common neither of them. Within the hub, apps that build on another are
not imported by it."""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import AGENT, COMMON, HUB, importing


def test_nothing_in_the_hub_imports_the_agent() -> None:
    assert importing(HUB, "everyst_agent") == {}


def test_the_agent_never_imports_the_hub() -> None:
    assert importing(AGENT, "everyst_hub") == {}


def test_the_shared_package_imports_neither_the_agent_nor_the_hub() -> None:
    assert importing(COMMON, "everyst_agent") == {}
    assert importing(COMMON, "everyst_hub") == {}


def test_the_tools_app_never_imports_the_network_app() -> None:
    # Network builds on tools (schedules start jobs; finished scans feed its inventory through
    # tools.services.on_job_finished), so tools importing network would make a cycle.
    assert importing(HUB / "tools", "everyst_hub.network") == {}


def test_an_import_inside_a_function_counts(tmp_path: Path) -> None:
    # The hub once imported the agent's port table inside a function, out of sight of a glance.
    package = tmp_path / "src" / "somepkg"
    package.mkdir(parents=True)
    (package / "scans.py").write_text(
        "def probed():\n    from everyst_agent.tools.top_ports import TOP_PORTS\n    return TOP_PORTS\n"
    )
    assert importing(package, "everyst_agent") == {"src/somepkg/scans.py": ["everyst_agent.tools.top_ports"]}
