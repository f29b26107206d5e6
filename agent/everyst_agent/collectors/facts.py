"""Static facts about the host, collected once per connection (they change rarely, if ever)."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent import __version__
from everyst_agent.collectors.base import COLLECT_ERRORS

log = logging.getLogger(__name__)
T = TypeVar("T")

# Substrings of DMI sys_vendor/product_name, checked in order (KVM before QEMU: KVM guests say both).
_DMI_VENDORS: tuple[tuple[str, str], ...] = (
    ("kvm", "kvm"),
    ("qemu", "qemu"),
    ("vmware", "vmware"),
    ("virtualbox", "virtualbox"),
    ("innotek", "virtualbox"),
    ("xen", "xen"),
    ("microsoft corporation", "hyperv"),
    ("parallels", "parallels"),
    ("amazon ec2", "amazon"),
    ("google compute engine", "google"),
    ("bochs", "bochs"),
    ("openstack", "kvm"),
)


def _safe(what: str, fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except COLLECT_ERRORS as exc:
        log.debug("cannot read %s: %s", what, exc)
        return default


def _read(path: Path) -> str:
    """The text of `path`, or "" when it is missing or unreadable."""
    try:
        return path.read_text(errors="replace")
    except COLLECT_ERRORS as exc:
        log.debug("cannot read %s: %s", path, exc)
        return ""


def os_pretty_name(root: Path = Path("/")) -> str:
    for rel in ("etc/os-release", "usr/lib/os-release"):
        text = _read(root / rel)
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "PRETTY_NAME":
                return value.strip().strip("\"'")
    return ""


def cpu_model(cpuinfo: str) -> str:
    # x86 says "model name"; ARM and others use "Model", "Hardware" or "cpu model".
    found: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in ("model name", "cpu model", "model", "hardware", "cpu") and key not in found:
            found[key] = value.strip()
    for key in ("model name", "cpu model", "hardware", "model", "cpu"):
        if found.get(key) and not found[key].isdigit():
            return found[key]
    return ""


def addresses() -> list[str]:
    result: list[str] = []
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            text = addr.address.split("%", 1)[0]
            try:
                ip = ipaddress.ip_address(text)
            except ValueError:
                continue
            if not ip.is_loopback and text not in result:
                result.append(text)
    return result


def detect_container(root: Path = Path("/")) -> str:
    if (root / ".dockerenv").exists():
        return "docker"
    if (root / "run/.containerenv").exists():
        return "podman"
    environ = _safe("/proc/1/environ", lambda: (root / "proc/1/environ").read_bytes(), b"")
    for entry in environ.split(b"\0"):
        if entry.startswith(b"container="):
            return entry.partition(b"=")[2].decode(errors="replace").strip() or "container"
    cgroup = _read(root / "proc/1/cgroup")
    for marker, name in (("lxc", "lxc"), ("docker", "docker"), ("kubepods", "kubernetes")):
        if marker in cgroup:
            return name
    return ""


def detect_vm(cpuinfo: str, root: Path = Path("/"), kernel: str = "") -> str:
    if "microsoft" in kernel.lower() and "wsl" in kernel.lower():
        return "wsl"
    dmi = " ".join(_read(root / "sys/class/dmi/id" / name) for name in ("sys_vendor", "product_name")).lower()
    for marker, name in _DMI_VENDORS:
        if marker in dmi:
            return name
    if _read(root / "sys/hypervisor/type").strip() == "xen":
        return "xen"
    for line in cpuinfo.splitlines():
        if line.startswith("flags") and " hypervisor" in line:
            # A hypervisor is there but hides its name (no DMI inside this container, say).
            return "vm"
    return ""


def detect_virtualization(cpuinfo: str, root: Path = Path("/"), kernel: str = "") -> str:
    """The innermost layer: a container inside a VM reports the container.

    Returns "none" on bare metal, and "" when nothing could be read to tell.
    """
    found = detect_container(root) or detect_vm(cpuinfo, root, kernel)
    if found:
        return found
    return "none" if cpuinfo else ""


def collect_facts(root: Path = Path("/"), machine_id: str | None = None) -> agent_pb2.HostFacts:
    """`machine_id` overrides /etc/machine-id: cloned VMs and containers often share one."""
    uname = os.uname()
    cpuinfo = _read(root / "proc/cpuinfo")
    machine_id = machine_id or ""
    for rel in () if machine_id else ("etc/machine-id", "var/lib/dbus/machine-id"):
        machine_id = _read(root / rel).strip()
        if machine_id:
            break
    return agent_pb2.HostFacts(
        hostname=_safe("hostname", socket.gethostname, ""),
        os=os_pretty_name(root),
        kernel=uname.release,
        arch=uname.machine,
        cpu_model=cpu_model(cpuinfo),
        cpu_logical=_safe("cpu count", psutil.cpu_count, None) or 0,
        cpu_physical=_safe("physical cpu count", lambda: psutil.cpu_count(logical=False), None) or 0,
        memory_total=_safe("memory", lambda: psutil.virtual_memory().total, 0),
        addresses=_safe("addresses", addresses, list[str]()),
        agent_version=__version__,
        boot_time=_safe("boot time", psutil.boot_time, 0.0),
        machine_id=machine_id,
        virtualization=detect_virtualization(cpuinfo, root, uname.release),
    )
