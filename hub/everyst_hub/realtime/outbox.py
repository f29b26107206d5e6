"""What one live socket has yet to send, bounded however slowly its browser reads.

Frames that carry events (host changes, jobs, alerts, notifications, answers to the client) are
kept in order, up to MAX_QUEUED_CHARS; a socket that falls further behind than that is closed
(CLOSE_TOO_SLOW) and its client reconnects and reloads. Live samples are state: the newest of a
host replaces one still unsent, so they take at most one frame per watched host, and the next
`samples` frame names the hosts that lost samples (`gap`) for the client to fetch over REST.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable

from .publish import HOST_GROUP_PREFIX

logger = logging.getLogger(__name__)

# Close code of a socket whose ordered frames overflowed. Like 1013 (Try Again Later), which
# autobahn does not let a server send (only 1000 and 3000-4999).
CLOSE_TOO_SLOW = 4013
MAX_QUEUED_CHARS = 1_000_000
# Outgoing frames stay under the server's WebSocket message limit (64 KiB, see core/runner.py).
MAX_OUT_FRAME_CHARS = 60_000


class Overflow(Exception):
    pass


class Close:
    """A close of the socket, in its place among the frames."""

    def __init__(self, code: int | None) -> None:
        self.code = code


class Outbox:
    def __init__(self, max_chars: int = MAX_QUEUED_CHARS) -> None:
        self.max_chars = max_chars
        self.frames: deque[str | Close] = deque()
        self.frames_chars = 0
        # Host group -> newest unsent sample frame of the host (insertion order: oldest first).
        self.samples: dict[str, str] = {}
        self.samples_chars = 0
        self.gaps: set[str] = set()
        self.replaced = 0
        self.closing = False
        self.ready = asyncio.Event()

    @property
    def chars(self) -> int:
        return self.frames_chars + self.samples_chars

    def put(self, item: str | Close) -> None:
        """Queue a frame (or the close) after those already queued; Overflow past the bound.
        Nothing is queued after a close."""
        if self.closing:
            return
        if isinstance(item, Close):
            self.closing = True
        else:
            if self.frames_chars + len(item) > self.max_chars:
                raise Overflow
            self.frames_chars += len(item)
        self.frames.append(item)
        self.ready.set()

    def put_samples(self, items: Iterable[tuple[str, str]]) -> None:
        """(host group, sample frame) pairs: each replaces its host's unsent one, if any."""
        if self.closing:
            return
        samples, gaps = self.samples, self.gaps
        added = 0
        for group, text in items:
            if len(text) > MAX_OUT_FRAME_CHARS:
                logger.warning("dropping a live sample of %d characters: over the frame limit", len(text))
                continue
            old = samples.get(group)
            if old is not None:
                gaps.add(group)
                added -= len(old)
                self.replaced += 1
            samples[group] = text
            added += len(text)
        self.samples_chars += added
        self.ready.set()

    def pop(self) -> str | Close | None:
        """The next frame to send: queued frames first, then as many samples as fit a frame."""
        if self.frames:
            item = self.frames.popleft()
            if isinstance(item, str):
                self.frames_chars -= len(item)
            return item
        if not self.samples:
            self.ready.clear()
            return None
        return self._pop_samples()

    def _pop_samples(self) -> str | None:
        chunk: list[str] = []
        groups: list[str] = []
        size = 0
        for group, text in self.samples.items():
            if chunk and size + len(text) > MAX_OUT_FRAME_CHARS:
                break
            chunk.append(text)
            groups.append(group)
            size += len(text) + 1
        if len(groups) == len(self.samples):
            self.samples.clear()
        else:
            for group in groups:
                del self.samples[group]
        self.samples_chars -= size - len(chunk)
        gap = [g.removeprefix(HOST_GROUP_PREFIX) for g in groups if g in self.gaps] if self.gaps else []
        if gap:
            self.gaps.difference_update(HOST_GROUP_PREFIX + h for h in gap)
            return '{"type":"samples","gap":' + _json_list(gap) + ',"frames":[' + ",".join(chunk) + "]}"
        if len(chunk) == 1:
            return chunk[0]
        return '{"type":"samples","frames":[' + ",".join(chunk) + "]}"

    def discard(self) -> None:
        """Drop what is queued and take nothing more: the socket is closing."""
        self.closing = True
        self.frames.clear()
        self.samples.clear()
        self.gaps.clear()
        self.frames_chars = self.samples_chars = 0


def _json_list(ids: list[str]) -> str:
    # Host ids are UUID text: nothing to escape.
    return "[" + ",".join(f'"{i}"' for i in ids) + "]"
