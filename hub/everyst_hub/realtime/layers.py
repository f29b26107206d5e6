"""The in-process channel layer of the embedded hub (one process, no Redis).

Channels' InMemoryChannelLayer walks every channel and group membership to expire old
messages on each send and receive, which makes fan-out cost grow with hosts × browsers: it
was the largest single cost of ingest at 500 agents (py-spy, `make bench`). Expiry only needs
to run now and then; sending needs no task per recipient.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

_IMMUTABLE = frozenset({str, int, float, bool, bytes, type(None)})


class EmbeddedChannelLayer(InMemoryChannelLayer):
    clean_interval = 1.0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval:
            return
        self._last_clean = now
        super()._clean_expired()

    def has_members(self, group: str) -> bool:
        """Whether anyone in this process listens on `group` (publishers skip building frames
        nobody would receive)."""
        return bool(self.groups.get(group))

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        # The receiver gets its own copy; a flat message of strings needs no deep copy.
        flat = all(type(v) in _IMMUTABLE or type(v) is tuple for v in message.values())
        copy = dict(message) if flat else deepcopy(message)
        try:
            queue.put_nowait((time.time() + self.expiry, copy))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A slow consumer misses live frames; it backfills over REST.
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)

    async def group_send_batched(self, items: Sequence[tuple[str, ...]], message_type: str) -> None:
        """Deliver many (group, ...) items with ONE message per receiving channel, carrying
        all its items: a browser watching a thousand hosts gets one message per ingest flush
        instead of a thousand, each of which costs the consumer several event-loop turns."""
        self._clean_expired()
        per_channel: dict[str, list[tuple[str, ...]]] = {}
        for item in items:
            for channel in self.groups.get(item[0], ()):
                per_channel.setdefault(channel, []).append(item)
        for channel, pairs in per_channel.items():
            with contextlib.suppress(ChannelFull):
                await self.send(channel, {"type": message_type, "items": tuple(pairs)})
