"""One hub process: daphne (HTTP + WebSocket) and the gRPC ingest server on one asyncio loop,
optionally with a local agent as a child process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import daphne.server  # installs Twisted's asyncio reactor: keep before other twisted imports
from django.conf import settings
from twisted.internet import defer, reactor

from everyst_hub.ingest.server import IngestServer, start_ingest_server

logger = logging.getLogger(__name__)


class HubRunner:
    def __init__(
        self, *, http_host: str, http_port: int, grpc_host: str, grpc_port: int, local_agent: bool
    ) -> None:
        self.http_host, self.http_port = http_host, http_port
        self.grpc_host, self.grpc_port = grpc_host, grpc_port
        self.local_agent = local_agent
        self.ingest: IngestServer | None = None
        self.agent_process: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        from everyst_hub.config.asgi import application

        server = daphne.server.Server(
            application=application,
            endpoints=[f"tcp:port={self.http_port}:interface={_twisted_interface(self.http_host)}"],
            signal_handlers=True,
            action_logger=None,
            verbosity=0,
            websocket_max_message_size=64 * 1024,
            websocket_max_frame_size=64 * 1024,
        )
        reactor.callWhenRunning(self._start)
        reactor.addSystemEventTrigger("before", "shutdown", self._stop)  # type: ignore[arg-type]
        server.run()

    def _start(self) -> None:
        task = asyncio.ensure_future(self._start_async())

        def started(done: asyncio.Future[None]) -> None:
            if done.exception() is not None:
                logger.error("hub failed to start: %s", done.exception())
                reactor.stop()  # type: ignore[misc]

        task.add_done_callback(started)

    async def _start_async(self) -> None:
        self.ingest = await start_ingest_server(self.grpc_host, self.grpc_port)
        if self.local_agent:
            self.agent_process = await asyncio.to_thread(self._spawn_local_agent)
        url = f"http://{self.http_host}:{self.http_port}"
        print(f"Everyst hub ready: dashboard {url}  ·  gRPC :{self.ingest.port}  ·  Ctrl-C stops", flush=True)

    def _stop(self) -> defer.Deferred[None]:
        return defer.Deferred.fromFuture(asyncio.ensure_future(self._stop_async()))

    async def _stop_async(self) -> None:
        if self.agent_process is not None and self.agent_process.poll() is None:
            self.agent_process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.agent_process.wait, 10)
            except subprocess.TimeoutExpired:
                self.agent_process.kill()
        if self.ingest is not None:
            await self.ingest.stop()

    def _spawn_local_agent(self) -> subprocess.Popen[bytes]:
        config_path = prepare_local_agent(self.ingest.port if self.ingest else self.grpc_port)
        return subprocess.Popen(
            [sys.executable, "-m", "everyst_agent", "run", "--config", str(config_path)],
            # The agent ends with this process, however it ends (agent/everyst_agent/cli.py).
            env={**os.environ, "EVERYST_AGENT_EXIT_WITH_PARENT": str(os.getpid())},
        )


def prepare_local_agent(grpc_port: int) -> Path:
    """Write the local agent's config; include a fresh one-use enrollment token only when the
    agent has no credentials yet (a second `make run` reuses the existing enrollment)."""
    from everyst_hub.inventory.services import create_enrollment_token

    state_dir = settings.DATA_DIR / "local-agent"
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = [
        f'hub = "127.0.0.1:{grpc_port}"',
        f"tls = {'true' if settings.GRPC_TLS else 'false'}",
        f'state_dir = "{state_dir}"',
        f'ca_file = "{settings.DATA_DIR / "pki" / "ca.pem"}"',
    ]
    if not (state_dir / "credentials.json").exists():
        created = create_enrollment_token(ttl=timedelta(minutes=10), description="local agent (make run)")
        lines.append(f'enroll_token = "{created.raw}"')
    config_path = state_dir / "agent.toml"
    config_path.touch(mode=0o600)
    config_path.write_text("\n".join(lines) + "\n")
    return config_path


def _twisted_interface(host: str) -> str:
    return host.replace(":", r"\:")
