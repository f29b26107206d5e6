"""The in-process channel layer of the embedded hub (one process, no Redis).

Channels' InMemoryChannelLayer walks every channel and group membership to expire old
messages on each send and receive, which makes fan-out cost grow with hosts × browsers: it
was the largest single cost of ingest at 500 agents (py-spy, `make bench`). Expiry only needs
to run now and then; sending needs no task per recipient.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


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

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A slow consumer misses live frames; it backfills over REST.
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)
