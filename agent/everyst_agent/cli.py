"""`everyst-agent`: run the agent, enroll it with a hub, or show its state."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

from everyst_agent import __version__
from everyst_agent.config import AgentConfig, ConfigError, configure_logging, load_config
from everyst_agent.credentials import load_credentials
from everyst_agent.errors import AgentError, NotEnrolledError, TrustError
from everyst_agent.spool import read_stats

log = logging.getLogger("everyst_agent")

# Exit status 2 means "fix the configuration"; systemd units can stop restarting on it.
EXIT_USAGE = 2
EXIT_FAILURE = 1


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's default formatter, as wide as the terminal, without importing shutil to find out.

    argparse makes a formatter for every add_argument() and the default one asks
    shutil.get_terminal_size(); shutil imports bz2 and lzma with their native libraries, ~0.7 MiB of
    RSS the daemon would carry for as long as it runs. Same width rule: $COLUMNS if a positive
    integer, else the terminal on stdout, else 80; minus 2, as argparse does.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_columns() - 2)


def _terminal_columns() -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=None, help="TOML file (default /etc/everyst/agent.toml if present)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="everyst-agent", description="Everyst monitoring agent.", formatter_class=_HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="collect and stream metrics to the hub until stopped", formatter_class=_HelpFormatter
    )
    _add_config(run)
    run.set_defaults(func=cmd_run)

    enroll = commands.add_parser(
        "enroll", help="enroll this host with a hub using a one-time token", formatter_class=_HelpFormatter
    )
    enroll.add_argument("--token", help="enrollment token (default: enroll_token from the configuration)")
    enroll.add_argument("--hub", help="hub gRPC address host:port (overrides the configuration)")
    enroll.add_argument("--hub-url", help="hub web URL, e.g. http://hub:8000, to download its CA from")
    enroll.add_argument("--ca-fingerprint", help="SHA-256 fingerprint of the hub CA, as shown by the hub")
    enroll.add_argument("--force", action="store_true", help="enroll again even if already enrolled")
    _add_config(enroll)
    enroll.set_defaults(func=cmd_enroll)

    status = commands.add_parser(
        "status", help="show enrollment and spool state", formatter_class=_HelpFormatter
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_config(status)
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, NotEnrolledError, TrustError) as exc:
        print(f"everyst-agent: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AgentError as exc:
        print(f"everyst-agent: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE


# ---------------------------------------------------------------------------- run


# Set by a hub that runs this agent as its child (`everyst-hub serve --local-agent`): the hub's pid.
PARENT_ENV = "EVERYST_AGENT_EXIT_WITH_PARENT"
PR_SET_PDEATHSIG = 1


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config.log_level)
    if not _follow_parent():
        return 0
    asyncio.run(_run(config))
    return 0


def _follow_parent() -> bool:
    """A hub's local agent stops when its hub dies, even by SIGKILL: the kernel sends it SIGTERM.

    Otherwise an orphan would keep the host's stream and run jobs for a hub that no longer
    exists, then fight the restarted hub's own local agent over the same credentials.
    Returns False when the parent is already gone.
    """
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return True
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("cannot follow the hub's lifetime: prctl errno %d", ctypes.get_errno())
    if str(os.getppid()) != parent:  # the hub died before the prctl took effect
        log.info("the hub that started this agent is gone; not starting")
        return False
    return True


async def _run(config: AgentConfig) -> None:
    from everyst_agent import enrollment, run_loop

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    credentials = await enrollment.ensure_enrolled(config, stop)
    if credentials is not None:
        await run_loop.run(config, stop, credentials)
    log.info("stopped")


# ---------------------------------------------------------------------------- enroll


def cmd_enroll(args: argparse.Namespace) -> int:
    from everyst_agent import enrollment

    config = load_config(args.config, overrides={"hub": args.hub, "ca_fingerprint": args.ca_fingerprint})
    configure_logging(config.log_level)
    token = args.token or config.enroll_token
    if not token:
        raise ConfigError("enroll needs a token: pass --token TOKEN or set EVERYST_AGENT_ENROLL_TOKEN")
    if not args.force:
        try:
            existing = load_credentials(config.credentials_path)
        except NotEnrolledError:
            pass
        else:
            raise ConfigError(
                f"already enrolled as agent {existing.agent_id} ({config.credentials_path}); "
                "pass --force to enroll again"
            )
    if args.hub_url:
        if not config.ca_fingerprint:
            raise ConfigError(
                "--hub-url needs --ca-fingerprint: the downloaded CA is trusted only if it matches the "
                "fingerprint shown by the hub"
            )
        enrollment.fetch_ca(args.hub_url, config.ca_fingerprint, config.ca_path)
    credentials, address = asyncio.run(enrollment.enroll_any(config, token))
    print(f"enrolled with {address} as agent {credentials.agent_id} (host {credentials.host_id})")
    print(f"credentials saved to {config.credentials_path}")
    if args.hub:
        print(f'make sure `everyst-agent run` uses the same hub: hub = "{config.hub}" in the configuration')
    return 0


# ---------------------------------------------------------------------------- status


def collect_status(config: AgentConfig) -> dict[str, Any]:
    status: dict[str, Any] = {
        "version": __version__,
        "hub": config.hub,
        "tls": config.tls,
        "state_dir": str(config.state_dir),
        "enrolled": False,
        "agent_id": None,
        "host_id": None,
        "spool_depth": 0,
        "dropped_total": 0,
    }
    try:
        creds = load_credentials(config.credentials_path)
    except NotEnrolledError as exc:
        if config.credentials_path.exists():
            status["error"] = str(exc)
    else:
        status.update(enrolled=True, agent_id=creds.agent_id, host_id=creds.host_id)
    try:
        stats = read_stats(config.spool_path)
    except sqlite3.Error as exc:
        status["spool_error"] = f"cannot read {config.spool_path}: {exc}"
    else:
        if stats is not None:
            status["spool_depth"], status["dropped_total"] = stats
    return status


def cmd_status(args: argparse.Namespace) -> int:
    status = collect_status(load_config(args.config))
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    transport = "TLS" if status["tls"] else "plaintext"
    lines = [
        f"everyst-agent {status['version']}",
        f"hub:            {status['hub']} ({transport})",
        f"enrolled:       {'yes' if status['enrolled'] else 'no'}",
    ]
    if status["enrolled"]:
        lines.append(f"agent id:       {status['agent_id']}")
        lines.append(f"host id:        {status['host_id']}")
    lines += [
        f"state dir:      {status['state_dir']}",
        f"spool depth:    {status['spool_depth']} samples waiting for the hub",
        f"dropped total:  {status['dropped_total']} samples (spool was full)",
    ]
    lines += [f"warning:        {status[key]}" for key in ("error", "spool_error") if key in status]
    print("\n".join(lines))
    return 0
