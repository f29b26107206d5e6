"""TLS certificate check: handshake (accepting any certificate, self-signed included), then report
the leaf (and the chain when the ssl module exposes it), its validity and whether the system trusts it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ssl
from dataclasses import dataclass
from typing import Annotated, Any

from everyst_agent.tools.base import JobContext, Tool, ToolError, plural
from everyst_agent.tools.net import Address
from everyst_agent.tools.params import Param


@dataclass
class Params:
    """Reads the certificate a TLS server presents (self-signed too) and whether the system trusts it."""

    host: Annotated[str, Param("Host", max_length=253)]
    port: Annotated[int, Param("Port", 1, 65535)] = 443
    server_name: Annotated[
        str | None, Param("Server name (SNI)", max_length=253, description="none: the host, if it is a name")
    ] = None
    timeout: Annotated[float, Param("Timeout (s)", 0.1, 60)] = 5.0

    def targets(self) -> list[str]:
        return [self.host]


async def handshake(
    address: Address, port: int, server_name: str | None, context: ssl.SSLContext, timeout: float
) -> tuple[ssl.SSLObject, Any]:
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                str(address), port, ssl=context, server_hostname=server_name
            )
    except TimeoutError:
        raise ToolError(f"no TLS handshake with {address}:{port} within {timeout:g} s") from None
    except ssl.SSLCertVerificationError:
        raise
    except ssl.SSLError as exc:
        raise ToolError(f"{address}:{port} does not speak TLS ({exc.reason or exc})") from None
    except OSError as exc:
        raise ToolError(f"cannot connect to {address}:{port}: {exc.strerror or exc}") from None
    sslobj = writer.get_extra_info("ssl_object")
    return sslobj, writer


def describe(der: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    cert = x509.load_der_x509_certificate(der)
    try:
        sans_ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(v) for v in sans_ext.get_values_for_type(x509.DNSName)]
        sans += [str(v) for v in sans_ext.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        sans = []
    not_after = cert.not_valid_after_utc
    key = cert.public_key()
    key_text = type(key).__name__
    if isinstance(key, rsa.RSAPublicKey):
        key_text = f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_text = f"EC {key.curve.name}"
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "self_signed": cert.subject == cert.issuer,
        "sans": sans,
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": not_after.isoformat(),
        "days_to_expiry": round((not_after - dt.datetime.now(dt.UTC)).total_seconds() / 86400, 1),
        "signature_algorithm": cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else None,
        "public_key": key_text,
        "sha256": hashlib.sha256(der).hexdigest(),
    }


def unverified_chain(sslobj: ssl.SSLObject) -> list[bytes] | None:
    """The certificates the server sent, leaf first, as DER; None if this Python cannot tell.

    `SSLObject.get_unverified_chain` is public only from Python 3.13, but the C-level `_ssl._SSLSocket`
    behind it (the `_sslobj` attribute) has had `get_unverified_chain` since 3.10, returning
    `_ssl.Certificate` objects; without this fallback the chain was always None on 3.11 and 3.12.
    """
    get_chain = getattr(sslobj, "get_unverified_chain", None)  # Python 3.13+: DER bytes
    if get_chain is None:
        get_chain = getattr(getattr(sslobj, "_sslobj", None), "get_unverified_chain", None)
    if get_chain is None:
        return None
    import _ssl

    return [c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER) for c in get_chain() or []]


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    address: Address = ctx.addresses[0]
    sni = params.server_name or (params.host if not _is_ip(params.host) else None)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # read what is served, even self-signed; trust is judged below
    sslobj, writer = await handshake(address, params.port, sni, context, params.timeout)
    try:
        der = sslobj.getpeercert(binary_form=True)
        if not der:
            raise ToolError(f"{address}:{params.port} sent no certificate")
        chain_der = unverified_chain(sslobj)
        cipher = sslobj.cipher()
        protocol = sslobj.version()
    finally:
        writer.close()
    leaf = describe(der)
    trusted, verify_error = await verify(address, params, sni)
    result = {
        "host": params.host,
        "address": str(address),
        "port": params.port,
        "server_name": sni,
        "protocol": protocol,
        "cipher": cipher[0] if cipher else None,
        "cipher_bits": cipher[2] if cipher else None,
        "trusted": trusted,
        "verify_error": verify_error,
        "certificate": leaf,
        # What the server sent beyond the leaf (a client's peer chain starts with the leaf itself).
        "chain": [describe(c) for c in chain_der if c != der] if chain_der is not None else None,
    }
    await ctx.rows([result])
    days = leaf["days_to_expiry"]
    return {
        "message": f"{leaf['subject']} expires in {plural(days, 'day')}"
        + ("" if trusted else " (not trusted)"),
        **result,
    }


async def verify(address: Address, params: Params, sni: str | None) -> tuple[bool, str | None]:
    context = ssl.create_default_context()
    if sni is None:
        context.check_hostname = False
    try:
        _, writer = await handshake(address, params.port, sni, context, params.timeout)
    except ssl.SSLCertVerificationError as exc:
        return False, exc.verify_message or str(exc)
    except ToolError as exc:
        return False, str(exc)
    writer.close()
    return True, None


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


TOOL = Tool("tls_cert", Params, run, title="TLS certificate")
