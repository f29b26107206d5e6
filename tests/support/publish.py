"""Publish hand-made sample frames the way ingest does (one flush), for WebSocket tests."""

from __future__ import annotations

from typing import Any

from everyst_hub.realtime.publish import dumps, host_group, publish_frames


async def publish_samples(samples: dict[str, dict[str, Any]]) -> None:
    await publish_frames(
        [(host_group(h), dumps({"type": "sample", "host": h, "sample": s})) for h, s in samples.items()]
    )
