"""One hub process: daphne (HTTP + WebSocket) and the gRPC ingest server on one asyncio loop,
optionally with a local agent as a child process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import daphne.server  # noqa: F401  # installs Twisted's asyncio reactor: keep before other twisted imports
from django.conf import settings
from twisted.internet import defer, reactor

from everyst_hub.core import interpreter
from everyst_hub.core.workers import label_worker_logs
from everyst_hub.ingest.server import IngestServer, start_ingest_server

logger = logging.getLogger(__name__)


class HubRunner:
    def __init__(
        self,
        *,
        http_host: str,
        http_port: int,
        grpc_host: str,
        grpc_port: int,
        local_agent: bool,
        worker: WorkerSockets | None = None,
    ) -> None:
        self.http_host, self.http_port = http_host, http_port
        self.grpc_host, self.grpc_port = grpc_host, grpc_port
        self.local_agent = local_agent
        self.worker = worker
        self.ingest: IngestServer | None = None
        self.agent_process: subprocess.Popen[bytes] | None = None
        self.failed = False

    def run(self) -> None:
        """Serve until stopped; `failed` tells whether the hub could not start."""
        from everyst_hub.config.asgi import application
        from everyst_hub.realtime.transport import FlowServer

        if self.worker is not None:
            # After the application's import: setting Django up again configured logging anew.
            label_worker_logs(self.worker.index)
            # The supervisor's listening socket, shared by every worker (IPv4: core/workers.py).
            endpoint = f"fd:fileno={self.worker.http_fd}"
        else:
            endpoint = f"tcp:port={self.http_port}:interface={_twisted_interface(self.http_host)}"
        server = FlowServer(
            application=application,
            endpoints=[endpoint],
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
                self.failed = True
                reactor.stop()  # type: ignore[misc]

        task.add_done_callback(started)

    async def _start_async(self) -> None:
        # Workers share the gRPC port (the kernel spreads agents over them); a single hub keeps
        # it to itself, so that a second one started by mistake fails instead of taking agents.
        self.ingest = await start_ingest_server(
            self.grpc_host, self.grpc_port, reuse_port=self.worker is not None
        )
        if self.local_agent:
            self.agent_process = await asyncio.to_thread(spawn_local_agent, self.ingest.port)
        interpreter.tune_for_serving()
        if self.worker is not None:
            # The supervisor says when every worker is ready.
            os.write(self.worker.ready_fd, b"r")
            os.close(self.worker.ready_fd)
            return
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


@dataclass(frozen=True)
class WorkerSockets:
    """What a worker of `serve --workers N` inherits from its supervisor (core/workers.py): the
    HTTP listening socket and the pipe it says it is ready on."""

    index: int
    http_fd: int
    ready_fd: int


def spawn_local_agent(grpc_port: int) -> subprocess.Popen[bytes]:
    """The local agent of `serve --local-agent`, a child of this process (the hub or the supervisor)."""
    from django.db import connections

    try:
        config_path = prepare_local_agent(grpc_port)
    finally:
        connections.close_all()  # this thread's: the enrollment token is all it was for
    return subprocess.Popen(
        [sys.executable, "-m", "everyst_agent", "run", "--config", str(config_path)],
        # The agent ends with this process, however it ends (agent/everyst_agent/cli.py).
        env={**os.environ, "EVERYST_AGENT_EXIT_WITH_PARENT": str(os.getpid())},
    )


# The settings of var/local-agent/agent.toml that `serve --local-agent` owns and sets on every start.
# Every other line (the user's scope_allow or scope_deny, comments) is theirs and kept as it is.
LOCAL_AGENT_HEADER = """\
# The local agent of `everyst-hub serve --local-agent`. On every start the hub sets hub, tls,
# state_dir, ca_file and enroll_token here; your own settings (scope_allow, scope_deny, ...) are
# kept, wherever you add them.
"""
_KEY_LINE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")


def prepare_local_agent(grpc_port: int) -> Path:
    """Set the hub's keys in the local agent's config, keeping the rest of the file; include a fresh
    one-use enrollment token only when the agent has no credentials yet (a second `make run` reuses
    the existing enrollment)."""
    from everyst_hub.inventory.enrollment import create_enrollment_token

    state_dir = settings.DATA_DIR / "local-agent"
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    owned: dict[str, str | None] = {
        "hub": _toml_string(f"127.0.0.1:{grpc_port}"),
        "tls": "true" if settings.GRPC_TLS else "false",
        "state_dir": _toml_string(str(state_dir)),
        "ca_file": _toml_string(str(settings.DATA_DIR / "pki" / "ca.pem")),
        # A used token is dropped: the credentials replace it.
        "enroll_token": None,
    }
    if not (state_dir / "credentials.json").exists():
        created = create_enrollment_token(ttl=timedelta(minutes=10), description="local agent (make run)")
        owned["enroll_token"] = _toml_string(created.raw)
    config_path = state_dir / "agent.toml"
    current = config_path.read_text() if config_path.exists() else LOCAL_AGENT_HEADER
    # Written aside and renamed: a crash mid-write must not cost the user their settings.
    scratch = config_path.with_name(config_path.name + ".new")
    scratch.unlink(missing_ok=True)
    with os.fdopen(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
        fh.write(set_toml_keys(current, owned))
    scratch.replace(config_path)
    return config_path


def set_toml_keys(text: str, values: dict[str, str | None]) -> str:
    """`text` (a flat TOML file) with each key of `values` set to its rendered TOML value, or
    removed when None; other lines and comments stay as they are. Keys not in the file go last."""
    lines: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match is None or match.group(1) not in values:
            lines.append(line)
            continue
        key = match.group(1)
        # A key set twice is invalid TOML: the first line is the one kept.
        if key not in seen and values[key] is not None:
            lines.append(f"{key} = {values[key]}")
        seen.add(key)
    lines += [f"{key} = {value}" for key, value in values.items() if key not in seen and value is not None]
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    # JSON's string escapes are all valid in a TOML basic string.
    return json.dumps(value)


def _twisted_interface(host: str) -> str:
    return host.replace(":", r"\:")
