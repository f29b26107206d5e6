"""Service detection on open TCP ports: banners, then a few safe probes, each on a fresh connection.

Order per port: wait for a greeting (SSH, SMTP, FTP, MySQL speak first); else try a TLS handshake
(and HTTP inside it); else Redis PING; else PostgreSQL's SSLRequest; else an HTTP GET. Every answer
is read with a size cap and a timeout; nothing is written that could change a server's state.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import struct
import time
from dataclasses import dataclass
from typing import Annotated, Any

from everyst_common.top_ports import TOP_PORTS

from everyst_agent.tools.base import JobContext, Tool, parse_ports, plural
from everyst_agent.tools.net import SOCKETS, Address
from everyst_agent.tools.params import Param
from everyst_agent.tools.port_scan import Params as ScanParams
from everyst_agent.tools.port_scan import Tally, connect_scan

READ_LIMIT = 8192
POSTGRES_SSL_REQUEST = struct.pack("!II", 8, 80877103)
TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass
class Params:
    """Finds open ports, then identifies what answers on each (banners, TLS, HTTP, Redis, PostgreSQL)."""

    target: Annotated[list[str], Param("Hosts")]
    top_ports: Annotated[
        int | None,
        Param("Most common ports (nmap ranking)", 1, len(TOP_PORTS), description="none, nor ports: 100"),
    ] = None
    ports: Annotated[str | None, Param("Port list", format="port-list")] = None
    timeout: Annotated[float, Param("Timeout (s)", 0.1, 30)] = 2.0
    concurrency: Annotated[int, Param("Concurrency", 1, 256)] = 32

    def validate(self) -> None:
        if not self.ports and not self.top_ports:
            self.top_ports = 100
        parse_ports(self.ports, self.top_ports, 65535)

    def targets(self) -> list[str]:
        return self.target


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def read(self, timeout: float, until_close: bool = False) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while len(data) < READ_LIMIT:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                async with asyncio.timeout(left):
                    chunk = await self.reader.read(READ_LIMIT - len(data))
            except (TimeoutError, OSError):
                break
            if not chunk:
                break
            data += chunk
            if not until_close:
                # A greeting is one line or one packet; give it a moment to complete, no more.
                deadline = min(deadline, time.monotonic() + 0.1)
        return data

    def close(self) -> None:
        self.writer.close()


async def connect(host: str, port: int, timeout: float, tls: ssl.SSLContext | None = None) -> Conn:
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(
            host, port, ssl=tls, server_hostname=None if tls is None else ""
        )
    return Conn(reader, writer)


def _insecure_tls() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _text(data: bytes, limit: int = 200) -> str:
    return data.decode("utf-8", errors="replace").strip()[:limit]


def from_greeting(data: bytes, port: int) -> dict[str, Any] | None:
    if data.startswith(b"SSH-"):
        return {"service": "ssh", "banner": _text(data.split(b"\n")[0])}
    if data[:4] in (b"220 ", b"220-"):
        upper = data.upper()
        service = (
            "smtp"
            if b"SMTP" in upper
            else "ftp"
            if b"FTP" in upper
            else ("smtp" if port in (25, 465, 587) else "ftp")
        )
        return {"service": service, "banner": _text(data.split(b"\n")[0])}
    mysql = from_mysql(data)
    if mysql:
        return mysql
    if data.startswith(b"+OK") or data.startswith(b"* OK"):
        return {
            "service": "pop3" if data.startswith(b"+OK") else "imap",
            "banner": _text(data.split(b"\n")[0]),
        }
    if data:
        return {"service": "unknown", "banner": _text(data)}
    return None


def from_mysql(data: bytes) -> dict[str, Any] | None:
    """A MySQL/MariaDB server's first packet: 3-byte little-endian length, sequence 0, then either a
    v10 handshake (0x0a, NUL-terminated version) or an ERR packet (0xff, 2-byte code, message) when
    it refuses the client outright ("Host ... is not allowed to connect", "Too many connections")."""
    if len(data) < 6 or data[3] != 0:
        return None
    length = int.from_bytes(data[:3], "little")
    if not 0 < length <= len(data) - 4:  # one short packet, read whole
        return None
    if data[4] == 10:
        version = data[5:].split(b"\0")[0]
        return {"service": "mysql", "banner": _text(version), "version": _text(version)}
    if data[4] == 0xFF and len(data) >= 7:
        code = int.from_bytes(data[5:7], "little")
        message = data[7 : 4 + length]
        if message.startswith(b"#"):  # SQL state marker, in ERR packets sent after the handshake
            message = message[6:]
        return {"service": "mysql", "banner": _text(message), "error_code": code}
    return None


def from_redis(reply: bytes | None) -> dict[str, Any] | None:
    """A Redis answer to PING: +PONG, or a RESP error line such as -NOAUTH (password set), -DENIED
    (protected mode refusing a non-loopback client), -ERR or -NOPERM; all of them name Redis."""
    if not reply:
        return None
    line = reply.split(b"\r\n")[0]
    if line.startswith(b"+PONG") or (re.match(rb"-[A-Z]{2,}( |$)", line) and b"\r\n" in reply):
        return {"service": "redis", "banner": _text(line)}
    return None


def parse_http(data: bytes) -> dict[str, Any] | None:
    if not data.startswith(b"HTTP/"):
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = _text(lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = _text(value)
    title = TITLE.search(body)
    return {
        "status": status,
        "server": headers.get("server"),
        "title": _text(title.group(1)) if title else None,
    }


async def http_get(host: str, port: int, timeout: float, tls: ssl.SSLContext | None) -> dict[str, Any] | None:
    conn = await connect(host, port, timeout, tls)
    try:
        conn.writer.write(
            f"GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: everyst-agent\r\nAccept: */*\r\n\r\n".encode()
        )
        return parse_http(await conn.read(timeout, until_close=True))
    finally:
        conn.close()


async def detect(host: str, port: int, timeout: float) -> dict[str, Any]:
    row: dict[str, Any] = {"host": host, "port": port, "service": "unknown"}
    try:
        conn = await connect(host, port, timeout)
    except (OSError, TimeoutError) as exc:
        return {**row, "error": f"cannot connect: {getattr(exc, 'strerror', None) or exc or 'timeout'}"}
    try:
        greeting = await conn.read(min(timeout, 1.0))
    finally:
        conn.close()
    found = from_greeting(greeting, port)
    if found:
        return {**row, **found}

    # Silent until spoken to: the probes run side by side, each on its own connection, and the most
    # specific answer wins; a wrong guess costs nothing but a short-lived connection.
    tls, redis, postgres, http = await asyncio.gather(
        _quiet(_tls(host, port, timeout)),
        _quiet(_exchange(host, port, b"PING\r\n", timeout)),
        _quiet(_exchange(host, port, POSTGRES_SSL_REQUEST, timeout)),
        _quiet(http_get(host, port, timeout, None)),
    )
    if tls:
        https = await _quiet(http_get(host, port, timeout, _insecure_tls()))
        if https:
            return {**row, "service": "https", "tls": tls, "http": https}
        return {**row, "service": "tls", "tls": tls}
    if redis_found := from_redis(redis):
        return {**row, **redis_found}
    if postgres in (b"S", b"N"):
        return {**row, "service": "postgresql", "ssl": postgres == b"S"}
    if http:
        return {**row, "service": "http", "http": http}
    return row


async def _tls(host: str, port: int, timeout: float) -> dict[str, Any]:
    conn = await connect(host, port, timeout, _insecure_tls())
    try:
        sslobj = conn.writer.get_extra_info("ssl_object")
        return {"protocol": sslobj.version(), "cipher": sslobj.cipher()[0]}
    finally:
        conn.close()


async def _exchange(host: str, port: int, payload: bytes, timeout: float) -> bytes:
    conn = await connect(host, port, timeout)
    try:
        conn.writer.write(payload)
        return await conn.read(timeout)
    finally:
        conn.close()


async def _quiet(coro: Any) -> Any:
    try:
        return await coro
    except (OSError, TimeoutError, ssl.SSLError, EOFError, ValueError):
        return None


# The most connections one detect() has open at once (the four quiet probes run side by side): what
# each probe takes from the agent-wide socket budget, so jobs running alongside stay under the fd limit.
DETECT_SOCKETS = 4


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    ports = parse_ports(params.ports, params.top_ports, ctx.limits.max_ports)
    hosts: list[Address] = ctx.addresses
    tally = Tally(hosts, ports)
    scan = ScanParams(
        target=[],
        ports=params.ports,
        top_ports=params.top_ports,
        method="connect",
        timeout=min(params.timeout, 1.0),
    )

    class Quiet:
        def add(self, row: dict[str, Any]) -> None:
            pass

    await ctx.progress(0, f"finding open ports among {len(ports)}")
    await connect_scan(hosts, ports, scan, tally, Quiet())  # type: ignore[arg-type]
    targets = [(h, p) for h in tally.open for p in sorted(tally.open[h])]
    await ctx.progress(20, f"probing {plural(len(targets), 'open port')}")
    semaphore = asyncio.Semaphore(params.concurrency)
    done = [0]

    async def one(host: str, port: int) -> dict[str, Any]:
        async with semaphore, SOCKETS.hold(DETECT_SOCKETS):
            row = await detect(host, port, params.timeout)
        done[0] += 1
        await ctx.rows([row])
        await ctx.progress(20 + 80 * done[0] / len(targets))
        return row

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(h, p)) for h, p in targets]
    rows = [t.result() for t in tasks]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["service"]] = counts.get(row["service"], 0) + 1
    return {"message": f"{plural(len(rows), 'open port')} identified", "services": counts, "open": len(rows)}


TOOL = Tool("services", Params, run, title="Service detection")
