"""The hub's own small CA for agent TLS, created on first start (or configured certs)."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class ServerTls:
    cert_chain: bytes
    private_key: bytes
    ca_pem: bytes

    @property
    def ca_fingerprint(self) -> str:
        return ca_fingerprint(self.ca_pem)


def ca_fingerprint(ca_pem: bytes) -> str:
    """SHA-256 of the CA certificate's DER, in hex: what agents pin."""
    cert = x509.load_pem_x509_certificate(ca_pem)
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _write(path: Path, data: bytes, mode: int) -> None:
    path.touch(mode=mode)
    path.write_bytes(data)
    path.chmod(mode)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue_leaf(
    ca_cert: x509.Certificate,
    ca_key_path: Path,
    key_path: Path,
    cert_path: Path,
    common_name: str,
    not_after: datetime,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new key and its certificate under the hub's CA (whose key is read from `ca_key_path`),
    written to key_path and cert_path: not a CA itself, valid from five minutes ago (clocks
    drift) until `not_after`, with these (extension, critical) pairs. ValueError if the CA key is
    not the EC key this hub makes."""
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{ca_key_path} is not the EC key this hub created")
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return key, cert


def _server_names(extra: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for name in ["localhost", socket.gethostname(), socket.getfqdn(), "127.0.0.1", "::1", *extra]:
        try:
            general: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            general = x509.DNSName(name)
        if general not in names:
            names.append(general)
    return names


def ensure_server_tls(directory: Path, server_names: list[str]) -> ServerTls:
    """Load the CA and server certificate from `directory`, creating them the first time.

    The server certificate is re-issued when a configured server name is missing from it.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_key_path, ca_path = directory / "ca.key", directory / "ca.pem"
    key_path, cert_path = directory / "server.key", directory / "server.pem"
    now = datetime.now(UTC)
    if not ca_path.exists():
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, f"Everyst hub CA ({socket.gethostname()})")]
        )
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write(ca_key_path, _key_pem(ca_key), 0o600)
        _write(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        cert_path.unlink(missing_ok=True)
    ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
    wanted = _server_names(server_names)
    if cert_path.exists():
        current = x509.load_pem_x509_certificate(cert_path.read_bytes())
        sans = current.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if any(n not in sans for n in wanted) or current.not_valid_after_utc < now + timedelta(days=30):
            cert_path.unlink()
    if not cert_path.exists():
        issue_leaf(
            ca_cert,
            ca_key_path,
            key_path,
            cert_path,
            "everyst-hub",
            now + timedelta(days=825),
            [
                (x509.SubjectAlternativeName(wanted), False),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            ],
        )
    ca_pem = ca_path.read_bytes()
    return ServerTls(cert_chain=cert_path.read_bytes(), private_key=key_path.read_bytes(), ca_pem=ca_pem)


def load_server_tls(directory: Path, cert_file: str, key_file: str, server_names: list[str]) -> ServerTls:
    """Configured certificate files win; otherwise the hub's own CA is used."""
    if cert_file and key_file:
        chain = Path(cert_file).read_bytes()
        ca_candidates = directory / "ca.pem"
        ca_pem = ca_candidates.read_bytes() if ca_candidates.exists() else chain
        return ServerTls(cert_chain=chain, private_key=Path(key_file).read_bytes(), ca_pem=ca_pem)
    return ensure_server_tls(directory, server_names)
