"""Tool names the hub may ask for, and their modules, imported on first use.

Tools pull in scapy (tens of MiB, a second of CPU): an agent that never runs one never pays for it.
"""

from __future__ import annotations

import importlib
import threading

from everyst_agent.tools.base import Tool

TOOL_NAMES: tuple[str, ...] = (
    "capture",
    "discover",
    "dns",
    "listening",
    "ping",
    "port_scan",
    "services",
    "tls_cert",
    "traceroute",
)
_lock = threading.Lock()


def load(name: str) -> Tool:
    """The tool called `name`; blocking the first time (import), so call it from a thread."""
    if name not in TOOL_NAMES:
        raise KeyError(name)
    with _lock:
        module = importlib.import_module(f"everyst_agent.tools.{name}")
    tool: Tool = module.TOOL
    return tool
