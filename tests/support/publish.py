"""Publish hand-made sample frames the way ingest does (one flush), for WebSocket tests."""

from __future__ import annotations

from typing import Any

from everyst_hub.realtime.publish import publish_frames, sample_frame


async def publish_samples(samples: dict[str, dict[str, Any]]) -> None:
    await publish_frames([sample_frame(h, s) for h, s in samples.items()])
