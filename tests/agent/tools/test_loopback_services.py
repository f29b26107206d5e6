"""Service detection and TLS certificates against servers on 127.0.0.1: small in-process servers that
send each protocol's real greeting (SMTP, FTP, MySQL handshake and ERR packet, Redis refusals, TLS on
a non-HTTP port, a CA-signed TLS chain), plus the real Redis and PostgreSQL when they run here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import ipaddress
import json
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.tools.runner import ToolRunner
from everyst_agent.tools.scope import Scope

from tests.agent.conftest import wait_for

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

MYSQL_VERSION = "8.0.36-0ubuntu0.22.04.1"
MYSQL_REFUSAL = "Host '127.0.0.1' is not allowed to connect to this MySQL server"
REDIS_DENIED = (
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set"
)


async def run_tool(tool: str, params: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
    """One job through the agent's runner in this process: its rows and its final payload."""
    events: list[agent_pb2.ToolEvent] = []

    async def emit(event: agent_pb2.ToolEvent) -> None:
        events.append(event)

    terminal = (agent_pb2.ToolEvent.FINISHED, agent_pb2.ToolEvent.FAILED, agent_pb2.ToolEvent.CANCELLED)
    runner = ToolRunner(emit, Scope())
    runner.handle(
        agent_pb2.ToolCommand(
            job_id="j", action=agent_pb2.ToolCommand.RUN, tool=tool, params_json=json.dumps(params)
        )
    )
    last = await wait_for(
        lambda: next((e for e in events if e.kind in terminal), None), timeout, what=f"{tool} to end"
    )
    assert last.kind == agent_pb2.ToolEvent.FINISHED, last.message
    rows = [
        row
        for e in events
        if e.kind == agent_pb2.ToolEvent.RESULT
        for row in json.loads(e.payload_json)["rows"]
    ]
    return {"rows": rows, "result": json.loads(last.payload_json)}


@contextlib.asynccontextmanager
async def serving(specs: list[tuple[Handler, ssl.SSLContext | None]]) -> AsyncIterator[list[int]]:
    """Each handler on its own 127.0.0.1 port (TLS-wrapped when given a context); the ports."""
    servers = [await asyncio.start_server(h, "127.0.0.1", 0, ssl=tls) for h, tls in specs]
    try:
        yield [s.sockets[0].getsockname()[1] for s in servers]
    finally:
        for server in servers:
            server.close()


def greeting(data: bytes) -> Handler:
    """A server that speaks first, then waits for the client to go (as SMTP, FTP and MySQL do)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            writer.write(data)
            await writer.drain()
            await asyncio.wait_for(reader.read(1024), 5)
        writer.close()

    return handle


def answering(reply: bytes) -> Handler:
    """A server silent until spoken to, that answers anything with `reply` and hangs up (as Redis in
    protected mode does, or without the password)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            if await asyncio.wait_for(reader.read(1024), 5):
                writer.write(reply)
                await writer.drain()
        writer.close()

    return handle


def mysql_packet(payload: bytes, sequence: int = 0) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([sequence]) + payload


def mysql_handshake_v10() -> bytes:
    """Protocol::HandshakeV10 as MySQL 8 sends it on connect."""
    salt = b"abcdefghijklmnopqrst"
    capabilities = 0xFFFFF7FF
    payload = (
        b"\x0a"
        + MYSQL_VERSION.encode()
        + b"\0"
        + struct.pack("<I", 42)  # connection id
        + salt[:8]
        + b"\0"
        + struct.pack("<H", capabilities & 0xFFFF)
        + bytes([255])  # utf8mb4_0900_ai_ci
        + struct.pack("<H", 0x0002)  # SERVER_STATUS_AUTOCOMMIT
        + struct.pack("<H", capabilities >> 16)
        + bytes([len(salt) + 1])
        + b"\0" * 10
        + salt[8:]
        + b"\0"
        + b"caching_sha2_password\0"
    )
    return mysql_packet(payload)


def mysql_refusal() -> bytes:
    """The ERR packet (errno 1130) a server sends instead of the handshake to a host it does not allow."""
    return mysql_packet(b"\xff" + struct.pack("<H", 1130) + MYSQL_REFUSAL.encode())


def make_ca_and_leaf(directory: Path, days: int = 90) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Everyst Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Everyst Test CA"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA384())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "svc.evloop.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("svc.evloop.test"),
                    x509.DNSName("alt.evloop.test"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = {"ca": directory / "ca.pem", "chain": directory / "chain.pem", "key": directory / "leaf.key"}
    paths["ca"].write_bytes(ca.public_bytes(pem))
    paths["chain"].write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))  # leaf, then its issuer
    paths["key"].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    der = serialization.Encoding.DER
    return {
        **paths,
        "ca_sha256": hashlib.sha256(ca.public_bytes(der)).hexdigest(),
        "leaf_sha256": hashlib.sha256(leaf.public_bytes(der)).hexdigest(),
        "leaf_serial": format(leaf.serial_number, "x"),
    }


def server_context(chain: Path, key: Path, *, tls12_cipher: str | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    if tls12_cipher:  # pin what is negotiated so the test can name it exactly
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(tls12_cipher)
    return context


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


async def test_tls_cert_reports_leaf_chain_protocol_and_cipher_of_a_ca_signed_server(tmp_path, monkeypatch):
    pki = make_ca_and_leaf(tmp_path)
    context = server_context(pki["chain"], pki["key"], tls12_cipher="ECDHE-ECDSA-AES128-GCM-SHA256")
    params = {"host": "127.0.0.1", "server_name": "svc.evloop.test", "timeout": 3}
    async with serving([(greeting(b""), context)]) as [port]:
        untrusted = (await run_tool("tls_cert", {**params, "port": port}))["result"]
        monkeypatch.setenv("SSL_CERT_FILE", str(pki["ca"]))  # the system trust store, as far as verify() sees
        trusted = (await run_tool("tls_cert", {**params, "port": port}))["result"]
    cert = untrusted["certificate"]

    assert cert["subject"] == "CN=svc.evloop.test"
    assert cert["issuer"] == "CN=Everyst Test CA,O=Everyst Test"
    assert cert["self_signed"] is False
    assert cert["sans"] == ["svc.evloop.test", "alt.evloop.test", "127.0.0.1"]
    assert cert["serial"] == pki["leaf_serial"]
    assert cert["sha256"] == pki["leaf_sha256"]
    assert cert["public_key"] == "EC secp256r1"
    assert cert["signature_algorithm"] == "sha256"
    assert 88.9 < cert["days_to_expiry"] <= 90
    assert untrusted["protocol"] == "TLSv1.2"
    assert untrusted["cipher"] == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert untrusted["cipher_bits"] == 128
    assert [(c["subject"], c["self_signed"], c["sha256"]) for c in untrusted["chain"]] == [
        ("CN=Everyst Test CA,O=Everyst Test", True, pki["ca_sha256"])
    ]
    assert untrusted["chain"][0]["public_key"] == "EC secp384r1"
    assert untrusted["trusted"] is False
    assert untrusted["verify_error"] == "self-signed certificate in certificate chain"
    assert (trusted["trusted"], trusted["verify_error"]) == (True, None)


async def test_services_recognises_smtp_ftp_mysql_redis_and_tls_greetings(tmp_path):
    pki = make_ca_and_leaf(tmp_path)
    tls = server_context(pki["chain"], pki["key"])
    servers: list[tuple[Handler, ssl.SSLContext | None]] = [
        (greeting(b"220 mail.evloop.test ESMTP Postfix (Debian/GNU)\r\n"), None),
        (greeting(b"220 (vsFTPd 3.0.3)\r\n"), None),
        (greeting(mysql_handshake_v10()), None),
        (greeting(mysql_refusal()), None),
        (answering(REDIS_DENIED.encode() + b"\r\n"), None),
        (answering(b"-NOAUTH Authentication required.\r\n"), None),
        (greeting(b"220 tls.evloop.test ESMTP ready\r\n"), tls),  # implicit TLS, as SMTPS on 465
    ]
    async with serving(servers) as ports:
        smtp, ftp, mysql, refusal, denied, noauth, smtps = ports
        done = await run_tool(
            "services", {"target": "127.0.0.1", "ports": ",".join(map(str, ports)), "timeout": 2}
        )
    by_port = {row["port"]: row for row in done["rows"]}

    assert sorted(by_port) == sorted(ports)
    assert by_port[smtp] == {
        "host": "127.0.0.1",
        "port": smtp,
        "service": "smtp",
        "banner": "220 mail.evloop.test ESMTP Postfix (Debian/GNU)",
    }
    assert (by_port[ftp]["service"], by_port[ftp]["banner"]) == ("ftp", "220 (vsFTPd 3.0.3)")
    assert (by_port[mysql]["service"], by_port[mysql]["version"]) == ("mysql", MYSQL_VERSION)
    assert by_port[refusal]["service"] == "mysql"
    assert (by_port[refusal]["error_code"], by_port[refusal]["banner"]) == (1130, MYSQL_REFUSAL)
    assert (by_port[denied]["service"], by_port[denied]["banner"]) == ("redis", REDIS_DENIED[:200])
    assert (by_port[noauth]["service"], by_port[noauth]["banner"]) == (
        "redis",
        "-NOAUTH Authentication required.",
    )
    assert by_port[smtps]["service"] == "tls"
    assert by_port[smtps]["tls"]["protocol"] in ("TLSv1.2", "TLSv1.3")
    assert by_port[smtps]["tls"]["cipher"]
    assert "http" not in by_port[smtps]
    assert done["result"]["services"] == {"smtp": 1, "ftp": 1, "mysql": 2, "redis": 2, "tls": 1}


async def test_services_recognises_the_real_redis():
    if not reachable(6379):
        pytest.skip("no Redis on 127.0.0.1:6379")
    done = await run_tool("services", {"target": "127.0.0.1", "ports": "6379", "timeout": 1})

    [row] = done["rows"]
    assert row["service"] == "redis"
    # PONG without a password; a refusal line (-NOAUTH, -DENIED) names Redis as well.
    assert row["banner"] == "+PONG" or row["banner"].startswith(("-NOAUTH", "-DENIED"))


async def test_services_recognises_the_real_postgresql():
    if not reachable(5432):
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with socket.create_connection(("127.0.0.1", 5432), timeout=2) as sock:
        sock.sendall(struct.pack("!II", 8, 80877103))  # SSLRequest: the server answers S or N
        offers_ssl = sock.recv(1) == b"S"
    done = await run_tool("services", {"target": "127.0.0.1", "ports": "5432", "timeout": 2})

    [row] = done["rows"]
    assert (row["service"], row["ssl"]) == ("postgresql", offers_ssl)
