"""The gRPC ingest server, run inside the hub's event loop with the hub's background work."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

import grpc
from django.conf import settings
from everyst.agent.v1 import agent_pb2_grpc

from everyst_hub.config.env import ConfigError
from everyst_hub.core.background import Background, start_background

from . import health
from .auth import AgentAuthInterceptor
from .pki import ServerTls, load_server_tls
from .servicer import AgentServicer
from .writer import IngestWriter

logger = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def server_tls() -> ServerTls:
    return load_server_tls(
        settings.DATA_DIR / "pki", settings.GRPC_CERT_FILE, settings.GRPC_KEY_FILE, settings.GRPC_SERVER_NAMES
    )


@dataclass
class IngestServer:
    server: grpc.aio.Server
    servicer: AgentServicer
    writer: IngestWriter
    port: int
    background: Background

    async def stop(self, grace: float = 2.0) -> None:
        health.forget(self)
        self.background.stop_loops()
        await self.server.stop(grace)
        await self.servicer.drain(grace + 5.0)
        await self.writer.close()
        await self.background.stop()


async def start_ingest_server(host: str, port: int, *, reuse_port: bool = False) -> IngestServer:
    """`reuse_port`: bind with SO_REUSEPORT, for the workers of `serve --workers N` that share the
    port (gRPC's own default on Linux is on: said here either way)."""
    if not settings.GRPC_TLS and not _is_loopback(host):
        raise ConfigError(
            f"EVERYST_GRPC_TLS=false only serves loopback, but the gRPC address is {host!r}: "
            "keep TLS on, or bind EVERYST_GRPC_HOST=127.0.0.1 for local development."
        )
    background = await start_background()
    writer = IngestWriter(flush_interval=settings.INGEST_FLUSH_MS / 1000, on_stored=background.stored)
    writer.start()
    limit = settings.GRPC_MAX_MESSAGE_BYTES
    server = grpc.aio.server(
        interceptors=[AgentAuthInterceptor()],
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", limit),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.max_concurrent_streams", 100_000),
            ("grpc.so_reuseport", 1 if reuse_port else 0),
            # No bandwidth-delay probing: it pings a connection as its data arrives, to grow the
            # flow-control window for bulk transfers. Agents send a few KB a second, well inside
            # the default 64 KB window, and answering the probes of a thousand connections cost
            # ~17 % of the hub's CPU per sample (docs/benchmarks.md).
            ("grpc.http2.bdp_probe", 0),
        ],
    )
    servicer = AgentServicer(writer)
    agent_pb2_grpc.add_AgentServiceServicer_to_server(servicer, server)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if settings.GRPC_TLS:
        tls = server_tls()
        credentials = grpc.ssl_server_credentials([(tls.private_key, tls.cert_chain)])
        bound = server.add_secure_port(address, credentials)
    else:
        logger.warning("gRPC runs WITHOUT TLS (EVERYST_GRPC_TLS=false): use this only on loopback")
        bound = server.add_insecure_port(address)
    await server.start()
    logger.info(
        "gRPC ingest listening on %s:%s (%s)", host, bound, "TLS" if settings.GRPC_TLS else "plaintext"
    )
    background.start_loops()
    running = IngestServer(server=server, servicer=servicer, writer=writer, port=bound, background=background)
    health.remember(running)
    return running
