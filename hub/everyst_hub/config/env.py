"""Typed readers for settings that come from the environment.

Every reader fails fast with a message that names the variable and says how to fix it, so a
bad deployment dies at start-up instead of misbehaving later.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

N = TypeVar("N", int, float)


class ConfigError(RuntimeError):
    """A setting in the environment is missing or malformed."""


def _raw(name: str) -> str | None:
    """The variable's value, or the content of the file named by `<name>_FILE` (for secrets)."""
    value = os.environ.get(name)
    file_path = os.environ.get(f"{name}_FILE")
    if value is not None and file_path:
        raise ConfigError(f"{name} and {name}_FILE are both set: keep only one of them.")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_path!r} cannot be read: {exc.strerror}.") from exc
    return value


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean: use true or false.")


def _env_number(
    name: str, default: N, parse: Callable[[str], N], what: str, minimum: N | None, maximum: N | None
) -> N:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = parse(value)
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} is not {what}.") from exc
    # Written so that a NaN is out of every range.
    if not (minimum is None or minimum <= number) or not (maximum is None or number <= maximum):
        raise ConfigError(f"{name}={number} is out of range: use a value from {minimum} to {maximum}.")
    return number


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    return _env_number(name, default, int, "a whole number", minimum, maximum)


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    return _env_number(name, default, float, "a number", minimum, maximum)


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses or CIDR networks ("127.0.0.1, 10.0.0.0/8")."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8).") from exc
    return networks
