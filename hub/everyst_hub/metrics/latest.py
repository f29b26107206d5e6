"""The newest sample of each host this process has stored, kept in memory.

Ingest already holds each batch's newest sample (for live fan-out), so keeping it costs one dict
assignment per host per flush; readers that want every host's current values (the Prometheus
export) then need no database query per host. A process only sees the samples it stored itself:
after a restart, or for hosts streaming to another replica, readers fall back to the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from everyst.agent.v1 import agent_pb2

_newest: dict[uuid.UUID, agent_pb2.Sample] = {}


def remember(samples: Mapping[uuid.UUID, agent_pb2.Sample]) -> None:
    """Keep each host's sample unless a newer one is kept already (a backlog arrives oldest first
    after an outage, behind the live samples of other streams)."""
    for host_id, sample in samples.items():
        kept = _newest.get(host_id)
        if kept is None or sample.ts_ms > kept.ts_ms:
            _newest[host_id] = sample


def snapshot() -> dict[uuid.UUID, agent_pb2.Sample]:
    """A copy, safe to iterate while the writer thread keeps remembering (dict.copy holds the GIL)."""
    return _newest.copy()


def forget(host_ids: set[uuid.UUID] | None = None) -> None:
    """Drop hosts (all of them without an argument): deleted hosts, and tests."""
    if host_ids is None:
        _newest.clear()
    else:
        for host_id in host_ids:
            _newest.pop(host_id, None)
