"""The gRPC ingest path in-process: a real grpc.aio server over TLS, real clients, real SQLite."""

from __future__ import annotations

import time

import grpc
import pytest
from asgiref.sync import sync_to_async
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc
from everyst_hub.ingest.server import start_ingest_server
from everyst_hub.inventory.enrollment import create_enrollment_token
from everyst_hub.inventory.models import Agent, Host
from everyst_hub.metrics.models import Sample

from tests.support.ingest import Stream, batch, channel, enroll, facts, metadata

pytestmark = pytest.mark.django_db(transaction=True)


async def test_enrolled_agent_streams_batches_and_gets_cumulative_acks(hub):
    creds = await enroll(hub, "alpha")
    stream = Stream(hub, metadata(creds))
    welcome = await stream.hello("alpha")
    assert welcome.welcome.host_id == creds.host_id
    now = int(time.time() * 1000)
    for seq in range(1, 6):
        await stream.call.write(batch(seq, now + seq * 1000))
    acked = 0
    while acked < 5:
        acked = (await stream.read()).ack.seq
    await stream.close()
    assert await sync_to_async(Sample.objects.filter(host_id=creds.host_id).count)() == 5
    host = await sync_to_async(Host.objects.get)(id=creds.host_id)
    assert host.hostname == "alpha" and host.last_seen is not None


async def test_resent_batches_are_stored_once(hub):
    creds = await enroll(hub, "beta")
    for _ in range(2):
        stream = Stream(hub, metadata(creds))
        await stream.hello("beta")
        await stream.call.write(batch(1, 1_700_000_000_000))
        assert (await stream.read()).ack.seq == 1
        await stream.close()
    assert await sync_to_async(Sample.objects.filter(host_id=creds.host_id).count)() == 1


async def test_wrong_secret_is_refused_with_unauthenticated_while_other_agents_keep_streaming(hub):
    good = await enroll(hub, "good")
    stream = Stream(hub, metadata(good))
    await stream.hello("good")
    await stream.call.write(batch(1, 1_700_000_001_000))
    assert (await stream.read()).ack.seq == 1

    bad = Stream(hub, metadata(good, secret="not-the-secret"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await bad.hello("good")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await bad.close()

    await stream.call.write(batch(2, 1_700_000_002_000))
    assert (await stream.read()).ack.seq == 2
    await stream.close()


async def test_unknown_agent_id_is_unauthenticated(hub):
    fake = agent_pb2.EnrollResponse(agent_id="00000000-0000-0000-0000-000000000000", secret="x")
    stream = Stream(hub, metadata(fake))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stream.hello("ghost")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await stream.close()


async def test_revoked_agent_is_refused(hub):
    from django.utils import timezone

    creds = await enroll(hub, "gamma")
    await sync_to_async(Agent.objects.filter(id=creds.agent_id).update)(revoked_at=timezone.now())
    stream = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stream.hello("gamma")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await stream.close()


async def test_a_stream_that_does_not_start_with_hello_is_refused(hub):
    creds = await enroll(hub, "delta")
    stream = Stream(hub, metadata(creds))
    await stream.call.write(batch(1, 1_700_000_000_000))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stream.read()
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await stream.close()


async def test_an_oversized_message_fails_only_its_own_stream(hub, settings):
    good = await enroll(hub, "steady")
    other = await enroll(hub, "noisy")
    steady = Stream(hub, metadata(good))
    await steady.hello("steady")
    noisy = Stream(hub, metadata(other))
    await noisy.hello("noisy")
    huge = agent_pb2.Sample(ts_ms=1)
    huge.cpu.per_core.extend([1.0] * (settings.GRPC_MAX_MESSAGE_BYTES // 8 + 10))
    await noisy.call.write(agent_pb2.AgentMessage(metrics=agent_pb2.MetricBatch(seq=1, samples=[huge])))
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await noisy.read()
    assert failed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await steady.call.write(batch(1, 1_700_000_003_000))
    assert (await steady.read()).ack.seq == 1
    await steady.close()
    await noisy.close()


@pytest.mark.parametrize("token", ["", "evt_unknown"])
async def test_enrollment_with_a_bad_token_is_refused(hub, token):
    async with channel(hub) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await agent_pb2_grpc.AgentServiceStub(ch).Enroll(
                agent_pb2.EnrollRequest(token=token, facts=facts("x"))
            )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_one_use_enrollment_token_cannot_be_replayed(hub):
    created = await sync_to_async(create_enrollment_token)()
    async with channel(hub) as ch:
        stub = agent_pb2_grpc.AgentServiceStub(ch)
        await stub.Enroll(agent_pb2.EnrollRequest(token=created.raw, facts=facts("once")))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Enroll(agent_pb2.EnrollRequest(token=created.raw, facts=facts("twice")))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "used up" in (refused.value.details() or "")


async def test_the_agent_secret_is_stored_only_as_a_hash(hub):
    creds = await enroll(hub, "hashed")
    agent = await sync_to_async(Agent.objects.get)(id=creds.agent_id)
    assert creds.secret not in agent.secret_hash
    assert len(agent.secret_hash) == 64


async def test_revoking_an_agent_closes_its_live_stream_at_once(hub):
    from everyst_hub.inventory.enrollment import revoke_agent

    creds = await enroll(hub, "epsilon")
    stream = Stream(hub, metadata(creds))
    await stream.hello("epsilon")
    await stream.call.write(batch(1, 1_700_000_000_000))
    assert (await stream.read()).ack.seq == 1
    await sync_to_async(revoke_agent)(creds.agent_id, None)
    with pytest.raises(grpc.aio.AioRpcError) as closed:
        await stream.read()
    assert closed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in (closed.value.details() or "")
    await stream.close()
    again = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await again.hello("epsilon")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await again.close()


async def test_a_secret_copied_to_another_machine_is_refused_and_shown_to_admins(hub):
    from everyst_hub.audit.models import AuditEvent

    creds = await enroll(hub, "zeta")
    copied = Stream(hub, metadata(creds))
    await copied.call.write(
        agent_pb2.AgentMessage(
            hello=agent_pb2.Hello(facts=agent_pb2.HostFacts(hostname="elsewhere", machine_id="f" * 32))
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await copied.read()
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await copied.close()
    event = await sync_to_async(AuditEvent.objects.get)(action="agent.machine_mismatch")
    assert event.details["presented_hostname"] == "elsewhere"
    original = Stream(hub, metadata(creds))
    assert (await original.hello("zeta")).welcome.host_id == creds.host_id
    await original.close()


async def test_an_unexpected_hub_error_reaches_the_agent_as_a_generic_internal_status(hub, monkeypatch):
    from everyst_hub.inventory import hosts

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the database")

    creds = await enroll(hub, "eta")
    monkeypatch.setattr(hosts, "agent_connected", broken)
    stream = Stream(hub, metadata(creds))
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stream.hello("eta")
    assert failed.value.code() == grpc.StatusCode.INTERNAL
    assert "secret detail" not in (failed.value.details() or "")
    assert "RuntimeError" not in (failed.value.details() or "")
    await stream.close()


async def test_plaintext_grpc_is_refused_on_anything_but_loopback(settings):
    from everyst_hub.config.env import ConfigError

    settings.GRPC_TLS = False
    with pytest.raises(ConfigError, match="only serves loopback"):
        await start_ingest_server("0.0.0.0", 0)
    server = await start_ingest_server("127.0.0.1", 0)
    await server.stop(0.1)


async def test_many_streams_closing_at_once_are_marked_offline_together(hub):
    import asyncio

    names = [f"drop-{i}" for i in range(30)]
    creds = [await enroll(hub, name) for name in names]
    streams = [Stream(hub, metadata(c)) for c in creds]
    for stream, name in zip(streams, names, strict=True):
        await stream.hello(name)
    assert await sync_to_async(Host.objects.filter(connected=True).count)() == 30
    flushes = hub.servicer.disconnects.flushes

    await asyncio.gather(*(stream.close() for stream in streams[1:]))
    # The first agent drops too, and is back at once: its new stream must win over the old one's end.
    await streams[0].close()
    again = Stream(hub, metadata(creds[0]))
    await again.hello(names[0])

    async def offline() -> int:
        return await sync_to_async(Host.objects.filter(connected=False).count)()

    for _ in range(100):
        if await offline() == 29:
            break
        await asyncio.sleep(0.05)
    assert await offline() == 29
    assert (await sync_to_async(Host.objects.get)(hostname=names[0])).connected
    assert hub.servicer.disconnects.flushes - flushes <= 3  # a few batched writes, not 30
    await again.close()


async def test_a_hub_that_falls_behind_stops_reading_instead_of_queueing_without_bound(hub):
    """Past `max_pending` queued batches (all streams together) the streams stop reading: gRPC's
    flow control holds the agents back, their spools keep the data, and nothing is lost."""
    writer = hub.writer
    writer.max_pending, writer.flush_interval = 10, 0.2  # a slow disk, in effect
    queued: list[int] = []
    submit = writer.submit

    def counting_submit(*args):
        submit(*args)
        queued.append(writer.pending)

    writer.submit = counting_submit
    agents = [await enroll(hub, name) for name in ("slow-a", "slow-b")]
    streams = [Stream(hub, metadata(creds)) for creds in agents]
    for stream, name in zip(streams, ("slow-a", "slow-b"), strict=True):
        await stream.hello(name)
    now = int(time.time() * 1000)
    for seq in range(1, 31):
        for stream in streams:
            await stream.call.write(batch(seq, now + seq * 1000))
    for stream in streams:
        acked = 0
        while acked < 30:
            acked = (await stream.read()).ack.seq
        await stream.close()
    assert max(queued) == 10  # the bound was reached, and held
    for creds in agents:
        assert await sync_to_async(Sample.objects.filter(host_id=creds.host_id).count)() == 30
