"""Runs tool jobs for the hub: bounded concurrency, one asyncio task per job, events through `emit`.

Every job ends with exactly one of FINISHED, FAILED or CANCELLED, whatever happens inside the tool;
a job that fails or is cancelled never disturbs the others or the stream that carries the events.
Scope is enforced here, before a tool sees its targets, so no command reaches the network unchecked.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from everyst.agent.v1 import agent_pb2

from everyst_agent.tools.base import JobContext, Limits, ParamsError, Tool, ToolError
from everyst_agent.tools.params import parse_params
from everyst_agent.tools.registry import TOOL_NAMES, load
from everyst_agent.tools.scope import Scope, ScopeError

log = logging.getLogger(__name__)

Event = agent_pb2.ToolEvent
EmitEvent = Callable[[agent_pb2.ToolEvent], Awaitable[None]]
# No job may run forever: the longest legitimate one is a capture capped at 300 s.
JOB_TIMEOUT = 1800.0
# Job ids remembered after they ended, so a late CANCEL of a finished job is not answered twice.
RECENT_JOBS = 256


class ToolRunner:
    def __init__(
        self,
        emit: EmitEvent,
        scope: Scope,
        limits: Limits | None = None,
        max_concurrent_jobs: int = 2,
        tools: dict[str, Tool] | None = None,
    ) -> None:
        self.emit = emit
        self.scope = scope
        self.limits = limits or Limits()
        # None: the built-in tools, imported when first asked for.
        self.tools = tools
        self.max_concurrent_jobs = max_concurrent_jobs
        self._slots = asyncio.Semaphore(max_concurrent_jobs)
        self._waiting = 0
        self.jobs: dict[str, asyncio.Task[None]] = {}
        self._recent: collections.OrderedDict[str, None] = collections.OrderedDict()

    @classmethod
    def from_config(cls, config: Any, emit: EmitEvent) -> ToolRunner:
        scope = Scope(config.scope_allow, config.scope_deny, max_hosts=config.max_hosts_per_job)
        limits = Limits(max_hosts=config.max_hosts_per_job, max_ports=config.max_ports_per_job)
        return cls(emit, scope, limits, config.max_concurrent_jobs)

    def handle(self, command: agent_pb2.ToolCommand) -> None:
        """Start or cancel a job; returns at once, the job reports through `emit`."""
        job_id = command.job_id
        if not job_id:
            log.warning("ignoring tool command %s without a job id", command.tool)
            return
        if command.action == agent_pb2.ToolCommand.CANCEL:
            task = self.jobs.get(job_id)
            if task is not None:
                log.info("cancelling job %s", job_id)
                task.cancel()
            elif job_id not in self._recent:
                self._spawn(job_id, self._send(job_id, Event.CANCELLED, message="no such job on this agent"))
            return
        if command.action != agent_pb2.ToolCommand.RUN:
            self._spawn(job_id, self._send(job_id, Event.FAILED, message=f"unknown action {command.action}"))
            return
        if job_id in self.jobs or job_id in self._recent:
            # The hub delivers at least once: a repeated RUN must not run the job twice.
            log.info("ignoring repeated RUN of job %s", job_id)
            return
        self.jobs[job_id] = self._spawn(job_id, self._job(command))

    def _spawn(self, job_id: str, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        task.add_done_callback(lambda t: self._ended(job_id, t))
        return task

    def _ended(self, job_id: str, task: asyncio.Task[None]) -> None:
        if self.jobs.get(job_id) is task:
            del self.jobs[job_id]
            self._recent[job_id] = None
            while len(self._recent) > RECENT_JOBS:
                self._recent.popitem(last=False)
        if not task.cancelled() and task.exception() is not None:
            log.error("tool job %s could not report its end", job_id, exc_info=task.exception())

    async def close(self) -> None:
        """Cancel every job and wait until each has reported CANCELLED (or the emit failed)."""
        tasks = list(self.jobs.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _send(
        self,
        job_id: str,
        kind: int,
        percent: float = 0.0,
        message: str = "",
        payload: Any = None,
        blob: bytes = b"",
    ) -> None:
        event = Event(job_id=job_id, kind=kind, percent=percent, message=message, blob=blob)  # type: ignore[arg-type]
        if payload is not None:
            event.payload_json = json.dumps(payload, separators=(",", ":"), default=str)
        await self.emit(event)

    async def _tool(self, name: str) -> Tool:
        names = sorted(self.tools) if self.tools is not None else TOOL_NAMES
        if name not in names:
            raise ParamsError(f"unknown tool {name!r}; this agent runs: {', '.join(names)}")
        if self.tools is not None:
            return self.tools[name]
        return await asyncio.to_thread(load, name)

    async def _job(self, command: agent_pb2.ToolCommand) -> None:
        job_id, name = command.job_id, command.tool
        started = False
        try:
            tool = await self._tool(name)
            params = parse_params(tool.params, command.params_json)
            targets: list[str] = params.targets() if tool.needs_targets else []
            addresses = await asyncio.to_thread(self.scope.check, targets) if targets else []
            if self._slots.locked():
                self._waiting += 1
                try:
                    await self._send(
                        job_id, Event.PROGRESS, message="queued", payload={"position": self._waiting}
                    )
                    await self._slots.acquire()
                finally:
                    self._waiting -= 1
            else:
                await self._slots.acquire()
            try:
                started = True
                log.info("job %s: %s %s", job_id, name, command.params_json)
                await self._send(
                    job_id, Event.STARTED, payload={"tool": name, "targets": [str(a) for a in addresses]}
                )

                async def emit(kind: str, percent: float, message: str, payload: Any) -> None:
                    await self._send(job_id, Event.Kind.Value(kind), percent, message, payload)

                ctx = JobContext(job_id, self.scope, self.limits, emit, addresses=addresses)
                async with asyncio.timeout(JOB_TIMEOUT):
                    summary = await tool.run(params, ctx)
            finally:
                self._slots.release()
        except asyncio.CancelledError:
            log.info("job %s (%s) cancelled", job_id, name)
            await self._send(
                job_id, Event.CANCELLED, message="cancelled" if started else "cancelled while queued"
            )
            return
        except (ToolError, ScopeError) as exc:
            log.info("job %s (%s) failed: %s", job_id, name, exc)
            await self._send(job_id, Event.FAILED, message=str(exc))
            return
        except TimeoutError:
            await self._send(job_id, Event.FAILED, message=f"{name} did not finish within {JOB_TIMEOUT:g} s")
            return
        except Exception as exc:  # a bug in one tool must not take the agent down
            log.exception("job %s (%s) crashed", job_id, name)
            await self._send(job_id, Event.FAILED, message=f"{name} failed: {type(exc).__name__}: {exc}")
            return
        await self._send(job_id, Event.FINISHED, 100.0, summary.pop("message", "done"), summary, ctx.blob)
