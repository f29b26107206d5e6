"""The nginx example (deploy/nginx/everyst.conf) in front of a real hub: Debian's nginx runs that
file, with only its addresses, ports and certificate paths put to this test's (all on
127.0.0.1, in a temporary prefix), and carries HTTPS REST, the live WebSocket and an agent's
gRPC stream, enrollment included."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.agent.tools.conftest import self_signed
from tests.support.deploy import REPO
from tests.support.processes import OWNER_PASSWORD, AgentProcess, Hub, free_port, wait_until

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "deploy" / "nginx" / "everyst.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Proxy:
    https_port: int
    grpc_port: int
    context: ssl.SSLContext

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def call(
        self, method: str, path: str, token: str | None = None, body: dict[str, Any] | None = None
    ) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.context) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None

    def login(self) -> str:
        answer = self.call(
            "POST", "/api/v1/auth/login", body={"username": "owner", "password": OWNER_PASSWORD}
        )
        return str(answer["access"])


def rendered(example: str, replacements: dict[str, str]) -> str:
    """The example with this test's values; every line replaced must be there, so the example and
    this test cannot drift apart unnoticed."""
    for old, new in replacements.items():
        assert old in example, f"{EXAMPLE} no longer has {old!r}"
        example = example.replace(old, new)
    return example


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    """nginx's HTTPS and gRPC ports, which the hub must know to name them in install commands."""
    return free_port(), free_port()


@pytest.fixture(scope="module")
def hub(ports: tuple[int, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    https_port, grpc_port = ports
    hub = Hub(
        tmp_path_factory.mktemp("hub"),
        extra_env={
            "EVERYST_PUBLIC_URL": f"https://127.0.0.1:{https_port}",
            "EVERYST_PUBLIC_GRPC_ADDRESS": f"127.0.0.1:{grpc_port}",
            "EVERYST_SECURE_COOKIES": "true",
            "EVERYST_TRUSTED_PROXIES": "127.0.0.1",
        },
    ).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def proxy(hub: Hub, ports: tuple[int, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make system-deps installs Debian's nginx)")
    https_port, grpc_port = ports
    prefix = tmp_path_factory.mktemp("nginx")
    cert, key = self_signed(prefix, "localhost", "127.0.0.1")
    pki = hub.data_dir / "pki"
    site = rendered(
        EXAMPLE.read_text(),
        {
            "listen 80;\n    listen [::]:80;": f"listen 127.0.0.1:{free_port()};",
            "443 ssl http2;\n    listen [::]:443 ssl http2;": f"127.0.0.1:{https_port} ssl http2;",
            "50051 ssl http2;\n    listen [::]:50051 ssl http2;": f"127.0.0.1:{grpc_port} ssl http2;",
            "/etc/letsencrypt/live/everyst.example.com/fullchain.pem": str(cert),
            "/etc/letsencrypt/live/everyst.example.com/privkey.pem": str(key),
            "/var/lib/everyst/pki/": f"{pki}/",
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{hub.http_port};",
            "server 127.0.0.1:50052;": f"server 127.0.0.1:{hub.grpc_port};",
        },
    )
    (prefix / "everyst.conf").write_text(site)
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / temp).mkdir()
    # The frame Debian's /etc/nginx/nginx.conf gives a site, pointed at the prefix; workers run as
    # root here only because pytest's temporary directory is closed to other users.
    (prefix / "nginx.conf").write_text(
        f"""
daemon off;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/everyst.conf;
}}
"""
    )
    tested = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: _listening(https_port) and _listening(grpc_port), 15, "nginx listening")
        context = ssl.create_default_context(cafile=str(cert))
        yield Proxy(https_port=https_port, grpc_port=grpc_port, context=context)
    finally:
        process.terminate()
        process.wait(15)


def test_rest_answers_over_https_through_nginx(proxy: Proxy) -> None:
    token = proxy.login()
    assert proxy.call("GET", "/api/v1/auth/me", token)["username"] == "owner"


def test_install_commands_name_the_https_url_and_warn_of_nothing(proxy: Proxy) -> None:
    created = proxy.call("POST", "/api/v1/enrollment-tokens", proxy.login(), {})
    assert created["install_command"].startswith(f"curl -fsSL {proxy.url}/install.sh | sudo sh -s -- ")
    assert created["grpc_address"] == f"127.0.0.1:{proxy.grpc_port}"
    # Only that 127.0.0.1 is loopback: the URL is set and HTTPS.
    [warning] = created["install_warnings"]
    assert warning.startswith(f"{proxy.url} is a loopback address")
    request = urllib.request.Request(f"{proxy.url}/install.sh")
    with urllib.request.urlopen(request, timeout=10, context=proxy.context) as response:
        script = response.read().decode()
    assert f"HUB_URL='{proxy.url}'" in script and f"HUB_GRPC='127.0.0.1:{proxy.grpc_port}'" in script


def test_the_live_websocket_upgrades_and_authenticates_through_nginx(proxy: Proxy) -> None:
    token = proxy.login()

    async def exchange() -> dict[str, Any]:
        async with websockets.connect(
            f"wss://127.0.0.1:{proxy.https_port}/ws/live/",
            ssl=proxy.context,
            origin=proxy.url,  # type: ignore[arg-type]
        ) as socket_:
            await socket_.send(json.dumps({"type": "auth", "token": token}))
            return dict(json.loads(await asyncio.wait_for(socket_.recv(), 10)))

    assert asyncio.run(exchange())["type"] == "auth.ok"


def test_an_agent_enrolls_and_streams_through_nginx_grpc(proxy: Proxy, hub: Hub, tmp_path: Path) -> None:
    token = proxy.login()
    enroll = proxy.call("POST", "/api/v1/enrollment-tokens", token, {})["token"]
    agent = AgentProcess(tmp_path / "agent", hub, token=enroll, extra={"hub": f"127.0.0.1:{proxy.grpc_port}"})
    agent.start()
    try:
        wait_until(lambda: (agent.state_dir / "credentials.json").exists(), 20, f"enrollment:\n{agent.log()}")
        host = f"/api/v1/hosts/{agent.credentials()['host_id']}"
        wait_until(lambda: proxy.call("GET", host, token)["online"], 20, f"the agent online:\n{agent.log()}")
        first = wait_until(lambda: proxy.call("GET", host, token).get("latest"), 10, "a sample")
        later = wait_until(
            lambda: (s := proxy.call("GET", host, token).get("latest")) and s["ts"] != first["ts"] and s,
            10,
            "a newer sample: the stream stays up through nginx",
        )
        assert later["ts"] > first["ts"]
    finally:
        agent.stop()
