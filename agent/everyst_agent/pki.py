"""Trust in the hub: reading its CA certificate and checking it against the pinned fingerprint."""

from __future__ import annotations

import binascii
import re
import ssl
from pathlib import Path

from everyst_agent.config import AgentConfig, normalize_fingerprint
from everyst_agent.errors import TrustError

_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")


def first_certificate(pem: str, source: str) -> str:
    """The first PEM certificate block of `pem`; TrustError if there is none."""
    match = _PEM_CERT.search(pem)
    if not match:
        raise TrustError(f"{source} contains no PEM certificate")
    return match.group(0)


def fingerprint(cert_pem: str, source: str = "certificate") -> str:
    """SHA-256 of the certificate's DER encoding, lower-case hex (what `openssl x509 -fingerprint
    -sha256` prints, without the colons)."""
    # Imported on use: an agent without a pinned fingerprint never pays hashlib's ~0.7 MiB of RSS.
    import hashlib

    try:
        der = ssl.PEM_cert_to_DER_cert(cert_pem)
    except (ValueError, binascii.Error) as exc:
        raise TrustError(f"{source} holds a malformed PEM certificate: {exc}") from None
    return hashlib.sha256(der).hexdigest()


def pinned_certificate(pem: str, pinned: str, source: str) -> str:
    """The certificate of `pem` whose fingerprint is `pinned`, re-encoded on its own.

    Only that one certificate is returned, so extra certificates appended to the file or the
    download cannot widen what the agent trusts.
    """
    cert = first_certificate(pem, source)
    actual = fingerprint(cert, source)
    expected = normalize_fingerprint(pinned)
    if actual != expected:
        raise TrustError(
            f"the CA certificate in {source} has SHA-256 fingerprint {actual}, but {expected} is pinned; "
            "refusing to trust it. Check the fingerprint shown by the hub (Settings → Agents) or fetch the "
            "CA again with `everyst-agent enroll --hub-url … --ca-fingerprint …`"
        )
    return ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(cert))


def load_root_certificates(config: AgentConfig) -> bytes:
    """The PEM bytes gRPC should trust for the hub, verified against `ca_fingerprint` when set."""
    path = Path(config.ca_path)
    try:
        pem = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        raise TrustError(
            f"hub CA certificate {path} does not exist; fetch it with `everyst-agent enroll --hub-url "
            "http://HUB:8000 --ca-fingerprint SHA256 …`, set ca_file, or set tls = false for a plaintext hub"
        ) from None
    except OSError as exc:
        raise TrustError(f"cannot read hub CA certificate {path}: {exc.strerror or exc}") from None
    if config.ca_fingerprint:
        return pinned_certificate(pem, config.ca_fingerprint, str(path)).encode("ascii")
    first_certificate(pem, str(path))
    return pem.encode("ascii")
