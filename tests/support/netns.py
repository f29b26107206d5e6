"""A throwaway network lab in Linux namespaces, built and torn down by the tests themselves.

    evlab-br-<tag>    a namespace holding bridge br0 and one veth per node; nothing else
    evlab-sc-<tag>    the scanner: eth0 = 10.201.<k>.2/24, where the code under test runs
    evlab-h<i>-<tag>  host i: eth0 = 10.201.<k>.<10+i>/24, optional listeners

No namespace has a default route and the bridge has no uplink, so no packet can leave the lab; the
/24 is one that no address or route of this machine uses. Teardown kills every process the lab
started and deletes every namespace, also when the setup fails halfway.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# A tiny server run inside a host namespace: plain TCP listeners, an SSH-like banner, an HTTP server,
# TLS (self-signed), and a UDP DNS server answering A/AAAA/MX/TXT/NS/CNAME/PTR from a table (CNAMEs
# followed). stdlib only: starts fast.
SERVER = r"""
import asyncio, json, socket, ssl, struct, sys
spec = json.loads(sys.argv[1])

async def plain(r, w):
    try:
        await asyncio.wait_for(r.read(1), 5)
    except Exception:
        pass
    w.close()

async def ssh(r, w):
    w.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    await plain(r, w)

async def http(r, w):
    try:
        await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
        w.write(b"HTTP/1.1 200 OK\r\nServer: evlab-httpd/1.0\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
                b"<html><head><title>Everyst Lab</title></head><body>hi</body></html>")
        await w.drain()
    except Exception:
        pass
    w.close()

def encode_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"

CODES = {"A": 1, "NS": 2, "CNAME": 5, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}

def record(owner, rtype, value):
    if rtype == "A":
        rdata = socket.inet_pton(socket.AF_INET, value)
    elif rtype == "AAAA":
        rdata = socket.inet_pton(socket.AF_INET6, value)
    elif rtype == "MX":
        rdata = struct.pack("!H", value[0]) + encode_name(value[1])
    elif rtype == "TXT":
        rdata = bytes([len(value)]) + value.encode()
    else:  # NS, CNAME, PTR: a domain name
        rdata = encode_name(value)
    return encode_name(owner) + struct.pack("!HHIH", CODES[rtype], 1, 300, len(rdata)) + rdata

class Dns(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        ident, flags = struct.unpack("!HH", data[:4])
        i, labels = 12, []
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode()); i += 1 + data[i]
        qtype = struct.unpack("!H", data[i + 1:i + 3])[0]
        question = data[12:i + 5]
        name = ".".join(labels).lower()
        answers, owner = [], name
        for _ in range(8):  # follow CNAMEs as a resolver would: the alias, then the target's records
            table = spec["dns"]["records"].get(owner, [])
            alias = [v for t, v in table if t == "CNAME"]
            matching = [(t, v) for t, v in table if CODES[t] == qtype]
            answers += [record(owner, t, v) for t, v in matching]
            if matching or not alias:
                break
            answers.append(record(owner, "CNAME", alias[0]))
            owner = alias[0].lower()
        rcode = 0 if name in spec["dns"]["records"] else 3
        header = struct.pack("!HHHHHH", ident, 0x8400 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
        self.transport.sendto(header + question + b"".join(answers), addr)

def read_name(data, i):
    labels, end = [], None
    while data[i]:
        if data[i] & 0xC0 == 0xC0:
            end = i + 2 if end is None else end
            i = struct.unpack("!H", data[i:i + 2])[0] & 0x3FFF
            continue
        labels.append(data[i + 1:i + 1 + data[i]].decode()); i += 1 + data[i]
    return ".".join(labels).lower(), (i + 1 if end is None else end)

class Mdns(asyncio.DatagramProtocol):
    # What Avahi does for its own address: answer `<reverse>.in-addr.arpa PTR` with `<name>.local`,
    # by unicast to a one-shot querier's port (RFC 6762 6.7), by multicast to port 5353.
    def connection_made(self, transport):
        self.transport = transport
        self.reverse = ".".join(reversed(spec["mdns"]["address"].split("."))) + ".in-addr.arpa"
    def datagram_received(self, data, addr):
        ident, flags, qdcount = struct.unpack("!HHH", data[:6])
        if flags & 0x8000:
            return
        i = 12
        for _ in range(qdcount):
            name, i = read_name(data, i)
            qtype = struct.unpack("!H", data[i:i + 2])[0]
            i += 4
            if name == self.reverse and qtype in (12, 255):
                question = encode_name(name) + struct.pack("!HH", 12, 1)
                rdata = encode_name(spec["mdns"]["name"])
                answer = encode_name(name) + struct.pack("!HHIH", 12, 1, 10, len(rdata)) + rdata
                legacy = addr[1] != 5353
                header = struct.pack("!HHHHHH", ident if legacy else 0, 0x8400, 1 if legacy else 0, 1, 0, 0)
                target = addr if legacy else ("224.0.0.251", 5353)
                self.transport.sendto(header + (question if legacy else b"") + answer, target)

async def main():
    if "mdns" in spec:
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 5353))
        group = socket.inet_aton("224.0.0.251") + socket.inet_aton(spec["mdns"]["address"])
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, group)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(spec["mdns"]["address"]))
        await asyncio.get_running_loop().create_datagram_endpoint(Mdns, sock=s)
    for port in spec.get("tcp", []):
        await asyncio.start_server(plain, "0.0.0.0", port)
    for port in spec.get("ssh", []):
        await asyncio.start_server(ssh, "0.0.0.0", port)
    for port in spec.get("http", []):
        await asyncio.start_server(http, "0.0.0.0", port)
    for tls in spec.get("tls", []):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls["cert"], tls["key"])
        await asyncio.start_server(http, "0.0.0.0", tls["port"], ssl=context)
    if "dns" in spec:
        await asyncio.get_running_loop().create_datagram_endpoint(Dns, local_addr=("0.0.0.0", spec["dns"]["port"]))
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


class LabUnavailable(Exception):
    """Not root, or `ip netns` does not work here: tests using the lab skip with this reason."""


@contextlib.contextmanager
def running_lab(hosts: int) -> Iterator[Lab]:
    """A started lab, closed on exit; where labs cannot run here, the test skips and says why."""
    import pytest

    lab = Lab(hosts=hosts)
    try:
        lab.start()
    except LabUnavailable as exc:
        pytest.skip(f"namespace lab unavailable: {exc}")
    try:
        yield lab
    finally:
        lab.close()


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


def unused_subnet() -> ipaddress.IPv4Network:
    """A 10.201.k.0/24 that overlaps no address or route of this machine's own namespace."""
    used: list[ipaddress.IPv4Network] = []
    for kind in ("addr", "route"):
        for line in _ip("-4", "-o", kind, "show", check=False).stdout.splitlines():
            for word in line.split():
                try:
                    used.append(ipaddress.ip_network(word, strict=False))  # type: ignore[arg-type]
                except ValueError:
                    continue
    used = [n for n in used if n.prefixlen > 0]  # the default route overlaps everything, harmlessly
    candidates = [ipaddress.ip_network(f"10.201.{k}.0/24") for k in range(17, 250)]
    free = [n for n in candidates if not any(n.overlaps(u) for u in used)]
    if not free:
        raise LabUnavailable("every 10.201.k.0/24 is in use on this machine")
    return free[secrets.randbelow(len(free))]  # type: ignore[return-value]


@dataclass
class Lab:
    hosts: int = 5
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    subnet: ipaddress.IPv4Network = field(default_factory=unused_subnet)
    namespaces: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def bridge_ns(self) -> str:
        return f"evlab-br-{self.tag}"

    @property
    def scanner(self) -> str:
        return f"evlab-sc-{self.tag}"

    def host_ns(self, i: int) -> str:
        return f"evlab-h{i}-{self.tag}"

    def host_ip(self, i: int) -> str:
        return str(self.subnet.network_address + 10 + i)

    @property
    def scanner_ip(self) -> str:
        return str(self.subnet.network_address + 2)

    @property
    def host_ips(self) -> list[str]:
        return [self.host_ip(i) for i in range(1, self.hosts + 1)]

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Lab:
        if os.geteuid() != 0:
            raise LabUnavailable("the namespace lab needs root (ip netns, veth, bridge)")
        if shutil.which("ip") is None:
            raise LabUnavailable("iproute2's ip is not installed")
        try:
            self._add_ns(self.bridge_ns)
        except subprocess.CalledProcessError as exc:
            raise LabUnavailable(f"ip netns does not work here: {exc.stderr.strip()}") from None
        try:
            _ip("-n", self.bridge_ns, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.bridge_ns, "link", "set", "br0", "up")
            self._node(self.scanner, "vsc", self.scanner_ip)
            for i in range(1, self.hosts + 1):
                self._node(self.host_ns(i), f"vh{i}", self.host_ip(i))
        except BaseException:
            self.close()
            raise
        return self

    def _add_ns(self, name: str) -> None:
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _node(self, ns: str, port: str, address: str) -> None:
        self._add_ns(ns)
        _ip("-n", self.bridge_ns, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("-n", self.bridge_ns, "link", "set", port, "master", "br0", "up")
        _ip("-n", ns, "addr", "add", f"{address}/{self.subnet.prefixlen}", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
        self.processes.clear()
        for ns in reversed(self.namespaces):
            _ip("netns", "del", ns, check=False)
        self.namespaces.clear()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ running things inside

    def popen(self, ns: str, argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        process = subprocess.Popen(["ip", "netns", "exec", ns, *argv], text=True, cwd=REPO, **kwargs)
        self.processes.append(process)
        return process

    def run(self, ns: str, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", ns, *argv], capture_output=True, text=True, cwd=REPO, timeout=timeout
        )

    def serve(self, i: int, **spec: Any) -> None:
        """Start listeners in host i (tcp=[ports], ssh=[...], http=[...], tls=[{port,cert,key}], dns={...},
        mdns={"name": "x.local", "address": <host i's ip>})."""
        process = self.popen(
            self.host_ns(i),
            [PYTHON, "-c", SERVER, json.dumps(spec)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(
                f"lab server in host {i} did not start: {line}{process.stderr.read() if process.stderr else ''}"
            )

    def tool_argv(
        self,
        *,
        unprivileged: bool = False,
        allow: tuple[str, ...] = (),
        deny: tuple[str, ...] = (),
        max_jobs: int = 2,
    ) -> list[str]:
        argv = [PYTHON, "-m", "everyst_agent.tools", "--max-jobs", str(max_jobs)]
        for cidr in allow:
            argv += ["--allow", cidr]
        for cidr in deny:
            argv += ["--deny", cidr]
        if unprivileged:
            # Root without CAP_NET_RAW: what an agent run without the capability sees.
            argv = ["setpriv", "--bounding-set", "-net_raw", "--inh-caps", "-net_raw", *argv]
        return argv

    def tool(
        self, tool: str, params: dict[str, Any], timeout: float = 60, **options: Any
    ) -> list[dict[str, Any]]:
        """Run one tool job in the scanner namespace; its events, in order."""
        argv = self.tool_argv(**options) + [tool, json.dumps(params)]
        done = self.run(self.scanner, argv, timeout=timeout)
        events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        if not events:
            raise RuntimeError(f"{tool} printed no events; stderr: {done.stderr}")
        return events

    def tool_session(self, **options: Any) -> ToolSession:
        """A runner in the scanner namespace that takes commands while it runs (for concurrent jobs)."""
        process = self.popen(
            self.scanner,
            self.tool_argv(**options),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return ToolSession(process)


@dataclass
class ToolSession:
    process: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)

    def send(
        self, job_id: str, tool: str = "", params: dict[str, Any] | None = None, action: str = "run"
    ) -> None:
        assert self.process.stdin is not None
        command = {"job_id": job_id, "action": action, "tool": tool, "params": params or {}}
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def wait_for(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        """Read events until one satisfies `predicate`; return it."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        for event in self.events:
            if predicate(event):
                return event
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(
                    f"the tool runner exited: {self.process.stderr.read() if self.process.stderr else ''}"
                )
            event = json.loads(line)
            self.events.append(event)
            if predicate(event):
                return event
        raise TimeoutError(f"no matching event within {timeout} s; got {self.events}")

    def finish(self, timeout: float = 30) -> list[dict[str, Any]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        out, _ = self.process.communicate(input="", timeout=timeout)  # EOF on stdin: no more commands
        self.events += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return self.events


def nmap_hosts_and_ports(xml: str) -> dict[str, list[int]]:
    """nmap -oX output: every host reported up, with its open TCP ports."""
    import xml.etree.ElementTree as ET

    result: dict[str, list[int]] = {}
    for host in ET.fromstring(xml).iter("host"):
        status = host.find("status")
        if status is None or status.get("state") != "up":
            continue
        address = next(a.get("addr") for a in host.iter("address") if a.get("addrtype") == "ipv4")
        ports = [
            int(p.get("portid"))
            for p in host.iter("port")
            if p.find("state") is not None and p.find("state").get("state") == "open"
        ]  # type: ignore[union-attr]
        result[str(address)] = sorted(ports)
    return result
