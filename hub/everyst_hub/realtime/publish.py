"""Fan-out to WebSocket consumers through the channel layer (in-memory or Redis).

Events carry the frame already encoded as JSON, so a sample is serialised once however many
browsers watch it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from everyst.agent.v1 import agent_pb2

from everyst_hub.metrics.codec import sample_to_dict
from everyst_hub.tools.models import ToolJob
from everyst_hub.tools.serializers import job_frame

logger = logging.getLogger(__name__)

HOSTS_GROUP = "hosts"
HOST_GROUP_PREFIX = "host."


def host_group(host_id: object) -> str:
    return f"{HOST_GROUP_PREFIX}{host_id}"


def agent_group(host_id: object) -> str:
    """The hub process holding a host's agent stream listens here (commands, revocation)."""
    return f"agent.{host_id}"


def jobs_group(host_id: object) -> str:
    return f"jobs.{host_id}"


def user_group(user_id: object) -> str:
    return f"user.{user_id}"


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


# What the fleet view leaves out of a sample: the families that come every few seconds and only
# a host's own page shows. A fleet subscriber gets them as null, "not in this sample": they were
# most of the bytes fanned out to every fleet socket (a sample with its top processes is ~4x one
# without).
FLEET_OMITS = ("processes", "listening", "users", "failed_units")
_FLEET_NULLS = dict.fromkeys(FLEET_OMITS)


class SampleFrame(NamedTuple):
    """A host's newest sample as its own page's subscribers get it (`text`) and as the fleet's do
    (`fleet`: the same string when the sample has nothing FLEET_OMITS leaves out)."""

    group: str
    text: str
    fleet: str


def sample_frame(host_id: object, data: dict[str, Any]) -> SampleFrame:
    host = str(host_id)
    text = dumps({"type": "sample", "host": host, "sample": data})
    fleet = text
    if any(data.get(key) is not None for key in FLEET_OMITS):
        fleet = dumps({"type": "sample", "host": host, "sample": {**data, **_FLEET_NULLS}})
    return SampleFrame(host_group(host_id), text, fleet)


def sample_frames(samples: Mapping[Any, agent_pb2.Sample]) -> list[SampleFrame]:
    """The frames of each host's newest sample, for `publish_frames`.

    With the embedded layer, which knows its groups, frames are only built for hosts someone
    watches: converting and encoding every sample was a large part of ingest's cost. Safe to
    call from the storage thread.
    """
    layer = get_channel_layer()
    if layer is None:
        return []
    watched = getattr(layer, "has_members", None)
    frames = []
    for host_id, sample in samples.items():
        if watched is not None and not watched(host_group(host_id)):
            continue
        frames.append(sample_frame(host_id, sample_to_dict(sample)))
    return frames


async def publish_frames(frames: list[SampleFrame]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    batched = getattr(layer, "group_send_batched", None)
    if batched is not None:
        await batched(frames, "frame.samples")
        return
    for group, text, fleet in frames:
        event = {"type": "frame.sample", "group": group, "text": text}
        if fleet is not text:
            event["fleet"] = fleet
        try:
            await layer.group_send(group, event)
        except Exception:  # live delivery is best effort; storage already succeeded
            logger.warning("could not publish sample to %s", group, exc_info=True)


async def publish_host(host: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    text = dumps({"type": "host", "host": host})
    try:
        await layer.group_send(HOSTS_GROUP, {"type": "frame.host", "host": host["id"], "text": text})
    except Exception:
        logger.warning("could not publish host %s", host.get("id"), exc_info=True)


def publish_host_sync(host: dict[str, Any]) -> None:
    async_to_sync(publish_host)(host)


async def publish_user_event(user_id: object, event: str) -> None:
    """Tell the user's live sockets that their access changed ("access_changed"), or that they
    must close ("logged_out", "disabled")."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(user_group(user_id), {"type": "frame.user", "event": event})
    except Exception:
        logger.warning("could not publish %s for user %s", event, user_id, exc_info=True)


def publish_user_event_sync(user_id: object, event: str) -> None:
    async_to_sync(publish_user_event)(user_id, event)


async def send_to_agent(host_id: object, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(agent_group(host_id), message)


def send_to_agent_sync(host_id: object, message: dict[str, Any]) -> None:
    async_to_sync(send_to_agent)(host_id, message)


async def publish_job(job: ToolJob, rows: list[Any] | None = None) -> None:
    """A tool job changed (progress, `rows` it received, final state): tell those watching the
    host's jobs."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        text = dumps(await sync_to_async(job_frame)(job, rows))  # reads who requested it
        await layer.group_send(jobs_group(job.host_id), {"type": "frame.job", "text": text})
    except Exception:
        logger.warning("could not publish job %s", job.id, exc_info=True)


async def publish_texts(frames: list[tuple[str, str]]) -> None:
    """Ready-made frames to groups (alert and notification frames to users' groups)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, text in frames:
        try:
            await layer.group_send(group, {"type": "frame.text", "text": text})
        except Exception:
            logger.warning("could not publish a frame to %s", group, exc_info=True)


def publish_texts_sync(frames: list[tuple[str, str]]) -> None:
    if frames:
        async_to_sync(publish_texts)(frames)
