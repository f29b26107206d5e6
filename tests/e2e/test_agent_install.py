"""The one-line agent install, end to end: a real hub on 127.0.0.1 serves /install.sh and the
signed agent package; the script, piped from curl into sh as the Agents page says, installs the
agent into a sandbox (paths and user overridden, no systemd here), enrolls it, and the installed
agent then streams to the hub as its own unprivileged user with exactly its unit's capabilities.

This machine has no package index the tests may use, so the agent's dependencies come from this
test run's environment: the distributions the wheel's `agent` extra names (and nothing else) are
put on the installer's PYTHONPATH, where its pip finds them already installed.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import pwd
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.deploy import AGENT_UNIT, agent_requirements, offline_site, setpriv_as_unit
from tests.support.imports import AGENT, imports
from tests.support.netns import running_lab
from tests.support.processes import Hub, wait_until

pytestmark = pytest.mark.e2e

SYSTEM_PYTHON = Path("/usr/bin/python3")
# The five the agent names, and grpclib's own (h2 and its parts, multidict).
AGENT_DEPENDENCIES = {"grpclib", "protobuf", "psutil", "scapy", "netaddr"} | {
    "h2",
    "hpack",
    "hyperframe",
    "multidict",
}


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as response:
        return bytes(response.read())


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = Hub(tmp_path_factory.mktemp("hub")).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def fingerprint(hub: Hub) -> str:
    der = ssl.PEM_cert_to_DER_cert(hub.ca_file.read_text())
    return hashlib.sha256(der).hexdigest()


@pytest.fixture(scope="module")
def wheel(hub: Hub, tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = _fetch(f"{hub.url}/downloads/agent.manifest").decode()
    name = manifest.split("\nfile ")[1].split("\n")[0]
    path = tmp_path_factory.mktemp("wheel") / name
    path.write_bytes(_fetch(f"{hub.url}/downloads/{name}"))
    return path


@dataclass
class Sandbox:
    root: Path
    user: str
    site: Path

    @property
    def prefix(self) -> Path:
        return self.root / "opt" / "everyst-agent"

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "everyst"

    @property
    def state(self) -> Path:
        return self.root / "var" / "lib" / "everyst-agent"

    @property
    def config(self) -> Path:
        return self.etc / "agent.toml"

    @property
    def agent(self) -> Path:
        return self.prefix / "venv" / "bin" / "everyst-agent"

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "EVERYST_INSTALL_PREFIX": str(self.prefix),
            "EVERYST_INSTALL_ETC": str(self.etc),
            "EVERYST_INSTALL_STATE": str(self.state),
            "EVERYST_INSTALL_USER": self.user,
            "EVERYST_INSTALL_PYTHON": str(SYSTEM_PYTHON),
            # No package index: the dependencies are found installed (module docstring).
            "PIP_NO_INDEX": "1",
            "PYTHONPATH": str(self.site),
        }

    def one_line(self, hub: Hub, *args: str) -> subprocess.CompletedProcess[str]:
        """The Agents page's command, minus sudo (tests run as root), plus the sandbox's options."""
        command = f"curl -fsSL {hub.url}/install.sh | sh -s -- " + " ".join(args)
        return subprocess.run(
            ["sh", "-c", command], env=self.env(), capture_output=True, text=True, timeout=300
        )


@pytest.fixture(scope="module")
def sandbox(wheel: Path) -> Iterator[Sandbox]:
    if os.geteuid() != 0:
        pytest.skip("the installer test needs root (it creates a system user)")
    for tool in ("curl", "openssl", "setpriv", "useradd"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if not SYSTEM_PYTHON.exists():
        pytest.skip("no system Python at /usr/bin/python3")
    # Not under pytest's 0700 temporary directory: the agent's own user must reach its files.
    root = Path(tempfile.mkdtemp(prefix="everyst-install-"))
    root.chmod(0o755)
    site = offline_site(agent_requirements(wheel), root / "offline-site")
    box = Sandbox(root=root, user=f"evtest{secrets.token_hex(3)}", site=site)
    try:
        yield box
    finally:
        subprocess.run(["userdel", box.user], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def installed(hub: Hub, sandbox: Sandbox, fingerprint: str) -> subprocess.CompletedProcess[str]:
    done = sandbox.one_line(
        hub, "--token", hub.enrollment_token(), "--ca-fingerprint", fingerprint, "--no-systemd"
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    # The installed agent runs without this test's environment from here on.
    [site_packages] = (sandbox.prefix / "venv" / "lib").glob("python3*/site-packages")
    (site_packages / "offline-dependencies.pth").write_text(f"{sandbox.site}\n")
    return done


def test_the_agent_extra_pulls_in_only_the_agent_dependencies(wheel: Path) -> None:
    assert agent_requirements(wheel) == AGENT_DEPENDENCIES


def test_the_served_package_holds_every_package_of_ours_the_agent_imports(wheel: Path) -> None:
    ours = {"everyst", "everyst_agent", "everyst_common"}
    needed = {name.split(".")[0] for names in imports(AGENT).values() for name in names} & ours
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name.split("/")[0] for name in archive.namelist()}
    assert needed == ours and needed <= shipped


def test_the_served_package_is_signed_under_the_pinned_ca_and_openssl_verifies_it(
    hub: Hub, wheel: Path, tmp_path: Path
) -> None:
    for name in ("package-signing.pem", "agent.manifest", "agent.manifest.sig"):
        (tmp_path / name).write_bytes(_fetch(f"{hub.url}/downloads/{name}"))
    subprocess.run(
        ["openssl", "verify", "-CAfile", str(hub.ca_file), str(tmp_path / "package-signing.pem")], check=True
    )
    public = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "package-signing.pem"), "-pubkey", "-noout"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    (tmp_path / "signing.pub").write_bytes(public)
    verify = ["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "signing.pub"), "-signature"]
    subprocess.run(
        [*verify, str(tmp_path / "agent.manifest.sig"), str(tmp_path / "agent.manifest")], check=True
    )
    manifest = (tmp_path / "agent.manifest").read_text()
    assert f"sha256 {hashlib.sha256(wheel.read_bytes()).hexdigest()}\n" in manifest
    tampered = tmp_path / "tampered.manifest"
    tampered.write_text(manifest.replace("sha256 ", "sha256 0"))
    refused = subprocess.run(
        [*verify, str(tmp_path / "agent.manifest.sig"), str(tampered)], capture_output=True
    )
    assert refused.returncode != 0


def test_the_install_script_names_this_hub(hub: Hub) -> None:
    script = _fetch(f"{hub.url}/install.sh").decode()
    assert f"HUB_URL='{hub.url}'" in script
    assert f"HUB_GRPC='127.0.0.1:{hub.grpc_port}'" in script


def test_the_enrollment_token_command_prints_the_same_one_line_command(hub: Hub, fingerprint: str) -> None:
    line = hub.manage("enrollment_token", "--install-command").strip()
    prefix = f"curl -fsSL http://127.0.0.1:{hub.http_port}/install.sh | sudo sh -s -- --token evt_"
    assert line.startswith(prefix) and line.endswith(f" --ca-fingerprint {fingerprint}"), line


def test_a_wrong_fingerprint_installs_nothing(hub: Hub, sandbox: Sandbox, tmp_path: Path) -> None:
    other = Sandbox(root=tmp_path, user=sandbox.user, site=sandbox.site)
    done = other.one_line(hub, "--token", "evt_unused", "--ca-fingerprint", "ab" * 32, "--no-systemd")
    assert done.returncode != 0
    assert "does not match --ca-fingerprint" in done.stderr
    assert not other.prefix.exists() and not other.config.exists()


class _Tampering(http.server.BaseHTTPRequestHandler):
    """Between the host and the hub: passes everything on, but alters one download on the way."""

    hub_url = ""
    target = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = _fetch(f"{self.hub_url}{self.path}")
        if self.path.endswith(self.target):
            body = body[:-200] + bytes(b ^ 0xFF for b in body[-200:])
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        (".whl", "does not match the signed manifest"),
        ("agent.manifest", "signature does not verify"),
    ],
)
def test_a_package_altered_on_the_way_is_refused_and_nothing_is_installed(
    hub: Hub, sandbox: Sandbox, fingerprint: str, tmp_path: Path, target: str, refusal: str
) -> None:
    handler = type("Handler", (_Tampering,), {"hub_url": hub.url, "target": target})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        via = f"http://127.0.0.1:{server.server_address[1]}"
        other = Sandbox(root=tmp_path, user=sandbox.user, site=sandbox.site)
        command = f"curl -fsSL {via}/install.sh | sh -s -- --hub-url {via} --token evt_unused "
        command += f"--ca-fingerprint {fingerprint} --no-systemd"
        done = subprocess.run(
            ["sh", "-c", command], env=other.env(), capture_output=True, text=True, timeout=120
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode != 0
    assert "hub CA matches the pinned fingerprint" in done.stdout
    assert refusal in done.stderr, done.stderr
    assert not other.prefix.exists() and not other.config.exists()


def test_the_one_line_install_enrolls_and_writes_the_configuration(
    installed: subprocess.CompletedProcess[str], sandbox: Sandbox, hub: Hub, fingerprint: str
) -> None:
    assert "hub CA matches the pinned fingerprint" in installed.stdout
    assert "verified (signed by the hub)" in installed.stdout
    assert "installed everyst-agent" in installed.stdout
    config = sandbox.config.read_text()
    assert f'hub = "127.0.0.1:{hub.grpc_port}"' in config and f'ca_fingerprint = "{fingerprint}"' in config
    credentials = sandbox.state / "credentials.json"
    owner = pwd.getpwuid(credentials.stat().st_uid).pw_name
    assert owner == sandbox.user
    assert credentials.stat().st_mode & 0o077 == 0
    # pip installed the agent itself and nothing else: its dependencies were already there.
    [site_packages] = (sandbox.prefix / "venv" / "lib").glob("python3*/site-packages")
    installed_dists = {p.name.split("-")[0].lower() for p in site_packages.glob("*.dist-info")}
    assert "everyst" in installed_dists and "django" not in installed_dists


def _run_as_unit(sandbox: Sandbox) -> subprocess.Popen[bytes]:
    log = (sandbox.root / "agent.log").open("ab")
    return subprocess.Popen(
        [
            *setpriv_as_unit(AGENT_UNIT, sandbox.user),
            "--",
            str(sandbox.agent),
            "run",
            "--config",
            str(sandbox.config),
        ],
        env={"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=log,
        cwd="/",
    )


def _effective_capabilities(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("CapEff:")[1].split()[0], 16)


def test_the_installed_agent_streams_as_its_own_user_with_only_its_units_capabilities(
    installed: subprocess.CompletedProcess[str], sandbox: Sandbox, hub: Hub
) -> None:
    credentials = json.loads((sandbox.state / "credentials.json").read_text())
    token = hub.login()
    agent = _run_as_unit(sandbox)
    try:
        host = f"/api/v1/hosts/{credentials['host_id']}"
        wait_until(lambda: hub.get(host, token)["online"], 30, f"the agent online:\n{_log(sandbox)}")
        latest = wait_until(lambda: hub.get(host, token).get("latest"), 15, "a sample")
        assert latest, latest
        process = pwd.getpwuid(os.stat(f"/proc/{agent.pid}").st_uid).pw_name
        assert process == sandbox.user
        cap_net_raw = 1 << 13
        assert _effective_capabilities(agent.pid) == cap_net_raw
    finally:
        agent.terminate()
        agent.wait(15)


def _log(sandbox: Sandbox) -> str:
    path = sandbox.root / "agent.log"
    return path.read_text(errors="replace") if path.exists() else ""


def test_arp_discovery_in_the_namespace_lab_works_with_only_the_units_privileges(
    installed: subprocess.CompletedProcess[str], sandbox: Sandbox
) -> None:
    python = sandbox.prefix / "venv" / "bin" / "python"
    params = json.dumps({"method": "arp", "resolve_names": False})
    with running_lab(hosts=3) as lab:
        argv = [*setpriv_as_unit(AGENT_UNIT, sandbox.user), "--", str(python), "-m", "everyst_agent.tools"]
        done = lab.run(lab.scanner, [*argv, "discover", params], timeout=60)
        events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        assert events, done.stderr
        assert events[-1]["kind"] == "FINISHED", events[-1]
        assert events[-1]["payload"]["method"] == "arp", events[-1]
        found = {row["ip"] for e in events if e["kind"] == "RESULT" for row in e["payload"]["rows"]}
        assert found == {lab.scanner_ip, *lab.host_ips}


def _state_files(sandbox: Sandbox) -> dict[str, str]:
    return {
        str(path.relative_to(sandbox.state)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(sandbox.state.rglob("*"))
        if path.is_file()
    }


def test_running_it_again_upgrades_in_place_and_keeps_credentials_and_spool(
    installed: subprocess.CompletedProcess[str], sandbox: Sandbox, hub: Hub, fingerprint: str
) -> None:
    before = _state_files(sandbox)
    assert "credentials.json" in before
    again = sandbox.one_line(hub, "--ca-fingerprint", fingerprint, "--no-systemd")
    assert again.returncode == 0, f"{again.stdout}\n{again.stderr}"
    assert "upgraded everyst-agent" in again.stdout
    assert "kept the agent's credentials and spool" in again.stdout
    assert _state_files(sandbox) == before


def test_uninstall_removes_the_agent_its_state_configuration_and_user(
    installed: subprocess.CompletedProcess[str], sandbox: Sandbox, hub: Hub
) -> None:
    done = sandbox.one_line(hub, "--uninstall", "--no-systemd")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert not sandbox.prefix.exists() and not sandbox.state.exists() and not sandbox.etc.exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(sandbox.user)
