"""Enrollment never takes over an existing host, re-binding is an explicit admin act, and every
enrollment (success or refusal) lands in the audit log with the machine id and source address."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc
from everyst_hub.audit.models import AuditEvent
from everyst_hub.core.errors import Unauthenticated
from everyst_hub.inventory import enrollment
from everyst_hub.inventory.models import Agent, EnrollmentToken, Host
from everyst_hub.metrics.models import Sample
from everyst_hub.metrics.services import IncomingBatch, store_batches

from tests.conftest import access_token_for
from tests.support.ingest import Stream, batch, channel, connected_host, metadata

PEER = "ipv4:127.0.0.9:40001"


def an_active_agent(host: Host) -> Agent:
    return Agent.objects.create(host=host, secret_hash=enrollment.hash_secret("secret of the real agent"))


def a_revoked_agent(host: Host) -> Agent:
    return Agent.objects.create(
        host=host, secret_hash=enrollment.hash_secret("old"), revoked_at=timezone.now()
    )


def machine(host: Host, hostname: str = "newcomer") -> agent_pb2.HostFacts:
    return agent_pb2.HostFacts(hostname=hostname, machine_id=host.machine_id, os="TestOS")


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="agent.enrollment_refused"))


def as_admin(api, world):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.admin)}")
    return api


# ------------------------------------------------------------------ the attack, over real gRPC


@pytest.mark.django_db(transaction=True)
async def test_a_group_b_token_with_host_as_machine_id_is_refused_and_the_real_agent_keeps_its_host(
    hub, world
):
    creds, real = await connected_host(hub, world, "victim")
    created = await sync_to_async(enrollment.create_enrollment_token)(group=world.group_b)
    stolen = agent_pb2.HostFacts(hostname="intruder", machine_id="victim" * 4, os="EvilOS")
    async with channel(hub) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await agent_pb2_grpc.AgentServiceStub(ch).Enroll(
                agent_pb2.EnrollRequest(token=created.raw, facts=stolen)
            )
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    details = refused.value.details() or ""
    assert "already enrolled as host victim" in details and "Replace agent" in details

    host = await sync_to_async(Host.objects.prefetch_related("groups").get)(id=creds.host_id)
    assert host.hostname == "victim" and host.os == "TestOS"
    assert [g.name for g in host.groups.all()] == ["group-a"]
    agents = await sync_to_async(list)(Agent.objects.filter(host_id=creds.host_id))
    assert [(str(a.id), a.revoked_at) for a in agents] == [(creds.agent_id, None)]
    # The refused attempt did not spend the token: it never became an agent.
    assert (await sync_to_async(EnrollmentToken.objects.get)(id=created.token.id)).uses_left == 1

    # The real agent's stream is still the host's stream.
    await real.call.write(batch(1, 1_700_000_000_000))
    assert (await real.read()).ack.seq == 1
    await real.close()

    event = await sync_to_async(AuditEvent.objects.get)(action="agent.enrollment_refused")
    assert event.outcome == "failure"
    assert event.ip == "127.0.0.1"
    assert event.details["reason"] == "machine_enrolled"
    assert event.details["machine_id"] == "victim" * 4
    assert event.details["hostname"] == "intruder"
    assert event.details["peer"].startswith("ipv4:127.0.0.1:")
    assert event.details["host"] == creds.host_id
    assert event.details["group"] == "group-b"


@pytest.mark.django_db(transaction=True)
async def test_replacing_the_agent_of_a_host_revokes_the_old_one_and_closes_its_stream(hub, world):
    creds, old = await connected_host(hub, world, "rebuilt")
    created = await sync_to_async(enrollment.issue_agent_replacement)(
        creds.host_id, actor=world.admin, ttl=timedelta(minutes=10)
    )
    # A reinstalled machine: a new machine id, same host in the console.
    reinstalled = agent_pb2.HostFacts(hostname="rebuilt", machine_id="reinstalled" * 2, os="TestOS")
    async with channel(hub) as ch:
        enrolled = await agent_pb2_grpc.AgentServiceStub(ch).Enroll(
            agent_pb2.EnrollRequest(token=created.raw, facts=reinstalled)
        )
    assert enrolled.host_id == creds.host_id and enrolled.agent_id != creds.agent_id

    with pytest.raises(grpc.aio.AioRpcError) as closed:
        await old.read()
    assert closed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await old.close()
    again = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await again.hello("rebuilt")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await again.close()

    new = Stream(hub, metadata(enrolled))
    await new.call.write(
        agent_pb2.AgentMessage(hello=agent_pb2.Hello(facts=reinstalled, collect_interval_ms=1000))
    )
    assert (await new.read()).welcome.host_id == creds.host_id
    await new.close()

    host = await sync_to_async(Host.objects.prefetch_related("groups").get)(id=creds.host_id)
    assert [g.name for g in host.groups.all()] == ["group-a"]
    success = await sync_to_async(AuditEvent.objects.get)(
        action="agent.enrolled", target_id=enrolled.agent_id
    )
    assert success.details["binding"] == "replaced"
    assert success.details["replaced_agents"] == [creds.agent_id]
    assert success.ip == "127.0.0.1"
    assert await sync_to_async(
        AuditEvent.objects.filter(action="agent.revoked", target_id=creds.agent_id).exists
    )()


# ---------------------------------------------------------------------------- service level


@pytest.mark.django_db
def test_a_host_whose_agents_are_all_revoked_is_re_bound_with_its_history(world):
    a_revoked_agent(world.host_a)
    store_batches(
        [IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=1, samples=[agent_pb2.Sample(ts_ms=1)]))]
    )
    created = enrollment.create_enrollment_token()
    enrolled = enrollment.enroll_agent(created.raw, machine(world.host_a, "host-a"), peer=PEER)
    assert enrolled.agent.host_id == world.host_a.id
    assert Host.objects.count() == 2
    assert Sample.objects.filter(host=world.host_a).count() == 1
    event = AuditEvent.objects.get(action="agent.enrolled")
    assert event.details["binding"] == "rebound"
    assert event.details["machine_id"] == world.host_a.machine_id
    assert event.ip == "127.0.0.9"
    assert event.target_id == str(enrolled.agent.id)


@pytest.mark.django_db
def test_a_group_bound_token_does_not_move_an_existing_host_into_its_group(world):
    a_revoked_agent(world.host_a)
    created = enrollment.create_enrollment_token(group=world.group_b)
    enrolled = enrollment.enroll_agent(created.raw, machine(world.host_a, "host-a"), peer=PEER)
    assert enrolled.agent.host_id == world.host_a.id
    assert [g.name for g in world.host_a.groups.all()] == ["group-a"]


@pytest.mark.django_db
def test_a_group_bound_token_puts_the_host_it_creates_into_its_group(world):
    created = enrollment.create_enrollment_token(group=world.group_b)
    fresh = agent_pb2.HostFacts(hostname="fresh", machine_id="f" * 32)
    enrolled = enrollment.enroll_agent(created.raw, fresh, peer=PEER)
    assert [g.name for g in enrolled.agent.host.groups.all()] == ["group-b"]
    event = AuditEvent.objects.get(action="agent.enrolled")
    assert event.details["binding"] == "new_host"
    assert event.details["group"] == "group-b"
    assert event.details["hostname"] == "fresh"


@pytest.mark.django_db
def test_an_enrollment_with_the_machine_id_of_a_host_with_an_active_agent_is_refused(world):
    real = an_active_agent(world.host_a)
    created = enrollment.create_enrollment_token(group=world.group_b)
    with pytest.raises(enrollment.MachineAlreadyEnrolled, match="already enrolled as host host-a"):
        enrollment.enroll_agent(created.raw, machine(world.host_a), peer=PEER)
    world.host_a.refresh_from_db()
    assert world.host_a.hostname == "host-a"
    assert list(Agent.objects.filter(host=world.host_a)) == [real]
    assert [event.details["reason"] for event in refusals()] == ["machine_enrolled"]


def _unknown() -> str:
    return "evt_not-a-token"


def _expired() -> str:
    return enrollment.create_enrollment_token(ttl=timedelta(seconds=-1)).raw


def _used_up() -> str:
    created = enrollment.create_enrollment_token()
    enrollment.enroll_agent(created.raw, agent_pb2.HostFacts(hostname="first", machine_id="1" * 32))
    return created.raw


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda: "", "missing_token"),
        (_unknown, "unknown_token"),
        (_expired, "expired_token"),
        (_used_up, "used_up_token"),
    ],
)
def test_every_refused_enrollment_is_audited_with_machine_id_and_source(world, make_token, reason):
    raw = make_token()
    facts = agent_pb2.HostFacts(hostname="prober", machine_id="9" * 32)
    with pytest.raises(Unauthenticated):
        enrollment.enroll_agent(raw, facts, peer=PEER)
    [event] = refusals()
    assert event.outcome == "failure"
    assert event.details["reason"] == reason
    assert event.details["machine_id"] == "9" * 32
    assert event.details["hostname"] == "prober"
    assert event.details["peer"] == PEER
    assert event.ip == "127.0.0.9"
    assert raw == "" or raw not in str(event.details)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("peer", "ip"),
    [("ipv6:[::1]:5000", "::1"), ("ipv6:%5B::1%5D:5000", "::1"), ("unix:/run/everyst.sock", None)],
)
def test_the_source_of_an_enrollment_is_audited_whatever_form_the_peer_takes(world, peer, ip):
    facts = agent_pb2.HostFacts(hostname="prober", machine_id="9" * 32)
    with pytest.raises(Unauthenticated):
        enrollment.enroll_agent("evt_unknown", facts, peer=peer)
    [event] = refusals()
    assert event.ip == ip
    assert event.details["peer"] == peer


@pytest.mark.django_db
def test_a_replacement_token_from_the_machine_of_another_active_host_is_refused(world):
    an_active_agent(world.host_b)
    real_a = an_active_agent(world.host_a)
    created = enrollment.issue_agent_replacement(world.host_a.id, actor=world.admin, ttl=timedelta(minutes=5))
    with pytest.raises(enrollment.MachineAlreadyEnrolled, match="host-b"):
        enrollment.enroll_agent(created.raw, machine(world.host_b), peer=PEER)
    real_a.refresh_from_db()
    assert real_a.revoked_at is None
    assert EnrollmentToken.objects.get(id=created.token.id).uses_left == 1
    assert [event.details["reason"] for event in refusals()] == ["machine_enrolled"]


@pytest.mark.django_db
def test_a_replacement_token_binds_one_agent_only(world):
    an_active_agent(world.host_a)
    created = enrollment.issue_agent_replacement(world.host_a.id, actor=world.admin, ttl=timedelta(minutes=5))
    enrollment.enroll_agent(created.raw, machine(world.host_a, "host-a"), peer=PEER)
    with pytest.raises(Unauthenticated, match="used up"):
        enrollment.enroll_agent(created.raw, machine(world.host_a, "host-a"), peer=PEER)
    assert Agent.objects.filter(host=world.host_a, revoked_at__isnull=True).count() == 1


# -------------------------------------------------------------------------------------- REST


@pytest.mark.django_db
def test_admins_get_a_one_use_replacement_token_and_command_for_a_host(world, api):
    response = as_admin(api, world).post(f"/api/v1/hosts/{world.host_a.id}/replace-agent", {}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["host"] == {"id": str(world.host_a.id), "hostname": "host-a"}
    assert body["uses_left"] == 1 and body["group"] is None
    assert body["token"].startswith("evt_") and body["token"] in body["install_command"]
    token = EnrollmentToken.objects.get(id=body["id"])
    assert token.host == world.host_a and token.token_hash == enrollment.hash_secret(body["token"])
    event = AuditEvent.objects.get(action="agent.replacement_issued")
    assert event.actor == world.admin
    assert event.target_id == str(world.host_a.id)
    assert event.ip == "127.0.0.1"
    assert body["token"] not in str(event.details)


@pytest.mark.django_db
@pytest.mark.parametrize("host_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_replacing_the_agent_of_an_unknown_host_is_404(world, api, host_id):
    response = as_admin(api, world).post(f"/api/v1/hosts/{host_id}/replace-agent", {}, format="json")
    assert response.status_code == 404
    assert not EnrollmentToken.objects.exists()


@pytest.mark.django_db
def test_the_enrollment_token_list_names_the_host_a_replacement_token_is_for(world, api):
    enrollment.issue_agent_replacement(world.host_a.id, actor=world.admin, ttl=timedelta(minutes=5))
    [listed] = as_admin(api, world).get("/api/v1/enrollment-tokens").json()
    assert listed["host"] == {"id": str(world.host_a.id), "hostname": "host-a"}
