"""The agent's identity on the hub, as returned by enrollment, kept in `<state_dir>/credentials.json`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from everyst_agent.errors import NotEnrolledError


@dataclass(frozen=True)
class Credentials:
    agent_id: str
    secret: str
    host_id: str
    # The hub this identity belongs to, so `run` can warn when the configuration points elsewhere.
    hub: str = ""

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("x-everyst-agent-id", self.agent_id), ("x-everyst-agent-secret", self.secret))


def ensure_state_dir(state_dir: Path) -> None:
    """Create the state directory readable by its owner only (it holds the agent's secret)."""
    if not state_dir.is_dir():
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(state_dir, 0o700)


def write_private(path: Path, data: bytes, mode: int) -> None:
    """Atomically replace `path` with `data`, created with `mode` from the start (never world-readable,
    not even for a moment) and fsynced so a crash leaves the old or the new file, never half of one."""
    ensure_state_dir(path.parent)
    # Not tempfile.mkstemp: tempfile drags in random and hashlib, ~1 MiB of RSS for one file name.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_credentials(path: Path, creds: Credentials) -> None:
    write_private(path, (json.dumps(asdict(creds), indent=2) + "\n").encode(), 0o600)


def load_credentials(path: Path) -> Credentials:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotEnrolledError(
            f"this agent is not enrolled ({path} does not exist): run `everyst-agent enroll --token TOKEN` "
            "or set enroll_token"
        ) from None
    except (OSError, ValueError) as exc:
        raise NotEnrolledError(f"cannot read credentials {path}: {exc}") from None
    try:
        return Credentials(
            agent_id=str(data["agent_id"]),
            secret=str(data["secret"]),
            host_id=str(data.get("host_id", "")),
            hub=str(data.get("hub", "")),
        )
    except (KeyError, TypeError):
        raise NotEnrolledError(f"{path} lacks agent_id or secret; enroll again") from None
