"""A tool's Params dataclass is the one declaration of what it takes: parsing enforces its bounds."""

from __future__ import annotations

import pytest
from everyst_agent.tools import capture, dns, port_scan
from everyst_agent.tools.base import ParamsError
from everyst_agent.tools.params import parse_params


@pytest.mark.parametrize(
    ("cls", "params", "message"),
    [
        (
            port_scan.Params,
            '{"target": "10.0.0.1", "ports": "22", "timeout": 31}',
            "timeout must be between 0.05 and 30",
        ),
        (
            port_scan.Params,
            '{"target": "10.0.0.1", "top_ports": 1001}',
            "top_ports must be between 1 and 1000",
        ),
        (capture.Params, '{"filter": "' + "x" * 1025 + '"}', "filter is longer than 1024 characters"),
        (dns.Params, '{"name": "example.org", "types": ["A", "BOGUS"]}', "types must be one of A, AAAA"),
        (dns.Params, '{"name": "example.org", "port": 0}', "port must be between 1 and 65535, got 0"),
    ],
)
def test_params_outside_their_declared_bounds_are_refused_naming_the_bound(cls, params, message):
    with pytest.raises(ParamsError, match=message):
        parse_params(cls, params)


def test_params_within_their_bounds_parse_with_the_declared_defaults():
    params = parse_params(port_scan.Params, '{"target": "10.0.0.1, 10.0.0.2", "top_ports": 10, "rate": 5}')
    assert params.target == ["10.0.0.1", "10.0.0.2"] and params.top_ports == 10
    assert params.rate == 5.0 and isinstance(params.rate, float) and params.timeout == 1.0
