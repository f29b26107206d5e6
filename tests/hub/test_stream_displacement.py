"""A host's stream displaced by a newer one ends with a status its agent can act on: a real
grpc.aio server over TLS, real clients, real SQLite."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from asgiref.sync import sync_to_async
from everyst_hub.inventory.models import Host

from tests.support.ingest import Stream, batch, enroll, metadata

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_displaced_stream_ends_with_aborted_and_says_why_while_the_newer_one_streams_on(hub):
    creds = await enroll(hub, "twice")
    older = Stream(hub, metadata(creds))
    await older.hello("twice")
    newer = Stream(hub, metadata(creds))
    await newer.hello("twice")

    with pytest.raises(grpc.aio.AioRpcError) as ended:
        async with asyncio.timeout(5):
            while True:
                await older.read()
    assert ended.value.code() == grpc.StatusCode.ABORTED
    assert ended.value.details() == "another connection of this agent took over"
    await older.close()

    await newer.call.write(batch(1, 1_700_000_000_000))
    assert (await newer.read()).ack.seq == 1
    host = await sync_to_async(Host.objects.get)(id=creds.host_id)
    assert host.connected, "the displaced stream's end marked the host offline"
    await newer.close()
