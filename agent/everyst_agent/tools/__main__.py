"""Run tools on this host without a hub, printing their events as JSON lines.

    python -m everyst_agent.tools port_scan '{"target": "127.0.0.1", "top_ports": 100}'
    python -m everyst_agent.tools --allow 10.0.0.0/8 < commands.jsonl

Without a tool name, commands are read from stdin, one JSON object a line:
{"job_id": "1", "action": "run", "tool": "ping", "params": {...}} or {"job_id": "1", "action": "cancel"};
the program exits when stdin is closed and every job has ended. Scope and limits are enforced exactly
as in the agent. Used by operators to try a tool, and by the tests to run tools inside a namespace.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import sys
import time
from typing import Any

from everyst.agent.v1 import agent_pb2

from everyst_agent.tools.base import Limits
from everyst_agent.tools.runner import ToolRunner
from everyst_agent.tools.scope import Scope

ACTIONS = {"run": agent_pb2.ToolCommand.RUN, "cancel": agent_pb2.ToolCommand.CANCEL}


def event_json(event: agent_pb2.ToolEvent) -> str:
    data: dict[str, Any] = {
        "t": round(time.monotonic(), 4),
        "job_id": event.job_id,
        "kind": agent_pb2.ToolEvent.Kind.Name(event.kind),
        "percent": event.percent,
        "message": event.message,
        "payload": json.loads(event.payload_json) if event.payload_json else None,
    }
    if event.blob:
        data["blob"] = base64.b64encode(event.blob).decode("ascii")
    return json.dumps(data, separators=(",", ":"))


def command(data: dict[str, Any]) -> agent_pb2.ToolCommand:
    return agent_pb2.ToolCommand(
        job_id=str(data.get("job_id", "")),
        action=ACTIONS.get(str(data.get("action", "run")).lower(), agent_pb2.ToolCommand.ACTION_UNSPECIFIED),
        tool=str(data.get("tool", "")),
        params_json=json.dumps(data.get("params", {})),
    )


async def main(args: argparse.Namespace) -> int:
    failed = False

    async def emit(event: agent_pb2.ToolEvent) -> None:
        nonlocal failed
        failed |= event.kind in (agent_pb2.ToolEvent.FAILED, agent_pb2.ToolEvent.CANCELLED)
        sys.stdout.write(event_json(event) + "\n")
        sys.stdout.flush()

    scope = Scope(args.allow, args.deny, max_hosts=args.max_hosts)
    runner = ToolRunner(emit, scope, Limits(args.max_hosts, args.max_ports), args.max_jobs)
    if args.tool:
        runner.handle(command({"job_id": "1", "tool": args.tool, "params": json.loads(args.params or "{}")}))
    else:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            if line.strip():
                runner.handle(command(json.loads(line)))
    while runner.jobs:
        await asyncio.gather(*runner.jobs.values(), return_exceptions=True)
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m everyst_agent.tools", description=__doc__.split("\n")[0])
    parser.add_argument("tool", nargs="?")
    parser.add_argument("params", nargs="?", help="params as a JSON object")
    parser.add_argument("--allow", action="append", default=[], help="add a CIDR or host to the scope")
    parser.add_argument("--deny", action="append", default=[], help="remove a CIDR or host from the scope")
    parser.add_argument("--max-jobs", type=int, default=2)
    parser.add_argument("--max-hosts", type=int, default=1024)
    parser.add_argument("--max-ports", type=int, default=65535)
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    logging.basicConfig(level=arguments.log_level.upper(), stream=sys.stderr)
    sys.exit(asyncio.run(main(arguments)))
