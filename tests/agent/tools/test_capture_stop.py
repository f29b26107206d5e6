"""A capture stopped before its sniffer has opened its socket (a job cancelled at once, on a busy
machine) must not leave the sniffer running: scapy's stop() cannot stop a sniffer that is not
running yet, which then sniffs for the agent's lifetime, queueing every packet it sees."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from everyst_agent.tools import capture
from everyst_agent.tools.base import JobContext, Limits
from everyst_agent.tools.scope import Scope
from scapy.sendrecv import AsyncSniffer


def sniffers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "AsyncSniffer" and t.is_alive()]


async def test_a_capture_cancelled_before_its_sniffer_listens_leaves_no_sniffer_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened = AsyncSniffer._run

    def slow_to_open(self: AsyncSniffer, *args: Any, **kwargs: Any) -> None:
        time.sleep(0.5)  # the socket opens late, as on a loaded machine
        opened(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSniffer, "_run", slow_to_open)

    async def emit(*_: Any) -> None:
        pass

    ctx = JobContext("cap", Scope(), Limits(), emit)
    before = len(sniffers())
    task = asyncio.create_task(capture.run(capture.Params(interface="lo", seconds=2.0), ctx))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deadline = time.monotonic() + 6.0  # well past the capture's own two seconds
    while len(sniffers()) > before and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert len(sniffers()) == before, "a sniffer thread outlived its cancelled capture"
