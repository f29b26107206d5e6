"""`everyst-hub serve --workers N`: one hub process per core on one machine.

A small supervisor binds the HTTP listening socket once and starts N worker processes, each the
normal hub (HubRunner) serving that inherited socket: the kernel hands every new HTTP or WebSocket
connection to whichever worker accepts it first. Every worker also binds the gRPC port with
SO_REUSEPORT, so the kernel spreads agent connections over them by hashing. The workers are
replicas in every other way (docs/architecture.md, scale-out): they share PostgreSQL and Redis,
and work that must run once runs once through PostgreSQL advisory locks.

The supervisor forwards SIGTERM and SIGINT (the workers drain as a single hub does), restarts a
worker that dies (with backoff), and gives up, exiting non-zero, when workers keep dying before
they are ready.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from everyst_hub.config.env import ConfigError

logger = logging.getLogger(__name__)

MAX_WORKERS = 256
# A worker that dies is started again after the first delay, doubled for each death in a row that
# came sooner than HEALTHY_SECONDS after its start, up to the second.
RESTART_DELAYS = (1.0, 30.0)
HEALTHY_SECONDS = 60.0
# This many starts in a row that end before the worker is ready: something is wrong that another
# start will not fix (a bad setting, the database gone); the supervisor stops and says so.
MAX_FAILED_STARTS = 5
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1


def worker_count(value: str | int) -> int:
    """`--workers` / EVERYST_HUB_WORKERS: a whole number from 1, or `auto` for one per core this
    process may run on (its CPU affinity, which cgroups and taskset narrow)."""
    text = str(value).strip().lower()
    if text == "auto":
        return max(1, len(os.sched_getaffinity(0)))
    try:
        count = int(text)
    except ValueError:
        raise ConfigError(f"--workers / EVERYST_HUB_WORKERS={value!r}: use a whole number or auto.") from None
    if not 1 <= count <= MAX_WORKERS:
        raise ConfigError(f"--workers / EVERYST_HUB_WORKERS={count}: use 1 to {MAX_WORKERS}, or auto.")
    return count


def refuse_unshared_state(workers: int) -> None:
    """Several workers share the fleet through PostgreSQL and Redis; on SQLite or the in-memory
    channel layer each would have a world of its own."""
    if workers == 1:
        return
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        raise ConfigError(
            f"--workers {workers} needs PostgreSQL (DATABASE_URL=postgres://…) and Redis "
            "(REDIS_URL=redis://…): SQLite is the one-process default, run it without --workers."
        )
    if not settings.REDIS_URL:
        raise ConfigError(
            f"--workers {workers} needs Redis (REDIS_URL=redis://…): without it, live updates and agent "
            "commands stay inside the worker that made them."
        )


def listen_http(host: str, port: int) -> socket.socket:
    """The HTTP listening socket every worker serves (IPv4: daphne adopts inherited sockets as such)."""
    try:
        found = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(
            f"--workers serves HTTP on IPv4 only, and EVERYST_HTTP_HOST={host!r} is not an IPv4 address "
            "or name: use e.g. 127.0.0.1 (behind a reverse proxy) or 0.0.0.0."
        ) from None
    sock = _bound(found[0], socket.SO_REUSEADDR, f"cannot listen on {host}:{port} for HTTP")
    sock.listen(1024)
    return sock


def hold_grpc_port(host: str, port: int) -> socket.socket:
    """A socket bound to the gRPC port with SO_REUSEPORT and never listening: it gets no
    connection, but a port 0 resolves once for every worker, and no other program takes the port
    while a worker restarts."""
    found = socket.getaddrinfo(
        host.strip("[]"), port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    )
    return _bound(found[0], socket.SO_REUSEPORT, f"cannot bind the gRPC port {host}:{port}")


def _bound(address_info: tuple[Any, ...], option: int, failure: str) -> socket.socket:
    family, kind, proto, _, address = address_info
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, option, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"{failure}: {exc.strerror}.") from exc
    return sock


@dataclass
class Worker:
    index: int
    process: subprocess.Popen[bytes] | None = None
    ready_pipe: int | None = None
    ready: bool = False
    started_at: float = 0.0
    restart_at: float | None = None
    quick_deaths: int = 0
    failed_starts: int = 0


@dataclass
class Supervisor:
    count: int
    http_host: str
    http_port: int
    grpc_host: str
    grpc_port: int
    local_agent: bool
    workers: list[Worker] = field(default_factory=list)
    stopping: bool = False
    exit_code: int = 0

    def run(self) -> int:
        from everyst_hub.core.runner import spawn_local_agent
        from everyst_hub.ingest.server import server_tls

        # What a worker would otherwise create at start, made once here so that workers never
        # race over it: the secrets (loading the settings made them), the CA and server certificate.
        if settings.GRPC_TLS:
            server_tls()
        http = listen_http(self.http_host, self.http_port)
        grpc_hold = hold_grpc_port(self.grpc_host, self.grpc_port)
        self.http_port, self.grpc_port = http.getsockname()[1], grpc_hold.getsockname()[1]
        self._http_fd = http.fileno()
        self._selector = selectors.DefaultSelector()
        wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._selector.register(wake_read, selectors.EVENT_READ, None)
        signal.set_wakeup_fd(wake_write)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the loop through the wakeup fd
        agent: subprocess.Popen[bytes] | None = None
        try:
            self.workers = [Worker(index) for index in range(1, self.count + 1)]
            for worker in self.workers:
                self._start(worker)
            if self._wait_until_ready():
                if self.local_agent:
                    agent = spawn_local_agent(self.grpc_port)
                pids = ", ".join(str(w.process.pid) for w in self.workers if w.process)
                print(
                    f"Everyst hub ready: dashboard http://{self.http_host}:{self.http_port}  ·  "
                    f"gRPC :{self.grpc_port}  ·  {self.count} workers (pids {pids})  ·  Ctrl-C stops",
                    flush=True,
                )
                self._supervise()
        finally:
            self._stop_all(agent)
            signal.set_wakeup_fd(-1)
            self._selector.close()
            for fd in (wake_read, wake_write):
                os.close(fd)
            http.close()
            grpc_hold.close()
        return self.exit_code

    # ------------------------------------------------------------------ starting

    def _start(self, worker: Worker) -> None:
        ready_read, ready_write = os.pipe2(os.O_CLOEXEC)
        command = [
            sys.executable,
            "-m",
            "everyst_hub",
            "serve",
            "--grpc-host",
            self.grpc_host,
            "--grpc-port",
            str(self.grpc_port),
            "--worker-index",
            str(worker.index),
            "--worker-http-fd",
            str(self._http_fd),
            "--worker-ready-fd",
            str(ready_write),
        ]
        env = {**os.environ, "EVERYST_HUB_SUPERVISOR": str(os.getpid())}
        worker.process = subprocess.Popen(command, env=env, pass_fds=(self._http_fd, ready_write))
        os.close(ready_write)
        worker.ready_pipe, worker.ready, worker.started_at = ready_read, False, time.monotonic()
        worker.restart_at = None
        self._selector.register(ready_read, selectors.EVENT_READ, worker)
        logger.info("worker %d started (pid %d)", worker.index, worker.process.pid)

    def _wait_until_ready(self) -> bool:
        """Every worker ready; False when one failed to start (the others are then stopped: the
        same setting or port would fail them all) or a stop signal came first."""
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.stopping and not all(w.ready for w in self.workers):
            self._poll(max(0.0, deadline - time.monotonic()))
            for worker in self.workers:
                if not worker.ready and worker.process is not None and worker.process.poll() is not None:
                    logger.error(
                        "worker %d exited with %s before it was ready: stopping",
                        worker.index,
                        _exit_status(worker.process.returncode),
                    )
                    self.exit_code = 1
                    return False
            if time.monotonic() > deadline:
                logger.error("workers not ready after %.0f s: stopping", READY_TIMEOUT)
                self.exit_code = 1
                return False
        return not self.stopping

    # ------------------------------------------------------------------ running

    def _supervise(self) -> None:
        while not self.stopping:
            now = time.monotonic()
            timers = [w.restart_at for w in self.workers if w.restart_at is not None]
            self._poll(max(0.0, min(timers) - now) if timers else None)
            now = time.monotonic()
            for worker in self.workers:
                process = worker.process
                if process is not None and process.poll() is not None and not self.stopping:
                    self._died(worker, process.returncode, now)
                elif worker.restart_at is not None and worker.restart_at <= now and not self.stopping:
                    self._start(worker)
            if self.exit_code:
                return

    def _died(self, worker: Worker, returncode: int, now: float) -> None:
        self._close_ready_pipe(worker)
        worker.process = None
        worker.quick_deaths = worker.quick_deaths + 1 if now - worker.started_at < HEALTHY_SECONDS else 0
        if not worker.ready:
            worker.failed_starts += 1
        if worker.failed_starts >= MAX_FAILED_STARTS:
            logger.error(
                "worker %d exited with %s before it was ready %d times in a row: stopping",
                worker.index,
                _exit_status(returncode),
                worker.failed_starts,
            )
            self.exit_code = 1
            return
        low, high = RESTART_DELAYS
        delay = min(high, low * 2 ** max(0, worker.quick_deaths - 1))
        worker.restart_at = now + delay
        logger.error(
            "worker %d exited with %s after %.0f s: restarting it in %.0f s",
            worker.index,
            _exit_status(returncode),
            now - worker.started_at,
            delay,
        )

    def _poll(self, timeout: float | None) -> None:
        for key, _ in self._selector.select(timeout):
            worker = key.data
            if worker is None:  # the wakeup fd: a signal came (SIGCHLD, SIGTERM, SIGINT)
                with contextlib.suppress(BlockingIOError):
                    while os.read(key.fd, 512):
                        pass
                continue
            if os.read(key.fd, 1):
                worker.ready, worker.failed_starts = True, 0
                logger.info("worker %d ready", worker.index)
            self._close_ready_pipe(worker)

    def _close_ready_pipe(self, worker: Worker) -> None:
        if worker.ready_pipe is not None:
            self._selector.unregister(worker.ready_pipe)
            os.close(worker.ready_pipe)
            worker.ready_pipe = None

    # ------------------------------------------------------------------ stopping

    def _on_stop_signal(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            logger.info("received %s: stopping the workers", signal.Signals(signum).name)
        self.stopping = True

    def _stop_all(self, agent: subprocess.Popen[bytes] | None) -> None:
        """SIGTERM to the local agent and every worker (each drains as a single hub does), then
        SIGKILL to whichever is still running after STOP_TIMEOUT."""
        self.stopping = True
        running = [w.process for w in self.workers if w.process is not None and w.process.poll() is None]
        if agent is not None and agent.poll() is None:
            running.insert(0, agent)
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("pid %d did not stop in %.0f s: killing it", process.pid, STOP_TIMEOUT)
                process.kill()
                process.wait()
        for worker in self.workers:
            self._close_ready_pipe(worker)


def _exit_status(returncode: int) -> str:
    if returncode < 0:
        return f"signal {signal.Signals(-returncode).name}"
    return f"code {returncode}"


# ---------------------------------------------------------------------- worker side


def follow_supervisor() -> bool:
    """A worker stops when its supervisor dies, even by SIGKILL: the kernel sends it SIGTERM.
    Returns False when the supervisor is already gone."""
    parent = os.environ.get("EVERYST_HUB_SUPERVISOR")
    if not parent:
        return True
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        logger.warning("cannot follow the supervisor's lifetime: prctl errno %d", ctypes.get_errno())
    return str(os.getppid()) == parent


def label_worker_logs(index: int) -> None:
    """Workers share the supervisor's output: each log line says whose it is."""
    formatter = logging.Formatter(f"%(asctime)s %(levelname)s [worker {index}] %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
