"""Enrollment: trading a one-time token for this agent's credentials, and pinning the hub's CA."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from everyst.agent.v1 import agent_pb2

from everyst_agent import transport
from everyst_agent.collectors import collect_facts
from everyst_agent.config import AgentConfig
from everyst_agent.credentials import (
    Credentials,
    ensure_state_dir,
    load_credentials,
    save_credentials,
    write_private,
)
from everyst_agent.errors import EnrollError, NotEnrolledError, TrustError
from everyst_agent.pki import pinned_certificate
from everyst_agent.transport import REJECTED, Backoff, RpcError, Status, hub_channel, hub_roots

log = logging.getLogger(__name__)

ENROLL_TIMEOUT = 20.0
CA_PATH = "/api/v1/agents/ca.pem"
CA_MAX_BYTES = 1 << 20
_RETRYABLE_ENROLL = frozenset({Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED})


async def enroll(config: AgentConfig, token: str, address: str | None = None) -> Credentials:
    """Trade `token` for this agent's identity and store it in `<state_dir>/credentials.json` (0600).

    Asks `address`, one of the configured hub addresses (the first by default)."""
    hub = address or config.hub_addresses[0]
    request = agent_pb2.EnrollRequest(token=token, facts=collect_facts(machine_id=config.machine_id))
    async with hub_channel(config, hub_roots(config), hub) as channel:
        try:
            response = await transport.enroll(channel, request, ENROLL_TIMEOUT)
        except RpcError as exc:
            raise EnrollError(
                _describe_enroll_failure(config, hub, exc), retryable=exc.code in _RETRYABLE_ENROLL
            ) from None
    if not response.agent_id or not response.secret:
        raise EnrollError(f"hub {hub} answered the enrollment without an agent id or secret")
    creds = Credentials(
        agent_id=response.agent_id, secret=response.secret, host_id=response.host_id, hub=config.hub
    )
    ensure_state_dir(config.state_dir)
    save_credentials(config.credentials_path, creds)
    log.info("enrolled with hub %s as agent %s (host %s)", hub, creds.agent_id, creds.host_id)
    return creds


async def enroll_any(config: AgentConfig, token: str) -> tuple[Credentials, str]:
    """`enroll` with each configured hub address in turn until one answers (replicas share one
    database, so any of them can enroll us); the credentials and the address that answered.
    A refusal is final; if none can be reached, the last address's error."""
    addresses = config.hub_addresses
    for index, address in enumerate(addresses):
        try:
            return await enroll(config, token, address), address
        except EnrollError as exc:
            if not exc.retryable or index == len(addresses) - 1:
                raise
            log.warning("%s; trying %s", exc, addresses[index + 1])
    raise AssertionError("a configuration always has a hub address")


def _describe_enroll_failure(config: AgentConfig, hub: str, exc: RpcError) -> str:
    code, details = exc.code, exc.details
    if code in REJECTED or code == Status.INVALID_ARGUMENT:
        return f"hub {hub} refused the enrollment token ({details}); create a new token on the hub"
    if code in _RETRYABLE_ENROLL:
        hint = " (is it a TLS port? set tls = false only for a plaintext hub)" if not config.tls else ""
        return f"cannot reach hub {hub}: {details}{hint}"
    return f"enrollment with hub {hub} failed: {code.name}: {details}"


async def ensure_enrolled(config: AgentConfig, stop: asyncio.Event) -> Credentials | None:
    """Existing credentials, or enroll with `enroll_token`, retrying while the hub is unreachable.

    Returns None if `stop` is set before enrollment succeeded.
    """
    try:
        return load_credentials(config.credentials_path)
    except NotEnrolledError:
        if not config.enroll_token:
            raise
    backoff = Backoff()
    addresses = config.hub_addresses
    attempt = 0
    while not stop.is_set():
        try:
            # Replicas share one database: any of them can enroll us, so a dead one is skipped.
            return await enroll(config, config.enroll_token, addresses[attempt % len(addresses)])
        except EnrollError as exc:
            if not exc.retryable:
                raise
            attempt += 1
            delay = backoff.next()
            log.warning("%s; retrying enrollment in %.1f s", exc, delay)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await stop.wait()
    return None


def fetch_ca(hub_http_url: str, fingerprint: str, dest: Path) -> str:
    """Download the hub's CA certificate, check it against the pinned `fingerprint`, write it to `dest`.

    Returns the PEM written. The transport is not what is trusted here (the hub's HTTP port may be
    plain HTTP or use this very CA): the pinned fingerprint is, as with kubeadm's CA cert hash.
    """
    # Imported here: urllib.request costs ~2.5 MiB of RSS that `run` never needs.
    import ssl
    import urllib.error
    import urllib.request

    url = hub_http_url.rstrip("/") + CA_PATH
    if not url.startswith(("http://", "https://")):
        raise TrustError(f"hub URL must start with http:// or https://, got {hub_http_url!r}")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=15, context=context) as response:
            body = response.read(CA_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise TrustError(f"cannot download the hub CA from {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrustError(f"cannot download the hub CA from {url}: {reason}") from None
    if len(body) > CA_MAX_BYTES:
        raise TrustError(f"{url} returned more than {CA_MAX_BYTES} bytes; that is not a CA certificate")
    pem = pinned_certificate(body.decode("ascii", errors="replace"), fingerprint, url)
    write_private(dest, pem.encode("ascii"), 0o644)
    log.info("pinned hub CA %s saved to %s", fingerprint, dest)
    return pem
