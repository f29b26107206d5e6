"""Hosts: the facts and connection state their agents report, and the Host summary clients see."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from everyst.agent.v1 import agent_pb2

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Forbidden

from .models import Agent, Host


def apply_facts(host: Host, facts: agent_pb2.HostFacts) -> None:
    host.hostname = facts.hostname[:255] or host.hostname
    host.machine_id = facts.machine_id[:64]
    host.os = facts.os[:255]
    host.kernel = facts.kernel[:255]
    host.arch = facts.arch[:32]
    host.cpu_model = facts.cpu_model[:255]
    host.cpu_logical = facts.cpu_logical
    host.cpu_physical = facts.cpu_physical
    host.memory_total = facts.memory_total
    host.addresses = list(facts.addresses)[:64]
    host.agent_version = facts.agent_version[:32]
    host.virtualization = facts.virtualization[:32]
    host.boot_time = facts.boot_time or None


def agent_connected(agent: Agent, hello: agent_pb2.Hello, peer: str = "") -> Host:
    host = agent.host
    presented = hello.facts.machine_id
    if host.machine_id and presented != host.machine_id:
        # The credential was copied to another machine: refuse it and tell the admins.
        record(
            "agent.machine_mismatch",
            outcome="failure",
            actor_name=f"agent {agent.id}",
            target=agent,
            target_name=f"agent of {host.hostname}",
            host=str(host.id),
            expected_machine_id=host.machine_id,
            presented_machine_id=presented[:64],
            presented_hostname=hello.facts.hostname[:255],
            peer=peer[:100],
        )
        raise Forbidden(
            f"This agent's credentials belong to machine {host.machine_id[:8]}…, not to this one: "
            "enroll this machine with its own token."
        )
    apply_facts(host, hello.facts)
    if hello.collect_interval_ms:
        host.collect_interval_ms = max(100, hello.collect_interval_ms)
    host.connected = True
    host.last_seen = timezone.now()
    host.save()
    return host


# The ingest adapter publishes these summaries itself, from its event loop: a blocking
# publish from a worker thread could wait forever on a loop that is shutting down.
def agents_disconnected(host_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Mark hosts whose streams closed offline, in one transaction; their summaries."""
    summaries = []
    with transaction.atomic():
        for start in range(0, len(host_ids), 500):  # within any backend's bound-parameter limit
            chunk = host_ids[start : start + 500]
            Host.objects.filter(id__in=chunk).update(connected=False)
            summaries += [host_summary(host) for host in Host.objects.filter(id__in=chunk)]
    return summaries


def is_online(host: Host) -> bool:
    if not host.connected or host.last_seen is None:
        return False
    stale_after = max(5.0, settings.STALE_AFTER_INTERVALS * host.collect_interval_ms / 1000)
    return (timezone.now() - host.last_seen).total_seconds() <= stale_after


def host_summary(host: Host) -> dict[str, Any]:
    """The Host JSON form of docs/protocol.md, without `latest`."""
    return {
        "id": str(host.id),
        "hostname": host.hostname,
        "os": host.os,
        "kernel": host.kernel,
        "arch": host.arch,
        "cpu_model": host.cpu_model,
        "cpu_logical": host.cpu_logical,
        "cpu_physical": host.cpu_physical,
        "memory_total": host.memory_total,
        "addresses": host.addresses,
        "agent_version": host.agent_version,
        "virtualization": host.virtualization,
        "boot_time": host.boot_time,
        "groups": [{"id": g.id, "name": g.name} for g in host.groups.all()],
        "online": is_online(host),
        "last_seen": host.last_seen.isoformat().replace("+00:00", "Z") if host.last_seen else None,
        "collect_interval_ms": host.collect_interval_ms,
        "dropped_samples": host.dropped_samples,
    }
