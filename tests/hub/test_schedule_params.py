"""A network schedule's params are held to what its tool's agent declares (tools.schema.json)."""

from __future__ import annotations

from typing import Any

import pytest
from everyst_hub.network.models import Network, Schedule
from everyst_hub.tools.params import TOOLS, tool_schemas

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedules(world: Any, api: Any) -> str:
    network = Network.objects.create(host=world.host_a, cidr="192.168.50.0/24")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.operator_a)}")
    return f"/api/v1/networks/{network.id}/schedules"


def test_every_tool_a_schedule_may_run_is_a_tool_the_agents_declare() -> None:
    assert set(Schedule.Tool.values) <= set(TOOLS)
    # A scan's target is the network's CIDR: each scheduled scan takes one.
    for tool in Schedule.Tool.values:
        properties = tool_schemas()[tool]["properties"]
        assert "target" in properties or tool == Schedule.Tool.TLS_CERT


@pytest.mark.parametrize(
    ("tool", "params", "message"),
    [
        ("port_scan", {"top_ports": 5000}, "params: top_ports must be between 1 and 1000, got 5000."),
        ("port_scan", {"speed": "fast"}, "params: unknown parameter(s) speed; port_scan takes"),
        ("discover", {"method": "icmp"}, "params: method must be one of auto, arp, tcp, got 'icmp'."),
        ("tls_cert", {"host": "nas.lan", "timeout": 0}, "params: timeout must be between 0.1 and 60, got 0."),
        ("tls_cert", {"port": 443}, "params: a tls_cert schedule needs host, the name or address to check."),
    ],
)
def test_a_schedule_with_params_its_tool_refuses_is_a_400_naming_the_param(
    api: Any, schedules: str, tool: str, params: dict[str, Any], message: str
) -> None:
    response = api.post(schedules, {"tool": tool, "params": params, "every_minutes": 60}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"].startswith(message)
    assert not Schedule.objects.exists()


def test_changing_a_schedule_s_params_or_tool_is_checked_against_the_tool_it_ends_with(
    api: Any, schedules: str
) -> None:
    created = api.post(
        schedules, {"tool": "port_scan", "params": {"top_ports": 100}, "every_minutes": 60}, format="json"
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/schedules/{created.json()['id']}"
    refused = api.patch(url, {"params": {"top_ports": 100, "method": "fast"}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("params: method must be one of auto, syn, connect")
    # discover takes no top_ports: the schedule's params no longer fit once its tool changes.
    changed_tool = api.patch(url, {"tool": "discover"}, format="json")
    assert changed_tool.status_code == 400
    assert "unknown parameter(s) top_ports; discover takes" in changed_tool.json()["error"]["message"]
    assert Schedule.objects.get().params == {"top_ports": 100} and Schedule.objects.get().tool == "port_scan"
    fine = api.patch(url, {"params": {"ports": "22,443"}}, format="json")
    assert fine.status_code == 200 and fine.json()["params"] == {"ports": "22,443"}
