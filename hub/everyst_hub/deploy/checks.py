"""`everyst-hub check`: is this hub's configuration one that works, and if not, how to fix it.

Settings that cannot even be read (a malformed value) fail earlier, when the settings load, with
their own message (config/env.py); everything here runs once they have loaded.
"""

from __future__ import annotations

import ipaddress
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core import checks as django_checks
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http.request import validate_host

from .packages import source_tree_available

Level = Literal["ok", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str
    message: str
    fix: str = ""


def run_checks() -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings.extend(check())
        except Exception as exc:  # a check that breaks must not hide the others' findings
            findings.append(Finding("error", check.__name__.strip("_"), f"the check itself failed: {exc!r}"))
    return findings


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def _data_dir() -> Iterator[Finding]:
    data_dir = Path(settings.DATA_DIR)
    try:
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".check-"):
            pass
    except OSError as exc:
        yield Finding(
            "error",
            "data dir",
            f"{data_dir} is not writable ({exc.strerror})",
            f"give the hub's user the directory (chown -R everyst: {data_dir}) or set EVERYST_DATA_DIR",
        )
        return
    if not _private(data_dir):
        yield Finding(
            "warning",
            "data dir",
            f"{data_dir} is readable by other users; it holds the database, keys and secrets",
            f"chmod 700 {data_dir}",
        )
    else:
        yield Finding("ok", "data dir", f"{data_dir} is writable and private")
    for name, variable in (
        ("secret_key", "EVERYST_SECRET_KEY"),
        ("jwt_signing_key", "EVERYST_JWT_SIGNING_KEY"),
    ):
        path = data_dir / name
        if path.exists() and not _private(path):
            yield Finding("warning", variable, f"{path} is readable by other users", f"chmod 600 {path}")


def _database() -> Iterator[Finding]:
    connection = connections["default"]
    where = f"{connection.vendor} database {connection.settings_dict.get('NAME')}"
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        yield Finding(
            "error",
            "database",
            f"cannot connect to the {where}: {str(exc).strip()}",
            "check DATABASE_URL, and that the database server runs and accepts this user",
        )
        return
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        first = plan[0][0]
        yield Finding(
            "error",
            "database",
            f"{len(plan)} migrations are not applied to the {where} (first: {first.app_label}.{first.name})",
            "run `everyst-hub setup` (it migrates; the systemd unit runs it before every start)",
        )
    else:
        yield Finding("ok", "database", f"the {where} is reachable and fully migrated")


def _public_grpc_host() -> str | None:
    if settings.PUBLIC_GRPC_ADDRESS:
        return str(settings.PUBLIC_GRPC_ADDRESS).rsplit(":", 1)[0].strip("[]")
    if settings.PUBLIC_URL:
        return urlsplit(str(settings.PUBLIC_URL)).hostname
    return None


def _names(cert: x509.Certificate) -> set[str]:
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {
        *sans.get_values_for_type(x509.DNSName),
        *(str(ip) for ip in sans.get_values_for_type(x509.IPAddress)),
    }


def _covers(names: set[str], host: str) -> bool:
    try:
        return str(ipaddress.ip_address(host)) in names
    except ValueError:
        wildcard = "*." + host.split(".", 1)[1] if "." in host else None
        return host in names or (wildcard is not None and wildcard in names)


def _tls() -> Iterator[Finding]:
    if not settings.GRPC_TLS:
        host = str(settings.GRPC_HOST)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if loopback:
            yield Finding("ok", "gRPC TLS", f"off, on loopback {host} only (a proxy in front must do TLS)")
        else:
            yield Finding(
                "error",
                "gRPC TLS",
                f"EVERYST_GRPC_TLS=false and EVERYST_GRPC_HOST={host}: plaintext gRPC is loopback only",
                "set EVERYST_GRPC_TLS=true, or EVERYST_GRPC_HOST=127.0.0.1 behind a proxy that does TLS",
            )
        return
    if bool(settings.GRPC_CERT_FILE) != bool(settings.GRPC_KEY_FILE):
        yield Finding(
            "error",
            "gRPC TLS",
            "only one of EVERYST_GRPC_CERT_FILE and EVERYST_GRPC_KEY_FILE is set",
            "set both (PEM certificate chain and its key), or neither to use the hub's own CA",
        )
        return
    pki = Path(settings.DATA_DIR) / "pki"
    if settings.GRPC_CERT_FILE:
        cert_path, key_path, ca_path = Path(settings.GRPC_CERT_FILE), Path(settings.GRPC_KEY_FILE), None
    else:
        cert_path, key_path, ca_path = pki / "server.pem", pki / "server.key", pki / "ca.pem"
        missing = [p.name for p in (ca_path, pki / "ca.key", cert_path, key_path) if not p.exists()]
        if missing:
            yield Finding(
                "error",
                "gRPC TLS",
                f"the hub CA is incomplete in {pki} (missing {', '.join(missing)})",
                "run `everyst-hub setup`: it creates the CA and the server certificate"
                + (" (a lost ca.key means a new CA: agents must enroll again)" if pki.exists() else ""),
            )
            return
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        yield Finding("error", "gRPC TLS", f"cannot read {cert_path} or {key_path}: {exc}", "check the files")
        return
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        yield Finding(
            "error", "gRPC TLS", f"{key_path} is not the key of {cert_path}", "use the matching pair"
        )
        return
    if ca_path is not None:
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
        try:
            cert.verify_directly_issued_by(ca)
        except (InvalidSignature, ValueError, TypeError):
            yield Finding(
                "error",
                "gRPC TLS",
                f"{cert_path} was not issued by the hub CA {ca_path}: agents pinning the CA refuse it",
                f"delete {cert_path} and run `everyst-hub setup` to issue a new one",
            )
            return
        if not _private(pki / "ca.key"):
            yield Finding(
                "warning", "gRPC TLS", f"{pki / 'ca.key'} is readable by other users", "chmod 600 it"
            )
    now = datetime.now(UTC)
    if cert.not_valid_after_utc <= now:
        yield Finding("error", "gRPC TLS", f"{cert_path} expired on {cert.not_valid_after_utc:%Y-%m-%d}",
                      "run `everyst-hub setup` (own CA) or renew the configured certificate")  # fmt: skip
        return
    if cert.not_valid_after_utc < now + timedelta(days=30):
        yield Finding("warning", "gRPC TLS", f"{cert_path} expires on {cert.not_valid_after_utc:%Y-%m-%d}",
                      "run `everyst-hub setup` (own CA) or renew the configured certificate")  # fmt: skip
    names = _names(cert)
    wanted = [*settings.GRPC_SERVER_NAMES, *filter(None, [_public_grpc_host()])]
    uncovered = sorted({name for name in wanted if not _covers(names, name)})
    if uncovered:
        yield Finding(
            "error",
            "gRPC TLS",
            f"the server certificate does not name {', '.join(uncovered)}: agents using that name refuse it",
            f"add {','.join(uncovered)} to EVERYST_GRPC_SERVER_NAMES and run `everyst-hub setup`",
        )
    else:
        yield Finding("ok", "gRPC TLS", f"{cert_path} is valid until {cert.not_valid_after_utc:%Y-%m-%d}")


def _public_url() -> Iterator[Finding]:
    url = str(settings.PUBLIC_URL)
    if not url:
        yield Finding(
            "warning",
            "public URL",
            "EVERYST_PUBLIC_URL is not set: install commands use whatever address the browser used",
            "set EVERYST_PUBLIC_URL to the URL other hosts reach the hub at, e.g. https://everyst.example.com",
        )
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    found = False
    if not validate_host(f"[{host}]" if ":" in host else host, settings.ALLOWED_HOSTS):
        found = True
        yield Finding(
            "error",
            "public URL",
            f"{host} is not in EVERYST_ALLOWED_HOSTS: the dashboard at {url} would answer 400 Bad Request",
            f"add {host} to EVERYST_ALLOWED_HOSTS",
        )
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        found = True
        yield Finding("warning", "public URL", f"{url} is a loopback address: no other host can reach it",
                      "set EVERYST_PUBLIC_URL to an address other hosts reach")  # fmt: skip
    if parts.scheme == "https" and not settings.REFRESH_COOKIE_SECURE:
        found = True
        yield Finding("warning", "public URL", "the hub is served over HTTPS but its cookies are not Secure",
                      "set EVERYST_SECURE_COOKIES=true")  # fmt: skip
    if parts.scheme == "http" and not loopback:
        found = True
        yield Finding(
            "warning",
            "public URL",
            f"{url} is plain HTTP: passwords and the install script cross the network unencrypted",
            "put the hub behind a TLS reverse proxy (deploy/nginx/everyst.conf) and use its https:// URL",
        )
    if not found:
        yield Finding("ok", "public URL", url)


def _channel_layer() -> Iterator[Finding]:
    url = str(settings.REDIS_URL)
    if not url:
        yield Finding("ok", "channel layer", "in memory (one hub process; set REDIS_URL for replicas)")
        return
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        yield Finding(
            "error",
            "channel layer",
            f"Redis at {url} does not answer: {exc}",
            "start Redis, or fix REDIS_URL (unset it for a single hub process)",
        )
        return
    yield Finding("ok", "channel layer", f"Redis at {url} answers")


def _agent_package() -> Iterator[Finding]:
    wheel = str(settings.AGENT_WHEEL)
    if wheel:
        if Path(wheel).is_file():
            yield Finding("ok", "agent package", f"serving {wheel}")
        else:
            yield Finding("error", "agent package", f"EVERYST_AGENT_WHEEL={wheel} does not exist",
                          "point it at the everyst wheel file")  # fmt: skip
    elif source_tree_available(Path(settings.REPO_DIR)):
        yield Finding("ok", "agent package", "built from this hub's source tree on first download")
    else:
        yield Finding(
            "warning",
            "agent package",
            "no agent package to serve: /install.sh cannot install agents",
            "set EVERYST_AGENT_WHEEL to the everyst wheel this hub was installed from",
        )


def _dashboard() -> Iterator[Finding]:
    if (Path(settings.FRONTEND_DIST) / "index.html").exists():
        yield Finding("ok", "dashboard", f"built in {settings.FRONTEND_DIST}")
    else:
        yield Finding("warning", "dashboard", f"{settings.FRONTEND_DIST} has no built dashboard",
                      "run `make frontend`, or set EVERYST_FRONTEND_DIST")  # fmt: skip


def _django() -> Iterator[Finding]:
    messages = django_checks.run_checks()
    for message in messages:
        if message.is_silenced():
            continue
        level: Level = "error" if message.level >= django_checks.ERROR else "warning"
        yield Finding(level, f"django {message.id}", str(message.msg), str(message.hint or ""))
    if not messages:
        yield Finding("ok", "django", "system checks pass")


CHECKS: list[Callable[[], Iterator[Finding]]] = [
    _data_dir,
    _database,
    _tls,
    _public_url,
    _channel_layer,
    _agent_package,
    _dashboard,
    _django,
]
