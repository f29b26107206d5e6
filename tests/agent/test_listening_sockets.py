"""The listening-socket scan: the same rows psutil.net_connections() gives, without its memory."""

from __future__ import annotations

import os
import signal
import socket
import tracemalloc
from pathlib import Path

import psutil
import pytest
from everyst_agent.collectors.listening import decode_address, listening_sockets

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def psutil_listening() -> set[tuple[str, str, int, int]]:
    """What the collector reported when it went through psutil."""
    found = set()
    for c in psutil.net_connections(kind="inet"):
        if not c.laddr:
            continue
        if c.type == socket.SOCK_STREAM and c.status == psutil.CONN_LISTEN:
            protocol = "tcp"
        elif c.type == socket.SOCK_DGRAM and not c.raddr:
            protocol = "udp"
        else:
            continue
        found.add((protocol, c.laddr[0], c.laddr[1], c.pid or 0))
    return found


def test_the_rows_of_the_sockets_this_test_opens_are_psutils():
    opened: list[socket.socket] = []

    def bound(family: int, kind: int, address: str) -> socket.socket:
        s = socket.socket(family, kind)
        opened.append(s)
        s.bind((address, 0))
        if kind == socket.SOCK_STREAM:
            s.listen()
        return s

    bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
    bound(socket.AF_INET6, socket.SOCK_STREAM, "::1")
    dual_stack = bound(socket.AF_INET6, socket.SOCK_STREAM, "::").getsockname()[1]
    bound(socket.AF_INET, socket.SOCK_DGRAM, "0.0.0.0")
    bound(socket.AF_INET6, socket.SOCK_DGRAM, "::1")
    connected_udp = bound(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1")
    connected_udp.connect(("127.0.0.1", 9))
    server = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
    client = socket.create_connection(server.getsockname()[:2])
    accepted, _ = server.accept()
    opened += [client, accepted]
    shared_socket = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
    shared = shared_socket.getsockname()[1]
    child = os.fork()
    if child == 0:  # holds `shared` too, as a pre-forking server's workers do, and nothing else
        for s in opened:
            if s is not shared_socket:
                s.close()
        signal.pause()
        os._exit(0)
    try:
        ports = {s.getsockname()[1] for s in opened}
        ours = {row for row in listening_sockets() if row[2] in ports}
        theirs = {row for row in psutil_listening() if row[2] in ports}
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        for s in opened:
            s.close()
    assert ours == theirs
    assert len(ours) == 7  # 4 TCP listeners (one shared), 2 bound UDP; neither connection nor connected UDP
    assert ("tcp", "::", dual_stack, os.getpid()) in ours
    assert {row[3] for row in ours if row[2] == shared} <= {os.getpid(), child}


@pytest.mark.parametrize(
    ("text", "family", "expected"),
    [
        ("0100007F:1F90", socket.AF_INET, ("127.0.0.1", 8080)),
        ("00000000:0016", socket.AF_INET, ("0.0.0.0", 22)),
        ("00000000000000000000000001000000:0016", socket.AF_INET6, ("::1", 22)),
        ("0000000000000000FFFF00000100007F:9E49", socket.AF_INET6, ("::ffff:127.0.0.1", 40521)),
        ("0100007F:0000", socket.AF_INET, None),
    ],
)
def test_addresses_decode_as_psutil_decodes_them(text, family, expected):
    assert decode_address(text, family) == expected
    decoded = psutil._pslinux.NetConnections.decode_address(text, family)
    assert (tuple(decoded) if decoded else None) == expected


def fake_proc(root: Path, tcp: list[str], udp: list[str], fds: dict[int, list[str]]) -> str:
    (root / "net").mkdir(parents=True)
    (root / "net" / "tcp").write_text(HEADER + "".join(tcp))
    (root / "net" / "udp").write_text(HEADER + "".join(udp))
    (root / "net" / "tcp6").write_text(HEADER)
    (root / "net" / "udp6").write_text(HEADER)
    for pid, links in fds.items():
        (root / str(pid) / "fd").mkdir(parents=True)
        for fd, link in enumerate(links):
            os.symlink(link, root / str(pid) / "fd" / str(fd))
    return str(root)


def row(local: str, remote: str, state: str, inode: int) -> str:
    return f"   0: {local} {remote} {state} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1\n"


def test_owners_are_named_as_psutil_names_them(tmp_path, monkeypatch):
    proc = fake_proc(
        tmp_path,
        tcp=[
            row("0100007F:1F90", "00000000:0000", "0A", 11),  # listening, held by 10 and 20
            row("0100007F:1F91", "0100007F:D000", "01", 12),  # established
            row("00000000:0016", "00000000:0000", "0A", 13),  # listening, held by nobody visible
        ],
        udp=[
            row("00000000:0035", "00000000:0000", "07", 14),  # bound
            row("0100007F:0036", "0100007F:0035", "01", 15),  # connected
        ],
        fds={
            10: ["socket:[11]", "/dev/null", "socket:[14]"],
            20: ["pipe:[5]", "socket:[11]"],
            30: ["socket:[12]"],
        },
    )
    rows = listening_sockets(proc)
    # Several holders: the last in /proc's listing order is named.
    last = [int(name) for name in os.listdir(proc) if name in ("10", "20")][-1]
    assert rows == [("tcp", "0.0.0.0", 22, 0), ("tcp", "127.0.0.1", 8080, last), ("udp", "0.0.0.0", 53, 10)]
    monkeypatch.setattr(psutil, "PROCFS_PATH", proc)
    assert set(rows) == psutil_listening()


def test_a_host_full_of_connections_costs_no_memory_per_connection(tmp_path):
    connections = [
        row("0100007F:1F90", f"0100007F:{port:04X}", "01", 1000 + port) for port in range(1, 20_001)
    ]
    proc = fake_proc(
        tmp_path,
        tcp=[row("0100007F:1F90", "00000000:0000", "0A", 7), *connections],
        udp=[],
        fds={10: ["socket:[7]", *(f"socket:[{1000 + port}]" for port in range(1, 2001))]},
    )
    tracemalloc.start()
    try:
        assert listening_sockets(proc) == [("tcp", "127.0.0.1", 8080, 10)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024  # psutil: several MiB for 20,000 connections
