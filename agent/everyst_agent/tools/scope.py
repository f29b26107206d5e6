"""The agent's own scope: which addresses its network tools may touch, whatever the hub asks.

By default: the subnets of its own interfaces plus loopback (scanning the host itself is useful and
safe), plus `scope_allow`, minus `scope_deny`. Recomputed on every check, so an interface that
comes up or goes away changes the scope without a restart.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psutil

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class ScopeError(Exception):
    """A target is outside this agent's scope, or the job is larger than this agent allows."""


@dataclass(frozen=True)
class Interface:
    name: str
    address: Address
    network: Network
    mac: str | None


def connected_interfaces() -> list[Interface]:
    """Every non-loopback interface address with its subnet (link-local IPv6 left out)."""
    result: list[Interface] = []
    for name, addrs in psutil.net_if_addrs().items():
        mac = next((a.address.lower() for a in addrs if a.family == psutil.AF_LINK), None)
        for a in addrs:
            if a.family not in (socket.AF_INET, socket.AF_INET6) or not a.netmask:
                continue
            try:
                iface = ipaddress.ip_interface(f"{a.address.split('%')[0]}/{a.netmask}")
            except ValueError:
                continue
            if iface.ip.is_loopback or iface.ip.is_link_local:
                continue
            result.append(Interface(name, iface.ip, iface.network, mac))
    return result


def _networks(entries: Iterable[str]) -> list[Network]:
    """CIDRs and addresses as networks; host names resolved now (each of their addresses)."""
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(entry, None, proto=socket.IPPROTO_TCP)
        except OSError:
            continue  # an unresolvable name allows nothing and denies nothing
        for info in infos:
            networks.append(ipaddress.ip_network(str(info[4][0]).split("%")[0]))
    return networks


def resolve(target: str) -> Address:
    """An address literal, or the first address of a host name (IPv4 preferred, as nmap does)."""
    try:
        return ipaddress.ip_address(target)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(target, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ScopeError(f"cannot resolve {target!r}: {exc.strerror or exc}") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    addresses.sort(key=lambda a: a.version)
    return addresses[0]


class Scope:
    def __init__(
        self,
        allow: Sequence[str] = (),
        deny: Sequence[str] = (),
        max_hosts: int = 1024,
        connected: bool = True,
    ) -> None:
        self.allow_entries = tuple(allow)
        self.deny_entries = tuple(deny)
        self.max_hosts = max_hosts
        self.connected = connected

    def networks(self) -> tuple[list[Network], list[Network]]:
        allowed = list(LOOPBACK)
        if self.connected:
            allowed += [iface.network for iface in connected_interfaces()]
        allowed += _networks(self.allow_entries)
        return _collapse(allowed), _collapse(_networks(self.deny_entries))

    def describe(self) -> str:
        allowed, denied = self.networks()
        text = "allowed: " + ", ".join(map(str, allowed))
        if denied:
            text += "; denied: " + ", ".join(map(str, denied))
        return text

    def contains(self, address: Address) -> bool:
        allowed, denied = self.networks()
        return _inside(address, allowed) and not _inside(address, denied)

    def check(self, targets: Iterable[str]) -> list[Address]:
        """Every address the targets stand for, in order, or ScopeError naming what is refused.

        Blocking (host names are resolved): call it from a thread in async code.
        """
        allowed, denied = self.networks()
        addresses: dict[Address, None] = {}
        for target in targets:
            target = target.strip()
            if not target:
                continue
            for address in self._expand(target, len(addresses)):
                addresses[address] = None
        if not addresses:
            raise ScopeError("no target given")
        outside = [a for a in addresses if not _inside(a, allowed) or _inside(a, denied)]
        if outside:
            more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
            allowed_text = ", ".join(map(str, allowed))
            denied_text = f"; denied: {', '.join(map(str, denied))}" if denied else ""
            raise ScopeError(
                f"{outside[0]}{more} is outside this agent's scope (allowed: {allowed_text}{denied_text}); "
                "widen it with scope_allow in the agent's configuration"
            )
        return list(addresses)

    def _expand(self, target: str, have: int) -> list[Address]:
        if "/" in target:
            try:
                network = ipaddress.ip_network(target, strict=False)
            except ValueError:
                raise ScopeError(f"{target!r} is not a valid CIDR") from None
            count = network.num_addresses
            if network.version == 4 and network.prefixlen < 31:
                count -= 2
            if have + count > self.max_hosts:
                raise ScopeError(
                    f"{target} has {count} addresses; this agent scans at most {self.max_hosts} hosts "
                    "per job (max_hosts_per_job)"
                )
            if network.num_addresses == 1:
                return [network.network_address]
            return list(network.hosts()) if network.version == 4 and network.prefixlen < 31 else list(network)
        if have + 1 > self.max_hosts:
            raise ScopeError(f"more than {self.max_hosts} hosts in one job (max_hosts_per_job)")
        return [resolve(target)]


def _collapse(networks: list[Network]) -> list[Network]:
    v4 = [n for n in networks if n.version == 4]
    v6 = [n for n in networks if n.version == 6]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]  # type: ignore[arg-type]


def _inside(address: Address, networks: list[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def interface_for(address: Address, interfaces: list[Interface] | None = None) -> Interface | None:
    """The interface whose subnet holds `address` (the longest prefix wins), among `interfaces`
    (default: read now; pass them in when asking for many addresses)."""
    best: Interface | None = None
    for iface in connected_interfaces() if interfaces is None else interfaces:
        same = iface.network.version == address.version and address in iface.network
        if same and (best is None or iface.network.prefixlen > best.network.prefixlen):
            best = iface
    return best
