"""Trusting the hub: the pinned CA download, and a real TLS stream checked against that CA."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import http.server
import ipaddress
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from everyst_agent import enrollment
from everyst_agent.errors import EnrollError, TrustError
from everyst_agent.pki import fingerprint, load_root_certificates
from everyst_agent.run_loop import Agent
from everyst_agent.spool import Spool

from tests.agent.conftest import CREDENTIALS, FakeHub, make_config, start_server, wait_for

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

SERVER_NAME = "hub.everyst.test"


def _cert(subject: str, key, issuer_name, issuer_key, ca: bool, sans=None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class Pki:
    def __init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Everyst test CA")])
        self.ca = _cert("Everyst test CA", self.ca_key, ca_name, self.ca_key, ca=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(SERVER_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        self.cert = _cert(SERVER_NAME, self.key, self.ca.subject, self.ca_key, ca=False, sans=sans)

    @property
    def ca_pem(self) -> bytes:
        return self.ca.public_bytes(serialization.Encoding.PEM)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.ca.public_bytes(serialization.Encoding.DER)).hexdigest()

    def server_credentials(self) -> grpc.ServerCredentials:
        key = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return grpc.ssl_server_credentials([(key, self.cert.public_bytes(serialization.Encoding.PEM))])


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture
def ca_server(pki) -> Iterator[dict[str, object]]:
    served: dict[str, object] = {"body": pki.ca_pem, "paths": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            served["paths"].append(self.path)  # type: ignore[attr-defined]
            body = served["body"]
            assert isinstance(body, bytes)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    served["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield served
    httpd.shutdown()
    httpd.server_close()


def test_fetch_ca_accepts_the_pinned_fingerprint_in_any_case_with_colons(pki, ca_server, tmp_path):
    dest = tmp_path / "state" / "hub-ca.pem"
    pinned = ":".join(pki.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    enrollment.fetch_ca(str(ca_server["url"]) + "/", pinned, dest)
    assert ca_server["paths"] == ["/api/v1/agents/ca.pem"]
    assert fingerprint(dest.read_text()) == pki.fingerprint
    assert dest.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700


def test_fetch_ca_refuses_a_certificate_that_does_not_match_the_pin(ca_server, tmp_path):
    dest = tmp_path / "hub-ca.pem"
    with pytest.raises(TrustError, match="refusing to trust it"):
        enrollment.fetch_ca(str(ca_server["url"]), "00" * 32, dest)
    assert not dest.exists()


def test_fetch_ca_writes_only_the_pinned_certificate_not_extras_appended_to_it(pki, ca_server, tmp_path):
    intruder = Pki()
    ca_server["body"] = pki.ca_pem + intruder.ca_pem
    dest = tmp_path / "hub-ca.pem"
    enrollment.fetch_ca(str(ca_server["url"]), pki.fingerprint, dest)
    assert dest.read_text().count("BEGIN CERTIFICATE") == 1


def test_fetch_ca_reports_an_unreachable_hub(tmp_path):
    with pytest.raises(TrustError, match="cannot download the hub CA"):
        enrollment.fetch_ca("http://127.0.0.1:1", "00" * 32, tmp_path / "ca.pem")


def test_a_ca_file_that_differs_from_the_pinned_fingerprint_is_refused(pki, tmp_path):
    (tmp_path / "hub-ca.pem").write_bytes(pki.ca_pem)
    config = make_config(tmp_path, 1, tls=True, ca_fingerprint="11" * 32)
    with pytest.raises(TrustError, match=f"has SHA-256 fingerprint {pki.fingerprint}, but 1111"):
        load_root_certificates(config)


def test_a_missing_ca_file_says_how_to_get_one(tmp_path):
    with pytest.raises(TrustError, match="does not exist; fetch it with `everyst-agent enroll --hub-url"):
        load_root_certificates(make_config(tmp_path, 1, tls=True))


async def test_agent_streams_over_tls_to_a_hub_signed_by_the_pinned_ca(pki, tmp_path):
    (tmp_path / "hub-ca.pem").write_bytes(pki.ca_pem)
    hub = FakeHub()
    server, port = await start_server(hub, credentials=pki.server_credentials())
    config = make_config(
        tmp_path, port, tls=True, ca_fingerprint=pki.fingerprint, tls_server_name=SERVER_NAME
    )
    spool = Spool(config.spool_path)
    stop = asyncio.Event()
    task = asyncio.create_task(Agent(config, CREDENTIALS, spool).run_until(stop))
    try:
        await wait_for(lambda: hub.streams and hub.last.seqs, what="a batch over TLS")
        creds = await enrollment.enroll(config, "good-token")
        assert creds.agent_id == "agent-1"
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        spool.close()
        await server.stop(None)


async def test_agent_does_not_talk_to_a_hub_signed_by_another_ca(pki, tmp_path):
    (tmp_path / "hub-ca.pem").write_bytes(Pki().ca_pem)
    hub = FakeHub()
    server, port = await start_server(hub, credentials=pki.server_credentials())
    try:
        config = make_config(tmp_path, port, tls=True, tls_server_name=SERVER_NAME)
        with pytest.raises(EnrollError):
            await enrollment.enroll(config, "good-token")
        assert hub.enroll_requests == []
    finally:
        await server.stop(None)


def test_ca_file_path_is_the_state_dir_default(tmp_path: Path):
    assert make_config(tmp_path, 1, ca_file=None).ca_path == tmp_path / "hub-ca.pem"
