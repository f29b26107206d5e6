"""DNS lookups with scapy's DNS classes over a UDP socket (TCP when the answer is truncated), to the
system resolver from /etc/resolv.conf or to a server given in params (which must be in scope).
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from scapy.layers.dns import DNS, DNSQR

from everyst_agent.tools.base import JobContext, ParamsError, Tool, ToolError
from everyst_agent.tools.params import Param

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
RecordType = Literal["A", "AAAA", "MX", "NS", "CNAME", "TXT", "SOA", "PTR"]
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


@dataclass
class Params:
    """Queries the host's resolver, or a DNS server you name (which must be in the agent's scope)."""

    name: Annotated[str, Param("Name", max_length=253, description="a domain name or, for PTR, an address")]
    types: Annotated[list[RecordType], Param("Record types")] = field(default_factory=lambda: ["A"])
    server: Annotated[str | None, Param("Server", max_length=253)] = None
    port: Annotated[int, Param("Port", 1, 65535)] = 53
    timeout: Annotated[float, Param("Timeout (s)", 0.1, 30)] = 2.0
    retries: Annotated[int, Param("Retries", 0, 5)] = 1

    def validate(self) -> None:
        if not self.types:
            raise ParamsError(f"types must be among {', '.join(TYPES)}; got none")
        if not self.name.strip():
            raise ParamsError("name must be a domain name or, for PTR, an address")

    def targets(self) -> list[str]:
        # The system resolver is what this host uses anyway; any other server is a target like a host.
        return [self.server] if self.server else []


def system_resolver() -> str:
    try:
        with open("/etc/resolv.conf") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    return parts[1].split("%")[0]
    except OSError:
        pass
    return "127.0.0.1"


def query_name(name: str, qtype: str) -> str:
    if qtype == "PTR":
        try:
            return ipaddress.ip_address(name).reverse_pointer
        except ValueError:
            pass
    return name


def decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip(".")
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def answer_rows(response: Any, qtype: str) -> list[dict[str, Any]]:
    rows = []
    records = response.an or []
    # scapy >= 2.6 keeps the answers as a list of records.
    for rr in records if isinstance(records, list) else [records]:
        if True:
            rtype = next((k for k, v in TYPES.items() if v == rr.type), str(rr.type))
            row: dict[str, Any] = {
                "query_type": qtype,
                "name": decode(rr.rrname),
                "type": rtype,
                "ttl": rr.ttl,
            }
            if rr.type == TYPES["MX"]:
                row.update(preference=rr.preference, value=decode(rr.exchange))
            elif rr.type == TYPES["TXT"]:
                row["value"] = "".join(decode(rr.rdata)) if isinstance(rr.rdata, list) else decode(rr.rdata)
            elif rr.type == TYPES["SOA"]:
                row["value"] = f"{decode(rr.mname)} {decode(rr.rname)} {rr.serial}"
            else:
                row["value"] = decode(rr.rdata)
            rows.append(row)
    return rows


async def ask(server: str, port: int, qname: str, qtype: str, timeout: float, retries: int) -> Any:
    loop = asyncio.get_running_loop()
    ident = random.getrandbits(16)
    query = bytes(DNS(id=ident, rd=1, qd=DNSQR(qname=qname, qtype=TYPES[qtype])))
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.connect((server, port))
        for _ in range(retries + 1):
            await loop.sock_sendall(sock, query)
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                try:
                    async with asyncio.timeout(left):
                        data = await loop.sock_recv(sock, 65535)
                except TimeoutError:
                    break
                except ConnectionRefusedError:
                    raise ToolError(f"no DNS server on {server}:{port} (port unreachable)") from None
                if len(data) < 12 or struct.unpack("!H", data[:2])[0] != ident:
                    continue
                response = DNS(data)
                if response.tc:
                    return await ask_tcp(server, port, query, timeout)
                return response
    raise ToolError(f"no answer from {server}:{port} within {timeout:g} s ({retries + 1} tries)")


async def ask_tcp(server: str, port: int, query: bytes, timeout: float) -> Any:
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(server, port)
        try:
            writer.write(struct.pack("!H", len(query)) + query)
            length = struct.unpack("!H", await reader.readexactly(2))[0]
            return DNS(await reader.readexactly(length))
        finally:
            writer.close()


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    server = str(ctx.addresses[0]) if params.server else system_resolver()
    results: dict[str, Any] = {}
    all_rows: list[dict[str, Any]] = []
    for i, qtype in enumerate(params.types):
        qname = query_name(params.name.strip(), qtype)
        started = time.monotonic()
        response = await ask(server, params.port, qname, qtype, params.timeout, params.retries)
        rows = answer_rows(response, qtype)
        all_rows += rows
        await ctx.rows(rows)
        results[qtype] = {
            "rcode": RCODES.get(response.rcode, str(response.rcode)),
            "answers": len(rows),
            "authoritative": bool(response.aa),
            "ms": round((time.monotonic() - started) * 1000, 2),
        }
        await ctx.progress(100.0 * (i + 1) / len(params.types))
    text = "; ".join(f"{t} {r['rcode']} {r['answers']}" for t, r in results.items())
    return {
        "message": f"{params.name} @{server}: {text}",
        "server": server,
        "results": results,
        "records": all_rows,
    }


TOOL = Tool("dns", Params, run, title="DNS lookup")
