"""The namespace lab the tool tests share: a scanner and five hosts on a private bridge.

host 1  ssh-like banner on 22, HTTP on 80, HTTPS (self-signed) on 8443
host 2  plain listeners on 21, 25, 5432
host 3  plain listeners on 7, 111, 1234, 4321, 9999 and 10001 (outside a 1-10000 scan)
host 4  a DNS server on UDP 53 for evlab.test (A, AAAA, MX, TXT, NS, CNAME and PTR records)
host 5  no TCP listener
hosts 2 and 5 answer multicast DNS for their own address (MDNS_NAMES), as Avahi would
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.netns import Lab, running_lab

MDNS_NAMES = {2: "printer-2.local", 5: "nas-5.local"}
DNS_AAAA = "fd00:e5:1ab::1"
OPEN_PORTS = {1: [22, 80, 8443], 2: [21, 25, 5432], 3: [7, 111, 1234, 4321, 9999, 10001], 4: [], 5: []}


def self_signed(directory: Path, common_name: str, ip: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(common_name), x509.IPAddress(ipaddress.ip_address(ip))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "lab.crt", directory / "lab.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(hosts=5) as lab:
        cert, key = self_signed(tmp_path_factory.mktemp("lab-tls"), "www.evlab.test", lab.host_ip(1))
        lab.serve(1, ssh=[22], http=[80], tls=[{"port": 8443, "cert": str(cert), "key": str(key)}])
        lab.serve(2, tcp=OPEN_PORTS[2], mdns={"name": MDNS_NAMES[2], "address": lab.host_ip(2)})
        lab.serve(5, mdns={"name": MDNS_NAMES[5], "address": lab.host_ip(5)})
        lab.serve(3, tcp=OPEN_PORTS[3])
        records: dict[str, Any] = {
            "www.evlab.test": [["A", lab.host_ip(1)], ["A", lab.host_ip(2)], ["AAAA", DNS_AAAA]],
            "evlab.test": [
                ["MX", [10, "mail.evlab.test"]],
                ["TXT", "v=spf1 -all"],
                ["NS", "ns1.evlab.test"],
                ["NS", "ns2.evlab.test"],
            ],
            "alias.evlab.test": [["CNAME", "www.evlab.test"]],
            ipaddress.ip_address(lab.host_ip(4)).reverse_pointer: [["PTR", "ns1.evlab.test"]],
        }
        lab.serve(4, dns={"port": 53, "records": records})
        yield lab


def rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for e in events if e["kind"] == "RESULT" for row in e["payload"]["rows"]]


def final(events: list[dict[str, Any]]) -> dict[str, Any]:
    last = events[-1]
    assert last["kind"] == "FINISHED", f"{last['kind']}: {last['message']}"
    return last
