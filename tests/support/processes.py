"""Real hub and agent processes for end-to-end tests and benchmarks."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OWNER_PASSWORD = "e2e-owner-password-1"
VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_migrated_template: Path | None = None


def migrated_template() -> Path:
    """An SQLite database with every migration applied, made once per test process.

    Migrating an empty database is most of a fresh hub's `setup` (seconds, for every hub a test
    starts); a copy of this one leaves `setup` only its checks, the owner and the CA to do."""
    global _migrated_template
    if _migrated_template is None:
        folder = Path(tempfile.mkdtemp(prefix="everyst-template-db-"))
        atexit.register(shutil.rmtree, folder, True)
        Hub(folder).manage("migrate", "--no-input", "-v", "0")
        database = folder / "everyst.sqlite3"
        connection = sqlite3.connect(database)
        try:  # all of it in the file, none left in a WAL beside it
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        _migrated_template = database
    return _migrated_template


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Hub:
    data_dir: Path
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _owner_token: tuple[str, float] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}/ws/live/"

    @property
    def ca_file(self) -> Path:
        return self.data_dir / "pki" / "ca.pem"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "EVERYST_ENV_FILE": os.devnull,
            "EVERYST_DATA_DIR": str(self.data_dir),
            "EVERYST_HTTP_PORT": str(self.http_port),
            "EVERYST_GRPC_HOST": "127.0.0.1",
            "EVERYST_GRPC_PORT": str(self.grpc_port),
            "EVERYST_OWNER_USERNAME": "owner",
            "EVERYST_OWNER_PASSWORD": OWNER_PASSWORD,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "tests.support.hub_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            **self.extra_env,
        }
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [str(VENV_BIN / "everyst-hub"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"everyst-hub {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, *serve_args: str, setup: bool = True) -> Hub:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if setup:
            self.setup()
        self.log_path = self.data_dir / f"hub-{self.http_port}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "everyst-hub"), "serve", *serve_args], env=self.env(), stdout=log, stderr=log
        )
        wait_until(self._ready, 30, f"hub on :{self.http_port} (log: {self.log_path})")
        return self

    def setup(self) -> str:
        """`everyst-hub setup`, on a copy of the migrated template when this hub's SQLite
        database does not exist yet (setup still migrates whatever the copy lacks)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database = self.data_dir / "everyst.sqlite3"
        if "DATABASE_URL" not in self.env() and not database.exists():
            shutil.copyfile(migrated_template(), database)
        return self.manage("setup")

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"hub exited with {self.process.returncode}:\n{self.log()}")
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/agents/ca.pem", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        code = self.process.returncode
        self.process = None
        return code

    def enrollment_token(self, uses: int = 1) -> str:
        """A fresh enrollment token: from the running hub's API (a request), or from `everyst-hub
        enrollment_token` when it is not running (a Django start, ~1 s on the test machine, which
        tests paid once per agent)."""
        if self.process is not None and self.process.poll() is None:
            return str(self.post("/api/v1/enrollment-tokens", {"uses": uses}, self.owner_token())["token"])
        return self.manage("enrollment_token", "--uses", str(uses)).strip()

    def login(self, username: str = "owner", password: str = OWNER_PASSWORD) -> str:
        body = json.dumps({"username": username, "password": password}).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.load(response)["access"])

    def owner_token(self) -> str:
        """The owner's access token for helpers that poll, logged in again after 30 s (access
        tokens live a minute at the least): a login per poll doubled the requests and hashed the
        password every time."""
        now = time.monotonic()
        if self._owner_token is None or now - self._owner_token[1] > 30:
            self._owner_token = (self.login(), now)
        return self._owner_token[0]

    def get(self, path: str, token: str) -> Any:
        return self.call("GET", path, token)

    def post(self, path: str, body: dict[str, Any], token: str) -> Any:
        return self.call("POST", path, token, body)

    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def local_host_id(self, token: str) -> str:
        """The id of the first online host: the `--local-agent` one on a hub started with it."""
        hosts = wait_until(
            lambda: [h for h in self.get("/api/v1/hosts", token) if h["online"]], 15, "the local agent"
        )
        return str(hosts[0]["id"])

    def finished_job(self, job_id: str, token: str, timeout: float = 60) -> dict[str, Any]:
        def ended() -> dict[str, Any] | None:
            job: dict[str, Any] = self.get(f"/api/v1/jobs/{job_id}", token)
            return job if job["status"] not in ("queued", "running") else None

        return wait_until(ended, timeout, f"job {job_id} to end", interval=0.3)  # type: ignore[no-any-return]


@dataclass
class AgentProcess:
    state_dir: Path
    hub: Hub
    token: str | None = None
    interval: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.state_dir / "agent.toml"

    def write_config(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        values: dict[str, Any] = {
            "hub": f"127.0.0.1:{self.hub.grpc_port}",
            "tls": True,
            "ca_file": str(self.hub.ca_file),
            "state_dir": str(self.state_dir),
            "interval": self.interval,
            # Several test agents share this machine: each gets an identity of its own.
            "machine_id": hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:32],
            # Tests stop and restart hubs: the agent is back within 2 s of one, not up to 30.
            "reconnect_max": 2.0,
            **self.extra,
        }
        if self.token:
            values["enroll_token"] = self.token
        lines = []
        for key, value in values.items():
            rendered = (
                ("true" if value else "false")
                if isinstance(value, bool)
                else (json.dumps(value) if isinstance(value, str) else str(value))
            )
            lines.append(f"{key} = {rendered}")
        self.config_path.write_text("\n".join(lines) + "\n")

    def start(self) -> AgentProcess:
        self.write_config()
        log = (self.state_dir / "agent.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "everyst_agent", "run", "--config", str(self.config_path)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=log,
        )
        return self

    def log(self) -> str:
        path = self.state_dir / "agent.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def status(self) -> dict[str, Any]:
        """`everyst-agent status --json`: enrollment and spool depth, read from the agent's files."""
        result = subprocess.run(
            [sys.executable, "-m", "everyst_agent", "status", "--json", "--config", str(self.config_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return dict(json.loads(result.stdout)) if result.returncode == 0 else {}

    def credentials(self) -> dict[str, str]:
        return dict(json.loads((self.state_dir / "credentials.json").read_text()))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        code = self.process.returncode
        self.process = None
        return code
