"""A live socket's outbox: bounded whatever its reader does, samples coalesced to each host's newest."""

from __future__ import annotations

import json

import pytest
from everyst_hub.realtime.outbox import MAX_OUT_FRAME_CHARS, Close, Outbox, Overflow
from everyst_hub.realtime.publish import dumps, host_group

HOSTS = ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"]


def sample(host: str, ts: int, pad: str = "") -> tuple[str, str]:
    return host_group(host), dumps({"type": "sample", "host": host, "sample": {"ts": ts, "pad": pad}})


def drained(outbox: Outbox) -> list[object]:
    items = []
    while (item := outbox.pop()) is not None:
        items.append(json.loads(item) if isinstance(item, str) else item)
    return items


def test_a_host_keeps_only_its_newest_unsent_sample_and_the_frame_names_the_gap() -> None:
    outbox = Outbox()
    outbox.put_samples([sample(HOSTS[0], 1), sample(HOSTS[1], 1)])
    outbox.put_samples([sample(HOSTS[0], 2)])
    outbox.put_samples([sample(HOSTS[0], 3)])
    (frame,) = drained(outbox)
    assert frame == {
        "type": "samples",
        "gap": [HOSTS[0]],
        "frames": [
            {"type": "sample", "host": HOSTS[0], "sample": {"ts": 3, "pad": ""}},
            {"type": "sample", "host": HOSTS[1], "sample": {"ts": 1, "pad": ""}},
        ],
    }
    assert outbox.replaced == 2 and outbox.chars == 0
    # Sent in time, the next sample is no gap.
    outbox.put_samples([sample(HOSTS[0], 4)])
    assert drained(outbox) == [{"type": "sample", "host": HOSTS[0], "sample": {"ts": 4, "pad": ""}}]


def test_frames_keep_their_order_and_go_before_waiting_samples() -> None:
    outbox = Outbox()
    outbox.put_samples([sample(HOSTS[0], 1)])
    outbox.put('{"type":"host","n":1}')
    outbox.put('{"type":"host","n":2}')
    outbox.put(Close(4401))
    outbox.put('{"type":"pong"}')  # after a close: nothing more
    outbox.put_samples([sample(HOSTS[1], 1)])
    items = drained(outbox)
    assert items[:2] == [{"type": "host", "n": 1}, {"type": "host", "n": 2}]
    assert isinstance(items[2], Close) and items[2].code == 4401
    assert items[3] == {"type": "sample", "host": HOSTS[0], "sample": {"ts": 1, "pad": ""}}
    assert len(items) == 4


def test_ordered_frames_past_the_bound_overflow() -> None:
    outbox = Outbox(max_chars=100)
    outbox.put("x" * 60)
    with pytest.raises(Overflow):
        outbox.put("y" * 41)
    assert outbox.chars == 60
    # Samples do not count against the bound: they are one per host at most.
    outbox.put_samples([sample(HOSTS[0], 1, "z" * 500)])


def test_waiting_samples_leave_in_frames_under_the_size_limit() -> None:
    outbox = Outbox()
    pad = "p" * (MAX_OUT_FRAME_CHARS * 4 // 10)
    hosts = [f"00000000-0000-4000-8000-0000000000{i:02d}" for i in range(5)]
    outbox.put_samples([sample(h, 1, pad) for h in hosts])
    texts = []
    while (text := outbox.pop()) is not None:
        assert isinstance(text, str) and len(text) <= MAX_OUT_FRAME_CHARS
        texts.append(json.loads(text))
    received = [f["host"] for t in texts for f in (t["frames"] if t["type"] == "samples" else [t])]
    assert received == hosts and len(texts) == 3 and outbox.chars == 0


def test_a_sample_over_the_frame_limit_is_dropped() -> None:
    outbox = Outbox()
    outbox.put_samples([sample(HOSTS[0], 1, "q" * MAX_OUT_FRAME_CHARS)])
    assert outbox.pop() is None and outbox.chars == 0
