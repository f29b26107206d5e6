"""Configuration: TOML file, then EVERYST_AGENT_* environment, with errors that say how to fix them."""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path

import pytest
from everyst_agent import config as config_module
from everyst_agent.config import AgentConfig, load_config
from everyst_agent.errors import ConfigError

FINGERPRINT = "ab" * 32


@pytest.fixture(autouse=True)
def no_system_config(monkeypatch, tmp_path):
    monkeypatch.setattr(config_module, "DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(text)
    return path


def test_defaults_apply_without_a_file_or_environment():
    config = load_config(env={})
    assert config.hub == "127.0.0.1:50051"
    assert config.tls is True
    assert config.state_dir == Path("/var/lib/everyst-agent")
    assert config.ca_file == Path("/var/lib/everyst-agent/hub-ca.pem")
    assert config.interval == 1.0
    assert config.spool_max_samples == 604800
    assert config.max_in_flight == 256
    assert config.ca_fingerprint is None and config.enroll_token is None and config.tls_server_name is None


def test_ca_file_defaults_into_the_configured_state_dir(tmp_path):
    config = load_config(env={"EVERYST_AGENT_STATE_DIR": str(tmp_path)})
    assert config.ca_file == tmp_path / "hub-ca.pem"
    assert config.credentials_path == tmp_path / "credentials.json"
    assert config.spool_path == tmp_path / "spool.sqlite"


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, 'hub = "hub.lan:50051"\ninterval = 5\ntls = true\nlog_level = "warning"\n')
    config = load_config(path, env={"EVERYST_AGENT_HUB": "other:9000", "EVERYST_AGENT_TLS": "false"})
    assert config.hub == "other:9000"
    assert config.tls is False
    assert config.interval == 5.0
    assert config.log_level == "WARNING"


def test_fingerprint_is_normalised_whatever_its_case_and_colons():
    spaced = ":".join(["AB"] * 32)
    assert load_config(env={"EVERYST_AGENT_CA_FINGERPRINT": spaced}).ca_fingerprint == FINGERPRINT


def test_interval_out_of_range_names_the_field_the_bounds_and_the_source():
    with pytest.raises(ConfigError) as excinfo:
        load_config(env={"EVERYST_AGENT_INTERVAL": "-1"})
    assert (
        str(excinfo.value)
        == "interval must be between 0.1 and 3600 seconds, got -1 (from EVERYST_AGENT_INTERVAL)"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EVERYST_AGENT_INTERVAL", "fast", "interval must be a number, got 'fast'"),
        ("EVERYST_AGENT_TLS", "maybe", "tls must be true or false"),
        ("EVERYST_AGENT_HUB", "hub.lan", "hub must be host:port"),
        ("EVERYST_AGENT_HUB", "hub.lan:99999", "hub must be host:port"),
        ("EVERYST_AGENT_SPOOL_MAX_SAMPLES", "0", "spool_max_samples must be at least 1"),
        ("EVERYST_AGENT_MAX_IN_FLIGHT", "1.5", "max_in_flight must be an integer"),
        ("EVERYST_AGENT_MAX_IN_FLIGHT", "0", "max_in_flight must be between 1 and 65536, got 0"),
        ("EVERYST_AGENT_MAX_IN_FLIGHT", "100000", "max_in_flight must be between 1 and 65536, got 100000"),
        ("EVERYST_AGENT_LOG_LEVEL", "chatty", "log_level must be one of DEBUG, INFO"),
        ("EVERYST_AGENT_CA_FINGERPRINT", "abc", "ca_fingerprint must be the SHA-256"),
    ],
)
def test_bad_environment_values_are_refused_with_the_variable_name(name, value, message):
    with pytest.raises(ConfigError) as excinfo:
        load_config(env={name: value})
    assert message in str(excinfo.value)
    assert f"(from {name})" in str(excinfo.value)


def test_bad_file_values_name_the_file(tmp_path):
    path = write(tmp_path, "interval = 7200\n")
    with pytest.raises(ConfigError, match=rf"got 7200 \(from {path}\)"):
        load_config(path, env={})


def test_unknown_file_settings_are_refused_so_typos_are_not_silently_ignored(tmp_path):
    path = write(tmp_path, 'hubb = "x:1"\n')
    with pytest.raises(ConfigError, match="unknown setting 'hubb'"):
        load_config(path, env={})


def test_invalid_toml_is_reported_with_its_path(tmp_path):
    path = write(tmp_path, "hub = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path, env={})


def test_an_explicit_config_path_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml", env={})


def test_command_line_overrides_win_over_the_environment():
    config = load_config(
        env={"EVERYST_AGENT_HUB": "env:1"}, overrides={"hub": "cli:2", "ca_fingerprint": None}
    )
    assert config.hub == "cli:2"


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        AgentConfig().interval = 2  # type: ignore[misc]


def test_process_and_slow_intervals_default_to_5_and_30_seconds_and_accept_0_for_off():
    config = load_config(env={})
    assert (config.process_interval, config.slow_interval) == (5.0, 30.0)
    config = load_config(env={"EVERYST_AGENT_PROCESS_INTERVAL": "0", "EVERYST_AGENT_SLOW_INTERVAL": "60"})
    assert (config.process_interval, config.slow_interval) == (0.0, 60.0)


def test_a_negative_process_interval_is_refused_with_its_range():
    with pytest.raises(ConfigError, match=r"process_interval must be 0 \(off\) or between"):
        load_config(env={"EVERYST_AGENT_PROCESS_INTERVAL": "-1"})


def test_the_tools_scope_comes_from_the_file_and_the_environment(tmp_path):
    from everyst_agent.tools.runner import ToolRunner
    from everyst_agent.tools.scope import ScopeError, connected_interfaces

    path = write(
        tmp_path,
        'scope_allow = ["10.77.0.0/24", "203.0.113.10"]\n'
        'scope_deny = ["10.77.0.128/25"]\n'
        "max_hosts_per_job = 64\n",
    )
    config = load_config(path, env={"EVERYST_AGENT_SCOPE_DENY": "10.77.0.128/25,127.0.0.2"})
    assert config.scope_allow == ("10.77.0.0/24", "203.0.113.10")
    assert config.scope_deny == ("10.77.0.128/25", "127.0.0.2")

    async def emit(event):  # pragma: no cover - nothing runs: only the scope is checked
        raise AssertionError(event)

    scope = ToolRunner.from_config(config, emit).scope
    outside = ("10.77.0.200", "127.0.0.2", "203.0.113.11", "198.51.100.7")
    connected = [iface.network for iface in connected_interfaces()]
    if any(ipaddress.ip_address(a) in net for a in outside for net in connected if net.prefixlen > 8):
        pytest.skip(f"this machine's own subnets {connected} overlap the test's addresses")
    # Checking a target resolves and compares addresses; it sends nothing.
    assert [str(a) for a in scope.check(["10.77.0.5", "203.0.113.10", "127.0.0.1"])] == [
        "10.77.0.5",
        "203.0.113.10",
        "127.0.0.1",
    ]
    for address in outside:
        with pytest.raises(ScopeError, match="outside this agent's scope"):
            scope.check([address])
    with pytest.raises(ScopeError, match="64"):
        scope.check(["10.77.0.0/24"])  # 256 addresses, over max_hosts_per_job


def test_a_bad_scope_entry_names_the_field(tmp_path):
    path = write(tmp_path, 'scope_allow = ["10.0.0.0/8", "not a network!"]\n')
    with pytest.raises(ConfigError, match="scope_allow"):
        load_config(path, env={})


def test_hub_may_list_several_replicas_separated_by_commas():
    config = load_config(env={"EVERYST_AGENT_HUB": " hub1.lan:50051 , hub2.lan:50052 "})
    assert config.hub_addresses == ("hub1.lan:50051", "hub2.lan:50052")
    assert load_config(env={}).hub_addresses == ("127.0.0.1:50051",)


def test_a_file_may_list_replicas_as_hubs(tmp_path):
    path = write(tmp_path, 'hubs = ["hub1.lan:50051", "[::1]:50052"]\n')
    assert load_config(path, env={}).hub_addresses == ("hub1.lan:50051", "[::1]:50052")
    path = write(tmp_path, 'hub = ["hub1.lan:50051", "hub2.lan:50051"]\n')
    assert load_config(path, env={}).hub_addresses == ("hub1.lan:50051", "hub2.lan:50051")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hub1.lan:50051,hub2.lan", "'hub2.lan' in 'hub1.lan:50051,hub2.lan' is not host:port"),
        ("hub1.lan:50051,,hub2.lan:1", "'' in 'hub1.lan:50051,,hub2.lan:1' is not host:port"),
        ("hub1.lan:50051,", "'' in 'hub1.lan:50051,' is not host:port"),
        ("a:1,b:2,a:1", "hub lists the same address twice: 'a:1,b:2,a:1'"),
    ],
)
def test_a_bad_entry_in_a_hub_list_is_named(value, message):
    with pytest.raises(ConfigError) as excinfo:
        load_config(env={"EVERYST_AGENT_HUB": value})
    assert message in str(excinfo.value)
    assert "(from EVERYST_AGENT_HUB)" in str(excinfo.value)


def test_hub_and_hubs_in_one_file_are_refused(tmp_path):
    path = write(tmp_path, 'hub = "a:1"\nhubs = ["b:2"]\n')
    with pytest.raises(ConfigError, match="sets both hub and hubs"):
        load_config(path, env={})


def test_hubs_must_be_a_list_of_strings(tmp_path):
    path = write(tmp_path, "hubs = [1, 2]\n")
    with pytest.raises(ConfigError, match="hub must be host:port or a list of them"):
        load_config(path, env={})
