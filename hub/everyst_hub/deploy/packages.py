"""The agent package the hub serves to new hosts, and the signed manifest that vouches for it.

Trust chain of a one-line install: the command pins the hub CA (SHA-256 of its DER). The CA
issues a package-signing certificate, whose key signs a small manifest naming the wheel and its
SHA-256. The install script checks the CA against the pin, the signing certificate against the
CA, the manifest's signature, and the wheel's hash; so whatever carries the bytes (plain HTTP, a
proxy, a cache) cannot change them unnoticed. The script itself cannot be covered this way: it is
what does the checking (README, "Watching another host").
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings

from everyst_hub.core.errors import InvalidInput, Unavailable
from everyst_hub.ingest.pki import issue_leaf
from everyst_hub.ingest.server import server_tls

INSTALL_SCRIPT = Path(__file__).with_name("install.sh")
MANIFEST_NAME = "agent.manifest"
SIGNATURE_NAME = "agent.manifest.sig"
SIGNING_CERT_NAME = "package-signing.pem"
# What goes into the served wheel: the agent needs agent/, common/ and gen/; the project metadata
# needs the rest.
_SOURCE_PARTS = ("agent", "common", "gen", "hub", "pyproject.toml", "README.md")
# Only these decide whether a built wheel is stale: hub code in it never runs on an agent.
_AGENT_SOURCES = ("agent", "common", "gen", "pyproject.toml")
# Goes verbatim between single quotes in the served script.
_SAFE_ADDRESS = re.compile(r"[A-Za-z0-9.:/\[\]_%-]+")


class PackageUnavailable(Unavailable):
    code = "package_unavailable"


@dataclass(frozen=True)
class AgentPackage:
    path: Path
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name

    def manifest(self) -> bytes:
        """What the signature covers; the install script reads it line by line."""
        version = self.name.split("-")[1]
        return (
            f"everyst-agent-manifest 1\nversion {version}\nfile {self.name}\nsha256 {self.sha256}\n"
        ).encode()


@dataclass(frozen=True)
class PublicAddresses:
    hub_url: str
    grpc_address: str
    warnings: tuple[str, ...]


# ---------------------------------------------------------------------------- addresses


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_addresses(*, scheme: str, host: str) -> PublicAddresses:
    """Where other hosts reach this hub: EVERYST_PUBLIC_URL, else the address the request came to."""
    configured = str(settings.PUBLIC_URL)
    hub_url = configured or f"{scheme}://{host}"
    parts = urlsplit(hub_url)
    hostname = parts.hostname or "localhost"
    grpc_host = f"[{hostname}]" if ":" in hostname else hostname
    grpc_address = str(settings.PUBLIC_GRPC_ADDRESS) or f"{grpc_host}:{settings.GRPC_PORT}"
    for value in (hub_url, grpc_address):
        if not _SAFE_ADDRESS.fullmatch(value):
            raise InvalidInput(f"{value!r} is not a usable hub address.", code="bad_host")
    warnings = []
    if not configured:
        warnings.append(
            f"EVERYST_PUBLIC_URL is not set, so this command uses the address this page was opened at "
            f"({hub_url}). Set EVERYST_PUBLIC_URL to the URL other hosts reach the hub at."
        )
    if _is_loopback(hostname):
        warnings.append(
            f"{hub_url} is a loopback address: only this machine can run the command. Serve the hub on a "
            "reachable address (EVERYST_HTTP_HOST or a reverse proxy) and set EVERYST_PUBLIC_URL."
        )
    if parts.scheme == "http":
        warnings.append(
            "The hub is served over plain HTTP: the install script itself travels unprotected, so someone "
            "on the network path could alter it (everything it downloads afterwards is checked against the "
            "CA fingerprint). Put the hub behind HTTPS (deploy/nginx) for untrusted networks."
        )
    return PublicAddresses(hub_url=hub_url.rstrip("/"), grpc_address=grpc_address, warnings=tuple(warnings))


def install_command(*, hub_url: str, token: str, fingerprint: str) -> str:
    quote = shlex.quote
    return (
        f"curl -fsSL {quote(hub_url + '/install.sh')} | sudo sh -s -- "
        f"--token {quote(token)} --ca-fingerprint {quote(fingerprint)}"
    )


def install_script(addresses: PublicAddresses) -> bytes:
    text = INSTALL_SCRIPT.read_text()
    text = text.replace("@EVERYST_HUB_URL@", addresses.hub_url)
    return text.replace("@EVERYST_GRPC_ADDRESS@", addresses.grpc_address).encode()


# ---------------------------------------------------------------------------- the wheel


def downloads_dir() -> Path:
    path = Path(settings.DATA_DIR) / "downloads"
    path.mkdir(parents=True, exist_ok=True, mode=0o755)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def agent_package() -> AgentPackage:
    """The wheel new hosts install: EVERYST_AGENT_WHEEL, else built from this hub's source tree."""
    configured = str(settings.AGENT_WHEEL)
    if configured:
        path = Path(configured)
        if not path.is_file() or not path.name.endswith(".whl"):
            raise PackageUnavailable(f"EVERYST_AGENT_WHEEL={configured} is not a wheel file.")
    else:
        path = _built_wheel(Path(settings.REPO_DIR))
    return AgentPackage(path=path, sha256=_sha256(path))


def source_tree_available(source: Path) -> bool:
    return all((source / part).exists() for part in _SOURCE_PARTS)


def _newest_mtime(source: Path) -> float:
    newest = 0.0
    for part in _AGENT_SOURCES:
        root = source / part
        paths = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        newest = max([newest, *(p.stat().st_mtime for p in paths if "__pycache__" not in p.parts)])
    return newest


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _built_wheel(source: Path) -> Path:
    """Build the project's wheel once (again when the agent's sources change), offline.

    Built from a copy of the sources, so no build/ or egg-info lands in the working tree, and with
    --no-build-isolation --no-index so building never reaches a package index.
    """
    if not source_tree_available(source):
        raise PackageUnavailable(
            "This hub has no source tree to build the agent package from: set EVERYST_AGENT_WHEEL to the "
            "everyst wheel it was installed from."
        )
    out = downloads_dir()
    with _locked(out / ".build.lock"):
        existing = sorted(out.glob("everyst-*.whl"))
        if len(existing) == 1 and existing[0].stat().st_mtime >= _newest_mtime(source):
            return existing[0]
        with tempfile.TemporaryDirectory(prefix="everyst-wheel-") as tmp:
            tree = Path(tmp) / "src"
            tree.mkdir()
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "node_modules")
            for part in _SOURCE_PARTS:
                if (source / part).is_dir():
                    shutil.copytree(source / part, tree / part, ignore=ignore)
                else:
                    shutil.copy2(source / part, tree / part)
            built = Path(tmp) / "wheel"
            result = subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                 "--no-index", "--wheel-dir", str(built), str(tree)],
                capture_output=True, text=True, timeout=300, env={**os.environ, "PIP_NO_INPUT": "1"},
            )  # fmt: skip
            wheels = list(built.glob("everyst-*.whl"))
            if result.returncode != 0 or len(wheels) != 1:
                raise PackageUnavailable(
                    f"Building the agent package failed: {(result.stderr or result.stdout).strip()[-500:]}"
                )
            for old in existing:
                old.unlink(missing_ok=True)
            target = out / wheels[0].name
            shutil.move(str(wheels[0]), target)
            target.chmod(0o644)
            return target


# ---------------------------------------------------------------------------- signing


def _pki_dir() -> Path:
    return Path(settings.DATA_DIR) / "pki"


def _signing_identity() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The package-signing key and its certificate from the hub CA, created the first time.

    Its own key, not the CA's: the CA key only signs certificates, as its KeyUsage says.
    """
    ca_cert = x509.load_pem_x509_certificate(server_tls().ca_pem)
    pki = _pki_dir()
    key_path, cert_path = pki / "package-signing.key", pki / SIGNING_CERT_NAME
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        try:
            cert.verify_directly_issued_by(ca_cert)
            valid = isinstance(key, ec.EllipticCurvePrivateKey) and cert.not_valid_after_utc > datetime.now(
                UTC
            )
        except (InvalidSignature, ValueError, TypeError):
            valid = False
        if valid and isinstance(key, ec.EllipticCurvePrivateKey):
            return cert, key
    ca_key_path = pki / "ca.key"
    if not ca_key_path.exists():
        raise PackageUnavailable(
            "Packages are signed under the hub's own CA, and this hub has none (EVERYST_GRPC_CERT_FILE is "
            "set): install agents with deploy/install.sh and a local wheel instead."
        )
    try:
        key, cert = issue_leaf(
            ca_cert,
            ca_key_path,
            key_path,
            cert_path,
            "Everyst hub package signing",
            min(datetime.now(UTC) + timedelta(days=3650), ca_cert.not_valid_after_utc),
            [
                (x509.KeyUsage(True, False, False, False, False, False, False, False, False), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
            ],
        )
    except ValueError as exc:
        raise PackageUnavailable(f"{exc}.") from exc
    return cert, key


def signing_certificate_pem() -> bytes:
    return _signing_identity()[0].public_bytes(serialization.Encoding.PEM)


def sign(data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256, DER-encoded: what `openssl dgst -sha256 -verify` reads."""
    return _signing_identity()[1].sign(data, ec.ECDSA(hashes.SHA256()))
