"""A stream that is displaced or stops answering always ends, and the agent always comes back:
real hub and agent processes, a second agent with the same credentials, a silent connection and
a frozen hub. Everything stays on 127.0.0.1."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e

# Small bounds so a broken stream is found within seconds; the defaults are 30 s.
FAST = {"welcome_timeout": 2.0, "ack_timeout": 2.0}
DISPLACED = "another connection of this agent took over"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(tmp_path / "hub").start()
    yield hub
    if hub.process is not None:
        hub.process.send_signal(signal.SIGCONT)  # a test that froze it may have failed mid-way
    hub.stop()


def stored(hub: Hub, host_id: str) -> list[int]:
    token, since, timestamps = hub.owner_token(), 0, []
    while True:
        page = hub.get(f"/api/v1/hosts/{host_id}/samples?since={since}&limit=3600", token)["samples"]
        timestamps += [s["ts"] for s in page]
        if len(page) < 3600:
            return timestamps
        since = page[-1]["ts"]


def caught_up(hub: Hub, host_id: str, agent: AgentProcess, through_ms: int) -> bool:
    """The agent's spool is (nearly) empty and the hub holds its samples up to `through_ms`."""
    try:
        latest = hub.get(f"/api/v1/hosts/{host_id}/latest", hub.owner_token())["ts"]
    except Exception:
        return False
    return bool(latest >= through_ms and agent.status().get("spool_depth", 99) <= 3)


def assert_every_second_once(timestamps: list[int], start_ms: int, end_ms: int) -> None:
    window = [ts for ts in timestamps if start_ms <= ts <= end_ms]
    assert len(window) == len(set(window)), "a sample was stored twice"
    missing = sorted(set(range(window[0], window[-1] + 1, 1000)) - set(window))
    assert not missing, f"{len(missing)} seconds missing, first {missing[:5]}"
    assert window[0] <= start_ms + 1000 and window[-1] >= end_ms - 1000


def connections(agent: AgentProcess) -> int:
    return agent.log().count("connected to hub")


def enrolled(hub: Hub, agent: AgentProcess) -> str:
    wait_until(lambda: (agent.state_dir / "credentials.json").exists(), 20, "enrollment")
    wait_until(lambda: connections(agent) >= 1, 20, f"the agent's first stream:\n{agent.log()}")
    host_id = agent.credentials()["host_id"]
    wait_until(lambda: len(stored(hub, host_id)) >= 3, 20, "first samples")
    return host_id


class SilencingProxy:
    """A TCP relay on 127.0.0.1 to the hub whose open connections can be made to go silent: the
    sockets stay open, and nothing more passes either way (a hub or NAT that stops answering
    without closing). Connections made after that are relayed as usual."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.silenced: set[socket.socket] = set()
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if src not in self.silenced:
                    dst.sendall(data)
        except OSError:
            pass
        if src not in self.silenced:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def silence_open_connections(self) -> None:
        with self.lock:
            self.silenced.update(self.open)

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            for sock in self.open:
                sock.close()


def test_a_displaced_agent_is_told_why_comes_back_and_takes_over_when_the_other_leaves(
    hub: Hub, tmp_path: Path
) -> None:
    first = AgentProcess(tmp_path / "first", hub, token=hub.enrollment_token()).start()
    second: AgentProcess | None = None
    try:
        host_id = enrolled(hub, first)
        start_ms = int(time.time() * 1000)
        # The same agent started twice on one machine: same credentials, same machine id.
        (tmp_path / "second").mkdir(mode=0o700)
        shutil.copy2(first.state_dir / "credentials.json", tmp_path / "second" / "credentials.json")
        machine_id = tomllib.loads(first.config_path.read_text())["machine_id"]
        second = AgentProcess(tmp_path / "second", hub, extra={"machine_id": machine_id}).start()

        wait_until(lambda: DISPLACED in first.log(), 20, f"the first agent to be told:\n{first.log()}")
        warning = next(line for line in first.log().splitlines() if DISPLACED in line)
        assert " WARNING " in warning and "reconnecting in" in warning, warning
        # The first one comes back and displaces the second in turn: both keep trying, with backoff.
        wait_until(lambda: DISPLACED in second.log(), 20, f"the second agent to be told:\n{second.log()}")
        second.stop()
        second = None
        left_ms = int(time.time() * 1000)

        reconnects = connections(first)
        wait_until(
            lambda: caught_up(hub, host_id, first, through_ms=left_ms + 3000),
            30,
            f"the first agent to take over and deliver its spool:\n{first.log()}",
        )
        assert connections(first) >= reconnects
        host = hub.get(f"/api/v1/hosts/{host_id}", hub.login())
        assert host["online"], host
        assert_every_second_once(stored(hub, host_id), start_ms, left_ms + 3000)
    finally:
        if second is not None:
            second.stop()
        first.stop()


def test_an_agent_whose_stream_goes_silent_says_so_reconnects_and_drains_its_spool(
    hub: Hub, tmp_path: Path
) -> None:
    proxy = SilencingProxy(hub.grpc_port)
    agent = AgentProcess(
        tmp_path / "agent",
        hub,
        token=hub.enrollment_token(),
        extra={**FAST, "hub": f"127.0.0.1:{proxy.port}"},
    ).start()
    try:
        host_id = enrolled(hub, agent)
        silent_ms = int(time.time() * 1000)
        proxy.silence_open_connections()

        # Found within the 2 s ack bound (HTTP/2 keepalive alone would take 30 s).
        wait_until(lambda: "acknowledged nothing" in agent.log(), 8, f"the agent to notice:\n{agent.log()}")
        wait_until(lambda: connections(agent) >= 2, 15, f"the agent to reconnect:\n{agent.log()}")
        back_ms = int(time.time() * 1000)
        wait_until(
            lambda: caught_up(hub, host_id, agent, through_ms=back_ms + 2000),
            30,
            f"the agent to deliver its spool:\n{agent.log()}",
        )
        assert_every_second_once(stored(hub, host_id), silent_ms - 2000, back_ms + 2000)
    finally:
        agent.stop()
        proxy.close()


def test_an_agent_of_a_frozen_hub_says_so_keeps_trying_and_drains_its_spool_once_it_thaws(
    hub: Hub, tmp_path: Path
) -> None:
    agent = AgentProcess(tmp_path / "agent", hub, token=hub.enrollment_token(), extra=FAST).start()
    try:
        host_id = enrolled(hub, agent)
        assert hub.process is not None
        frozen_ms = int(time.time() * 1000)
        hub.process.send_signal(signal.SIGSTOP)
        try:
            # The open stream stops acknowledging; new ones get no Welcome (their TLS handshake
            # is never answered): both are reported, within their bounds.
            wait_until(lambda: "acknowledged nothing" in agent.log(), 8, f"the ack bound:\n{agent.log()}")
            wait_until(lambda: "no Welcome" in agent.log(), 12, f"the Welcome bound:\n{agent.log()}")
        finally:
            hub.process.send_signal(signal.SIGCONT)
        thawed_ms = int(time.time() * 1000)
        wait_until(
            lambda: caught_up(hub, host_id, agent, through_ms=thawed_ms + 2000),
            40,
            f"the agent to deliver its spool:\n{agent.log()}",
        )
        assert_every_second_once(stored(hub, host_id), frozen_ms - 2000, thawed_ms + 2000)
    finally:
        agent.stop()
