"""The tls_expiry alert source: a scheduled TLS check (the agent's real tls_cert tool against a
real TLS server on 127.0.0.1) that finds a certificate expiring within a rule's days fires once,
and a later check finding it renewed resolves it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_agent.tools.runner import ToolRunner
from everyst_agent.tools.scope import Scope
from everyst_hub.alerts.models import AlertRule, Incident, Notification
from everyst_hub.core.errors import InvalidInput
from everyst_hub.network.models import Network, Schedule
from everyst_hub.network.schedules import create_schedule, run_due_schedules
from everyst_hub.tools.models import ToolJob
from everyst_hub.tools.services import record_event

from tests.support.ingest import connected_host

pytestmark = pytest.mark.django_db

TERMINAL = (agent_pb2.ToolEvent.FINISHED, agent_pb2.ToolEvent.FAILED, agent_pb2.ToolEvent.CANCELLED)


SslFiles = tuple[Path, Path]


def self_signed(directory: Path, days: int) -> SslFiles:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls.evloop.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"cert-{days}.pem", directory / f"key-{days}.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def _check(files: SslFiles, params: dict[str, Any]) -> list[agent_pb2.ToolEvent]:
    """The agent's tls_cert tool, run by its real runner, against a TLS server on 127.0.0.1 that
    serves `files`; the events it sends the hub."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*files)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", params["port"], ssl=context)
    events: list[agent_pb2.ToolEvent] = []

    async def emit(event: agent_pb2.ToolEvent) -> None:
        events.append(event)

    try:
        runner = ToolRunner(emit, Scope())
        runner.handle(
            agent_pb2.ToolCommand(
                job_id=params["job_id"],
                action=agent_pb2.ToolCommand.RUN,
                tool="tls_cert",
                params_json=json.dumps(params["tool_params"]),
            )
        )
        for _ in range(300):
            if any(e.kind in TERMINAL for e in events):
                break
            await asyncio.sleep(0.05)
    finally:
        server.close()
    return events


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scheduled_check(schedule: Schedule, files: SslFiles, port: int) -> ToolJob:
    """What the schedule runner does (a job with the schedule's own params, as its last job), then
    the real tool's events as the ingest servicer records them."""
    job = ToolJob.objects.create(host=schedule.network.host, tool="tls_cert", params=dict(schedule.params))
    Schedule.objects.filter(id=schedule.id).update(last_job=job)
    events = asyncio.run(_check(files, {"port": port, "job_id": str(job.id), "tool_params": job.params}))
    for event in events:
        record_event(job.host_id, event)
    job.refresh_from_db()
    return job


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def tls_schedule(world: Any, port: int) -> Schedule:
    network = Network.objects.create(host=world.host_a, cidr="127.0.0.0/8")
    return create_schedule(
        world.operator_a,
        network.id,
        tool="tls_cert",
        params={"host": "127.0.0.1", "port": port, "timeout": 3},
        every_minutes=60,
    )


def tls_rule(**fields: Any) -> AlertRule:
    values: dict[str, Any] = dict(
        name="Certificate expiring", source="tls_expiry", comparison="<", threshold=14
    )
    values.update(fields)
    return AlertRule.objects.create(**values)


def test_a_certificate_expiring_within_the_rules_days_fires_once_and_a_renewed_one_resolves_it(
    world: Any, tls_schedule: Schedule, port: int, tmp_path: Path
) -> None:
    tls_rule()
    short = self_signed(tmp_path, days=3)
    job = scheduled_check(tls_schedule, short, port)
    assert job.status == "finished", job.message
    incident = Incident.objects.get()
    assert (incident.state, incident.series) == ("firing", f"127.0.0.1:{port}")
    assert 2.9 <= incident.last_value <= 3.0
    scheduled_check(tls_schedule, short, port)  # still expiring: the same alert
    assert Incident.objects.count() == 1
    titles = list(Notification.objects.filter(user=world.viewer_a).values_list("title", flat=True))
    assert titles == [f"WARNING firing: Certificate expiring on host-a (127.0.0.1:{port})"]
    assert not Notification.objects.filter(user=world.outsider).exists()

    scheduled_check(tls_schedule, self_signed(tmp_path, days=90), port)
    incident = Incident.objects.get()
    assert incident.state == "resolved" and incident.last_value > 89
    events = Notification.objects.filter(user=world.viewer_a).order_by("id").values_list("event", flat=True)
    assert list(events) == ["firing", "resolved"]


def test_a_certificate_with_more_days_left_than_the_rule_raises_nothing(
    world: Any, tls_schedule: Schedule, port: int, tmp_path: Path
) -> None:
    tls_rule(threshold=30)
    scheduled_check(tls_schedule, self_signed(tmp_path, days=45), port)
    assert not Incident.objects.exists()


def test_a_tls_check_run_by_hand_raises_nothing(world: Any, port: int, tmp_path: Path) -> None:
    tls_rule()
    job = ToolJob.objects.create(
        host=world.host_a, tool="tls_cert", params={"host": "127.0.0.1", "port": port}
    )
    events = asyncio.run(
        _check(
            self_signed(tmp_path, days=3), {"port": port, "job_id": str(job.id), "tool_params": job.params}
        )
    )
    for event in events:
        record_event(job.host_id, event)
    assert ToolJob.objects.get(id=job.id).status == "finished"
    assert not Incident.objects.exists()


def test_a_tls_check_schedule_must_name_the_host_it_checks(world: Any, tls_schedule: Schedule) -> None:
    with pytest.raises(InvalidInput):
        create_schedule(
            world.operator_a, tls_schedule.network_id, tool="tls_cert", params={"port": 443}, every_minutes=60
        )


@pytest.mark.django_db(transaction=True)
async def test_a_due_tls_schedule_sends_its_own_host_and_port_to_the_agent(hub: Any, world: Any) -> None:
    creds, stream = await connected_host(hub, world)
    network = await sync_to_async(Network.objects.create)(host_id=creds.host_id, cidr="127.0.0.0/8")
    await sync_to_async(Schedule.objects.create)(
        network=network,
        tool="tls_cert",
        params={"host": "127.0.0.1", "port": 8443},
        every_minutes=60,
        next_run_at=timezone.now() - timedelta(seconds=1),
        created_by=world.operator_a,
    )
    assert len(await sync_to_async(run_due_schedules)()) == 1
    command = await stream.read()
    assert command.tool_command.tool == "tls_cert"
    assert json.loads(command.tool_command.params_json) == {"host": "127.0.0.1", "port": 8443}
    await stream.close()
