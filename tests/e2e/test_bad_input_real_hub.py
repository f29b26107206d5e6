"""Bad input to a real hub process (daphne, the ASGI handler, the real WebSocket server): refused
with a 4xx or an error frame, and nothing in the hub's log but warning lines."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import live_socket
from tests.support.processes import Hub

pytestmark = pytest.mark.e2e

DEEP = "[" * 100_000 + "]" * 100_000
TEN_MB = b"x" * (10 * 1024 * 1024)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    started = Hub(Path(tmp_path_factory.mktemp("hub"))).start()
    yield started
    started.stop()


def raw_request(hub: Hub, method: str, path: str, body: bytes, *, chunked: bool = False) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", hub.http_port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"}
        if chunked:
            connection.request(
                method,
                path,
                body=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
                headers=headers,
                encode_chunked=True,
            )
        else:
            connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def assert_error_shape(body: Any) -> None:
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body


def assert_log_is_quiet(hub: Hub) -> None:
    log = hub.log()
    assert "Traceback" not in log, log[-3000:]
    assert " ERROR " not in log, log[-3000:]


def test_deep_json_before_login_is_a_400(hub: Hub) -> None:
    for path in ("/api/v1/auth/login", "/api/v1/setup"):
        status, body = raw_request(hub, "POST", path, DEEP.encode())
        assert status == 400, (path, body)
        assert_error_shape(body)
    assert_log_is_quiet(hub)


def test_a_ten_megabyte_body_is_a_413_on_api_and_page_paths(hub: Hub) -> None:
    for path in ("/api/v1/auth/login", "/api/v1/hosts", "/hosts"):
        status, body = raw_request(hub, "POST", path, TEN_MB)
        assert status == 413, (path, body)
        assert_error_shape(body)
    assert_log_is_quiet(hub)


def test_a_ten_megabyte_chunked_body_without_a_length_is_refused(hub: Hub) -> None:
    status, body = raw_request(hub, "POST", "/api/v1/auth/login", TEN_MB, chunked=True)
    assert status in {400, 413}, body
    assert_error_shape(body)
    assert_log_is_quiet(hub)


def test_bad_frames_get_an_error_frame_and_the_socket_stays_usable(hub: Hub) -> None:
    bad = [
        "[" * 8000 + "]" * 8000,
        json.dumps({"type": "subscribe", "topic": "host", "host": "HUGE"}).replace('"HUGE"', "1" + "0" * 23),
        json.dumps({"type": "tool.run", "host": "not-a-host", "tool": "ping", "params": {}}),
        json.dumps({"type": "ping", "padding": "x" * 20_000}),
    ]
    with live_socket(hub) as ws:
        for frame in bad:
            ws.send(frame)
            answer = json.loads(ws.recv(timeout=5))
            assert answer["type"] == "error" and answer["code"] and answer["message"], answer
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
    assert_log_is_quiet(hub)


def test_a_frame_over_the_servers_limit_drops_only_that_socket(hub: Hub) -> None:
    """Past the server's 64 KiB message limit (core/runner.py) daphne drops the connection; the
    consumer never sees the frame, and the hub serves the next socket as before."""
    from websockets.exceptions import ConnectionClosed

    with live_socket(hub) as ws:
        ws.send(json.dumps({"type": "ping", "padding": "x" * 70_000}))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with live_socket(hub) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
    assert_log_is_quiet(hub)
