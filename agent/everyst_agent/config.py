"""Agent configuration: a TOML file, then `EVERYST_AGENT_<FIELD>` environment variables on top.

Every bad value raises `ConfigError` naming the field, where the value came from and how to fix it,
so a typo in a systemd unit or a TOML file fails at start instead of misbehaving later.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from everyst_agent.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/everyst/agent.toml")
DEFAULT_STATE_DIR = Path("/var/lib/everyst-agent")
ENV_PREFIX = "EVERYST_AGENT_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_INTERVAL = 0.1
MAX_INTERVAL = 3600.0
# Unacknowledged batches an agent may have on its stream (the Hello declares it, a uint32).
MAX_IN_FLIGHT = 65_536

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TARGET = re.compile(r"[0-9A-Za-z.:_-]+(/[0-9]{1,3})?")


@dataclass(frozen=True)
class AgentConfig:
    # One hub address, or several (replicas) joined by commas: the agent streams to one at a time
    # and moves to the next when a stream fails or ends. `hub_addresses` splits it.
    hub: str = "127.0.0.1:50051"
    tls: bool = True
    # None means `<state_dir>/hub-ca.pem`; `load_config` always fills it in.
    ca_file: Path | None = None
    ca_fingerprint: str | None = None
    tls_server_name: str | None = None
    state_dir: Path = DEFAULT_STATE_DIR
    enroll_token: str | None = None
    interval: float = 1.0
    # Identity of this machine, when /etc/machine-id is shared (cloned VMs, containers).
    machine_id: str | None = None
    # Seconds between top-process rounds, and between listening sockets / users / failed units; 0 = off.
    process_interval: float = 5.0
    slow_interval: float = 30.0
    spool_max_samples: int = 604800
    # Acknowledged samples stay in the spool this long (by collection time), so a hub restored
    # from a backup gets back what it acknowledged after that backup; 0 deletes them on ack.
    keep_acked_seconds: float = 3600.0
    max_in_flight: int = 256
    # A stream that stops answering is broken: no Welcome within `welcome_timeout` s of starting to
    # connect, or no ack for `ack_timeout` s while batches wait for one. The agent then drops it,
    # logs a warning and reconnects with backoff.
    welcome_timeout: float = 30.0
    ack_timeout: float = 30.0
    # The longest wait between two attempts to reach the hub: waits double from 0.5 s up to this,
    # each drawn at random below its ceiling so a fleet does not reconnect in step.
    reconnect_max: float = 30.0
    log_level: str = "INFO"
    # Network tools: scope = connected subnets + loopback + scope_allow - scope_deny (CIDRs or hosts).
    scope_allow: tuple[str, ...] = ()
    scope_deny: tuple[str, ...] = ()
    max_concurrent_jobs: int = 2
    max_hosts_per_job: int = 1024
    max_ports_per_job: int = 65535

    @property
    def ca_path(self) -> Path:
        return self.ca_file if self.ca_file is not None else self.state_dir / "hub-ca.pem"

    @property
    def hub_addresses(self) -> tuple[str, ...]:
        return tuple(self.hub.split(","))

    @property
    def credentials_path(self) -> Path:
        return self.state_dir / "credentials.json"

    @property
    def spool_path(self) -> Path:
        return self.state_dir / "spool.sqlite"


FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(AgentConfig))


def normalize_fingerprint(value: str) -> str:
    """Lower-case hex without separators, so `AB:CD:…` and `abcd…` pin the same certificate."""
    return value.replace(":", "").replace(" ", "").strip().lower()


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError("must be true or false")


def _number(kind: type[int] | type[float]) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        if isinstance(raw, bool) or (kind is int and isinstance(raw, float) and not raw.is_integer()):
            raise ValueError(f"must be {'an integer' if kind is int else 'a number'}, got {raw!r}")
        try:
            return kind(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            raise ValueError(f"must be {'an integer' if kind is int else 'a number'}, got {raw!r}") from None

    return parse


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"must be a string, got {raw!r}")
    return raw.strip()


def _optional_text(raw: Any) -> str | None:
    return _text(raw) or None


def _targets(raw: Any) -> tuple[str, ...]:
    """A TOML list or a comma-separated string of CIDRs, addresses or host names."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"must be a list of CIDRs or host names, got {raw!r}")
    values = tuple(item.strip() for item in items if item.strip())
    for value in values:
        if not _TARGET.fullmatch(value):
            raise ValueError(f"must be a list of CIDRs or host names; {value!r} is neither")
    return values


def _hubs(raw: Any) -> str:
    """A TOML list or a comma-separated string of host:port addresses, kept comma-joined."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"must be host:port or a list of them, got {raw!r}")
    return ",".join(item.strip() for item in items)


def _path(raw: Any) -> Path:
    text = _text(raw)
    if not text:
        raise ValueError("must not be empty")
    return Path(text).expanduser()


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "hub": _hubs,
    "tls": _bool,
    "ca_file": _path,
    "ca_fingerprint": _optional_text,
    "tls_server_name": _optional_text,
    "state_dir": _path,
    "enroll_token": _optional_text,
    "interval": _number(float),
    "machine_id": _optional_text,
    "process_interval": _number(float),
    "slow_interval": _number(float),
    "spool_max_samples": _number(int),
    "keep_acked_seconds": _number(float),
    "max_in_flight": _number(int),
    "welcome_timeout": _number(float),
    "ack_timeout": _number(float),
    "reconnect_max": _number(float),
    "log_level": lambda raw: _text(raw).upper(),
    "scope_allow": _targets,
    "scope_deny": _targets,
    "max_concurrent_jobs": _number(int),
    "max_hosts_per_job": _number(int),
    "max_ports_per_job": _number(int),
}


def _check_hub(hubs: str) -> str | None:
    addresses = hubs.split(",")
    several = len(addresses) > 1
    for hub in addresses:
        host, sep, port = hub.rpartition(":")
        if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            if several:
                return (
                    "hub must be host:port addresses separated by commas "
                    f"(e.g. hub1.lan:50051,hub2.lan:50051); {hub!r} in {hubs!r} is not host:port"
                )
            return f"hub must be host:port (e.g. hub.example.com:50051), got {hub!r}"
    if len(set(addresses)) != len(addresses):
        return f"hub lists the same address twice: {hubs!r}"
    return None


def _check(field: str, value: Any) -> str | None:
    """Return what is wrong with `value` for `field`, or None when it is acceptable."""
    if field == "hub":
        return _check_hub(value)
    if field == "interval" and not MIN_INTERVAL <= value <= MAX_INTERVAL:
        return f"interval must be between {MIN_INTERVAL:g} and {MAX_INTERVAL:g} seconds, got {value:g}"
    slow = field in ("process_interval", "slow_interval")
    if slow and value != 0 and not MIN_INTERVAL <= value <= MAX_INTERVAL:
        return (
            f"{field} must be 0 (off) or between {MIN_INTERVAL:g} and {MAX_INTERVAL:g} seconds, got {value:g}"
        )
    if field == "spool_max_samples" and value < 1:
        return f"spool_max_samples must be at least 1, got {value}"
    if field == "keep_acked_seconds" and not 0 <= value <= 7 * 86400:
        return f"keep_acked_seconds must be between 0 and {7 * 86400} (7 days), got {value:g}"
    if field in ("welcome_timeout", "ack_timeout", "reconnect_max") and not 1 <= value <= MAX_INTERVAL:
        return f"{field} must be between 1 and {MAX_INTERVAL:g} seconds, got {value:g}"
    if field == "max_in_flight" and not 1 <= value <= MAX_IN_FLIGHT:
        return f"max_in_flight must be between 1 and {MAX_IN_FLIGHT}, got {value}"
    if field in ("max_concurrent_jobs", "max_hosts_per_job") and value < 1:
        return f"{field} must be at least 1, got {value}"
    if field == "max_ports_per_job" and not 1 <= value <= 65535:
        return f"max_ports_per_job must be between 1 and 65535, got {value}"
    if field == "log_level" and value not in LOG_LEVELS:
        return f"log_level must be one of {', '.join(LOG_LEVELS)}, got {value!r}"
    if field == "ca_fingerprint" and value is not None and not _HEX64.fullmatch(normalize_fingerprint(value)):
        return "ca_fingerprint must be the SHA-256 of the hub CA certificate: 64 hex digits, colons allowed"
    return None


def _apply(values: dict[str, Any], field: str, raw: Any, source: str) -> None:
    try:
        value = _PARSERS[field](raw)
    except ValueError as exc:
        raise ConfigError(f"{field} {exc} (from {source})") from None
    problem = _check(field, value)
    if problem:
        raise ConfigError(f"{problem} (from {source})")
    if field == "ca_fingerprint" and value is not None:
        value = normalize_fingerprint(value)
    values[field] = value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None


def load_config(
    path: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AgentConfig:
    """Build the configuration from file, environment and (command-line) overrides, in that order.

    Without `path` the default file is read if it exists; an explicit `path` must exist, because a
    mistyped `--config` silently falling back to defaults would point the agent at the wrong hub.
    """
    environ = os.environ if env is None else env
    values: dict[str, Any] = {}

    config_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if path is not None or config_path.exists():
        data = _read_toml(config_path)
        if "hubs" in data:
            # `hubs = ["a:50051", "b:50051"]` reads better in a file than a comma-joined `hub`.
            if "hub" in data:
                raise ConfigError(f"{config_path} sets both hub and hubs; keep one (hubs is a list of hub)")
            data["hub"] = data.pop("hubs")
        for key, raw in data.items():
            if key not in _PARSERS:
                raise ConfigError(
                    f"unknown setting {key!r} in {config_path}; known settings: {', '.join(FIELDS)}"
                )
            _apply(values, key, raw, str(config_path))

    for field in FIELDS:
        name = ENV_PREFIX + field.upper()
        if name in environ:
            _apply(values, field, environ[name], name)

    for field, raw in (overrides or {}).items():
        if raw is not None:
            _apply(values, field, raw, "command line")

    config = AgentConfig(**values)
    if config.ca_file is None:
        config = dataclasses.replace(config, ca_file=config.state_dir / "hub-ca.pem")
    return config


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
