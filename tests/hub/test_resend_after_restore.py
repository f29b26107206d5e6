"""On connect the hub tells an agent how far its stored samples go, so an agent can send again what
a hub restored from a backup no longer has (issue #13 item 6)."""

from __future__ import annotations

import pytest

from tests.support.ingest import Stream, batch, enroll, metadata

pytestmark = pytest.mark.django_db(transaction=True)


async def test_welcome_says_no_sample_is_stored_for_a_new_host(hub):
    creds = await enroll(hub, "fresh")
    stream = Stream(hub, metadata(creds))
    welcome = (await stream.hello("fresh")).welcome
    await stream.close()
    assert welcome.HasField("stored_through_ts_ms")
    assert welcome.stored_through_ts_ms == 0


async def test_welcome_carries_the_newest_stored_sample_time_of_the_host(hub):
    creds = await enroll(hub, "known")
    stream = Stream(hub, metadata(creds))
    await stream.hello("known")
    # Sent out of order, as a backlog behind live samples: the newest counts, not the last.
    for seq, ts in ((1, 1_700_000_005_000), (2, 1_700_000_001_000)):
        await stream.call.write(batch(seq, ts))
    while (await stream.read()).ack.seq < 2:
        pass
    await stream.close()
    again = Stream(hub, metadata(creds))
    welcome = (await again.hello("known")).welcome
    await again.close()
    assert welcome.stored_through_ts_ms == 1_700_000_005_000
