"""Bad input never gets a 500 (issue #10, item 4) and errors read plainly (item 6, in part).

The first half holds one regression test per case found by hand. The second half is generated:
every REST operation (read from the URL configuration and its OpenAPI schema) and every WebSocket
frame type gets each class of bad input — huge integers, deep nesting, oversize bodies, malformed
ids and timestamps — and must answer a 4xx in the usual error shape, leaving at most one warning
line in the log and never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone
from everyst_hub.config.asgi import application
from everyst_hub.realtime.consumers import MAX_FRAME_CHARS, LiveConsumer

from tests.conftest import access_token_for
from tests.hub.test_authorization_matrix import HOST_SCOPED, POLICIES, _fill, api_endpoints

HUGE = 10**23
DEEP = "[" * 100_000 + "]" * 100_000
TEN_MB = 10 * 1024 * 1024
REFUSED = {400, 401, 403, 404, 405, 413}


def client() -> Client:
    # A 500 must come back as a response here, not as an exception raised into the test.
    return Client(raise_request_exception=False)


def bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {access_token_for(user)}"}


def assert_refused_quietly(
    response: Any, records: list[logging.LogRecord], *, statuses: set[int] = REFUSED
) -> None:
    """A 4xx in the error shape, at most one warning line, no error record and no traceback."""
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "ErrorDetail" not in body["error"]["message"]
    loud = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [f"{r.levelname} {r.name}: {r.getMessage()}" for r in loud]
    warnings = [r for r in records if r.levelno >= logging.WARNING]
    assert len(warnings) <= 1, [f"{r.name}: {r.getMessage()}" for r in warnings]


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def send(log: pytest.LogCaptureFixture, request: Callable[[], Any], **kwargs: Any) -> None:
    log.clear()
    response = request()
    assert_refused_quietly(response, log.records, **kwargs)


# ------------------------------------------------------------------------ the cases found by hand


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/setup"])
def test_deeply_nested_json_before_login_is_a_quiet_400(world: Any, log: Any, path: str) -> None:
    send(log, lambda: client().post(path, DEEP, content_type="application/json"), statuses={400})


@pytest.mark.django_db
def test_json_nested_below_the_recursion_limit_is_still_refused(world: Any, log: Any) -> None:
    from everyst_hub.inventory.models import Host

    Host.objects.update(connected=True, last_seen=timezone.now())
    params: Any = "127.0.0.1"
    for _ in range(200):
        params = {"target": params}
    body = json.dumps({"tool": "ping", "params": params})
    url = f"/api/v1/hosts/{world.host_a.id}/jobs"
    send(
        log,
        lambda: client().post(url, body, content_type="application/json", **bearer(world.operator_a)),
        statuses={400},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/setup", "/api/v1/hosts", "/not-an-api-page"])
def test_a_ten_megabyte_body_is_a_quiet_413(world: Any, log: Any, path: str) -> None:
    body = json.dumps({"username": "x" * TEN_MB, "password": "y"})
    send(log, lambda: client().post(path, body, content_type="application/json"), statuses={413})


@pytest.mark.django_db
def test_an_unknown_host_header_is_a_quiet_400_in_the_error_shape(world: Any, log: Any) -> None:
    for path in ("/api/v1/setup", "/hosts"):
        send(log, lambda: client().get(path, HTTP_HOST="evil.example"), statuses={400})  # noqa: B023


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/hosts"])
def test_a_query_string_of_thousands_of_fields_is_a_quiet_400(world: Any, log: Any, path: str) -> None:
    query = "&".join(f"f{i}=1" for i in range(2000))
    send(log, lambda: client().get(f"{path}?{query}", **bearer(world.owner)), statuses={400})


@pytest.mark.django_db
def test_a_nul_character_in_json_is_refused(world: Any, log: Any) -> None:
    """PostgreSQL's jsonb cannot hold one: tool parameters with it were a 500 there."""
    from everyst_hub.inventory.models import Host

    Host.objects.update(connected=True, last_seen=timezone.now())
    body = json.dumps({"tool": "ping", "params": {"target": "127.0.0.1", "x\u0000": "\u0000"}})
    url = f"/api/v1/hosts/{world.host_a.id}/jobs"
    send(
        log,
        lambda: client().post(url, body, content_type="application/json", **bearer(world.operator_a)),
        statuses={400},
    )


@pytest.mark.django_db
def test_a_network_events_job_filter_that_is_not_a_uuid_is_a_400(world: Any, log: Any) -> None:
    from everyst_hub.network.models import Network

    network = Network.objects.create(host=world.host_a, cidr="10.9.0.0/24")
    url = f"/api/v1/networks/{network.id}/events?job=not-a-uuid"
    send(log, lambda: client().get(url, **bearer(world.viewer_a)), statuses={400})


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["99999999999999999999", "²", "-5", "2026-02-30T25:61:00Z"])
def test_a_network_events_since_that_is_no_time_is_a_400(world: Any, log: Any, since: str) -> None:
    from everyst_hub.network.models import Network

    network = Network.objects.create(host=world.host_a, cidr="10.9.0.0/24")
    url = f"/api/v1/networks/{network.id}/events"
    send(log, lambda: client().get(url, {"since": since}, **bearer(world.viewer_a)), statuses={400})


@pytest.mark.django_db
def test_a_group_id_of_ten_to_the_twenty_third_is_a_400(world: Any, log: Any) -> None:
    body = json.dumps({"access": [{"group_id": HUGE, "role": "viewer"}]})
    url = f"/api/v1/users/{world.outsider.id}/access"
    send(
        log,
        lambda: client().put(url, body, content_type="application/json", **bearer(world.admin)),
        statuses={400},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["since", "until"])
def test_a_sample_range_beyond_any_date_is_a_400(world: Any, log: Any, param: str) -> None:
    url = f"/api/v1/hosts/{world.host_a.id}/samples"
    send(log, lambda: client().get(url, {param: str(HUGE)}, **bearer(world.viewer_a)), statuses={400})


@pytest.mark.django_db
def test_an_invalid_bearer_token_gets_a_plain_401_message(world: Any) -> None:
    response = client().get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "token_not_valid", "message": "Given token not valid for any token type"}
    }


# Host-scoped routes whose object is another group's: the answer must not tell it exists.
NOT_YOURS = sorted(
    (method, route)
    for (method, route), policy in POLICIES.items()
    if policy.startswith("host_") and any(p in route for p in HOST_SCOPED)
)


def _missing(route: str) -> str:
    route = re.sub(r"<int:\w+>", "999999", route)
    return "/api/v1/" + re.sub(r"<str:\w+>", str(uuid.uuid4()), route)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "route"), NOT_YOURS, ids=[f"{m} {r}" for m, r in NOT_YOURS])
def test_not_found_reads_the_same_whether_missing_or_not_yours(world: Any, method: str, route: str) -> None:
    auth = bearer(world.viewer_a)
    theirs = getattr(client(), method.lower())(_fill(route, world, "host_b"), {}, "application/json", **auth)
    missing = getattr(client(), method.lower())(_missing(route), {}, "application/json", **auth)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


# ------------------------------------------------------------------ generated: every REST operation


def _schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _operation(method: str, route: str) -> dict[str, Any]:
    path = "/api/v1/" + re.sub(r"<\w+:(\w+)>", r"{\1}", route)
    return SCHEMA["paths"][path][method.lower()]


def _sample(node: dict[str, Any]) -> Any:
    """A plausible value of a schema node: the first choice of an enum, else a value of its type."""
    node = _resolve(node)
    if "enum" in node:
        return next(v for v in node["enum"] if v not in ("", None))
    if "oneOf" in node or "allOf" in node:
        return _sample((node.get("oneOf") or node["allOf"])[0])
    kind = node.get("type")
    if kind == "object":
        return {name: _sample(child) for name, child in node.get("properties", {}).items()}
    if kind == "array":
        return [_sample(node["items"])]
    if kind == "integer":
        return max(1, int(node.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return "x"


def _integer_paths(node: dict[str, Any], at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where in a request body an integer goes, as key paths (list items as index 0)."""
    node = _resolve(node)
    if node.get("type") == "integer":
        yield at
    elif node.get("type") == "object":
        for name, child in node.get("properties", {}).items():
            yield from _integer_paths(child, (*at, name))
    elif node.get("type") == "array":
        yield from _integer_paths(node["items"], (*at, 0))


def _replace(body: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    body = json.loads(json.dumps(body))
    target = body
    for key in at[:-1]:
        target = target[key]
    target[at[-1]] = value
    return body


def _body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _query(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == "query"]


# Query parameters that carry a time or an id although the schema calls them strings (they take
# ISO 8601 or unix milliseconds, or a job's UUID).
TIME_OR_ID_QUERY = {"since", "until", "start", "end", "job"}
BAD_NUMBERS = [str(HUGE), str(-HUGE), "99999999999999999999", "²", "1e400", "nan", "0x10"]
BAD_IDS = ["not-an-id", "../../etc/passwd", "%00", "\x00", "1" * 5000, "²", "-1", str(HUGE)]
# As ISO 8601 with a long fraction of a second, "1" * 5000 is a time: it is an id only in a path.
BAD_TIMES = ["2026-02-30T25:61:00Z", "99999-01-01T00:00:00Z", "yesterday", "not-an-id", "\x00", "-1"]


def _valid_query(operation: dict[str, Any]) -> dict[str, str]:
    """The required query parameters with values that pass (history needs start < end)."""
    values = {"start": "1000", "end": "2000"}
    return {p["name"]: values.get(p["name"], "1") for p in _query(operation) if p.get("required")}


def _time_or_id(param: dict[str, Any]) -> bool:
    schema = param.get("schema", {})
    return (
        schema.get("type") == "integer"
        or schema.get("format") in {"uuid", "date-time"}
        or (param["name"] in TIME_OR_ID_QUERY)
    )


# One bad request: (where, name, value). where is "path" (a path parameter), "query" (a query
# parameter, the required others kept valid) or "body" (the raw JSON body, name unused).
Mutation = tuple[str, str, str]


def mutations(kind: str, method: str, route: str) -> list[Mutation]:
    """One class of bad input for one operation: each request puts a bad value in one place the
    operation declares (path, query or body), everything else plausible."""
    operation = _operation(method, route)
    body_schema = _body_schema(operation)
    body = _sample(body_schema) if body_schema else None
    found: list[Mutation] = []
    if kind == "huge_integers":
        for name in re.findall(r"<int:(\w+)>", route):
            found += [("path", f"<int:{name}>", str(v)) for v in (HUGE, 2**63, 2**64)]
        for param in _query(operation):
            if _time_or_id(param):
                found += [("query", param["name"], str(v)) for v in (HUGE, 2**63)]
        for at in _integer_paths(body_schema) if body_schema else []:
            found += [("body", "", json.dumps(_replace(body, at, v))) for v in (HUGE, -HUGE, 2**63)]
        # Any field, whatever its type (a free-form object such as tool parameters included).
        for name in _resolve(body_schema).get("properties", {}) if body_schema else []:
            found.append(("body", "", json.dumps({**(body or {}), name: {"n": HUGE}})))
    elif kind == "deep_nesting" and body_schema:
        found.append(("body", "", DEEP))
        for name in _resolve(body_schema).get("properties", {}):
            nested: Any = 1
            for _ in range(200):
                nested = {"a": [nested]}
            found.append(("body", "", json.dumps({**(body or {}), name: nested})))
    elif kind == "oversize":
        found.append(("body", "", json.dumps({"padding": "x" * TEN_MB})))
    elif kind == "malformed_ids_and_times":
        for marker in re.findall(r"<\w+:\w+>", route):
            found += [("path", marker, value) for value in BAD_IDS]
        for param in _query(operation):
            if _time_or_id(param):
                found += [("query", param["name"], value) for value in BAD_NUMBERS + BAD_TIMES]
    return found


def _path_with(route: str, world: Any, marker: str, value: str) -> str:
    filled = _fill(route.replace(marker, "MARKER"), world, "host_a")
    return filled.replace("MARKER", quote(value, safe=""))


KINDS = ["huge_integers", "deep_nesting", "oversize", "malformed_ids_and_times"]
FUZZ = [
    pytest.param(kind, method, route, id=f"{kind}: {method} {route}")
    for method, route in api_endpoints()
    for kind in KINDS
    if mutations(kind, method, route)
]


def test_every_operation_gets_every_class_that_applies_to_it() -> None:
    """Oversize bodies reach every operation; the other classes every operation with a place for them."""
    covered = {(kind, method, route) for kind, method, route in (p.values for p in FUZZ)}
    for method, route in api_endpoints():
        assert ("oversize", method, route) in covered
        if "<" in route:
            assert ("malformed_ids_and_times", method, route) in covered
        if "<int:" in route:
            assert ("huge_integers", method, route) in covered
        if _body_schema(_operation(method, route)):
            assert ("deep_nesting", method, route) in covered


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "method", "route"), FUZZ)
def test_bad_input_is_refused_quietly(world: Any, log: Any, kind: str, method: str, route: str) -> None:
    from everyst_hub.inventory.models import Host

    # Online hosts: a tool run gets past the offline check to what it was sent.
    Host.objects.update(connected=True, last_seen=timezone.now())
    auth = bearer(world.owner)
    operation = _operation(method, route)
    for where, name, value in mutations(kind, method, route):
        path = _path_with(route, world, name, value) if where == "path" else _fill(route, world, "host_a")
        query = _valid_query(operation)
        if where == "query":
            query[name] = value
        raw = value if where == "body" else None
        if raw is None and _body_schema(operation):
            raw = json.dumps(_sample(_body_schema(operation)))
        if query:
            path += "?" + urlencode(query)
        log.clear()
        response = client().generic(method, path, raw or "", content_type="application/json", **auth)
        statuses = {413} if kind == "oversize" else REFUSED
        where_said = f"{kind} in {where} {name}={value[:60]!r}"
        assert response.status_code in statuses, (where_said, response.status_code, response.content[:300])
        assert_refused_quietly(response, log.records, statuses=statuses)


# ------------------------------------------------------------------ generated: every WebSocket frame

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
# A valid frame of every type the consumer handles; HOST and JOB stand for real ids.
FRAMES: dict[str, dict[str, Any]] = {
    "ping": {"type": "ping"},
    "subscribe": {"type": "subscribe", "topic": "host", "host": "HOST"},
    "unsubscribe": {"type": "unsubscribe", "topic": "host", "host": "HOST"},
    "auth": {"type": "auth", "token": "TOKEN"},
    "tool.run": {"type": "tool.run", "host": "HOST", "tool": "ping", "params": {"target": "127.0.0.1"}},
    "tool.cancel": {"type": "tool.cancel", "job": "JOB"},
}
ID_FIELDS = {"host", "job"}


def test_every_websocket_frame_type_is_fuzzed() -> None:
    assert set(FRAMES) == set(LiveConsumer.HANDLERS)


def _nest(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def frame_mutations(kind: str, frame_type: str) -> list[str]:
    """Raw frames of one class of bad input; every field of the frame (and the client's own
    `request` id, which any frame may carry) gets the bad value in turn."""
    frame = {**FRAMES[frame_type], "request": "r1"}
    fields = [f for f in frame if f != "type"]
    marker = '"BAD"'

    def each(value: str) -> list[str]:
        return [json.dumps({**frame, field: "BAD"}).replace(marker, value) for field in fields]

    if kind == "huge_integers":
        return each(str(HUGE)) + each(str(-HUGE)) + each(json.dumps({"count": HUGE}))
    if kind == "deep_nesting":
        return each(_nest(MAX_FRAME_CHARS // 2 - 100)) + each(_nest(200))
    if kind == "oversize":
        return [json.dumps({**frame, "padding": "x" * (MAX_FRAME_CHARS + 1)}), "x" * 70_000]
    if kind == "malformed_ids_and_times":
        return [
            json.dumps({**frame, field: value})
            for field in fields
            if field in ID_FIELDS
            for value in [*BAD_IDS[:-1], str(uuid.uuid4()).upper() + "0"]
        ] + each(str(HUGE))
    raise AssertionError(kind)


WS_FUZZ = [
    pytest.param(kind, frame_type, id=f"{kind}: {frame_type}")
    for frame_type in FRAMES
    for kind in KINDS
    if frame_mutations(kind, frame_type)
]


async def _socket(user: Any | None) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
    connected, _ = await ws.connect()
    assert connected
    if user is not None:
        await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(user)})
        assert (await ws.receive_json_from())["type"] == "auth.ok"
    return ws


async def _assert_error_then_usable(ws: WebsocketCommunicator, raw: str) -> None:
    await ws.send_to(text_data=raw)
    answer = await ws.receive_json_from(timeout=5)
    assert answer.get("type") == "error", (raw[:120], answer)
    assert isinstance(answer["code"], str) and isinstance(answer["message"], str), answer
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=5) == {"type": "pong"}, raw[:120]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("kind", "frame_type"), WS_FUZZ)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_usable(
    world: Any, log: Any, kind: str, frame_type: str
) -> None:
    from everyst_hub.tools.models import ToolJob

    job = await sync_to_async(ToolJob.objects.create)(host=world.host_a, tool="ping")
    ws = await _socket(world.owner)
    for raw in frame_mutations(kind, frame_type):
        await _assert_error_then_usable(
            ws, raw.replace("HOST", str(world.host_a.id)).replace("JOB", str(job.id))
        )
    await ws.disconnect()
    loud = [r for r in log.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not loud, [f"{r.levelname} {r.name}: {r.getMessage()}" for r in loud]


@pytest.mark.django_db(transaction=True)
async def test_a_deeply_nested_frame_before_auth_gets_an_error_and_auth_still_works(
    world: Any, log: Any
) -> None:
    ws = await _socket(None)
    await ws.send_to(text_data=_nest(MAX_FRAME_CHARS // 2 - 100))
    assert (await ws.receive_json_from())["code"] == "bad_json"
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(world.viewer_a)})
    assert (await ws.receive_json_from())["type"] == "auth.ok"
    await ws.disconnect()
    assert not [r for r in log.records if r.levelno >= logging.ERROR or r.exc_info]


# ------------------------------------------------------------------------------------ gRPC ingest


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ts_ms", [2**62, -(10**15), 2**63 - 1])
async def test_a_sample_time_no_date_can_hold_ends_only_its_own_stream(
    hub: Any, log: Any, ts_ms: int
) -> None:
    """Batches of many streams are stored in one transaction: an impossible sample time failed the
    whole flush, so every agent in it was told to reconnect, and the bad agent resent it for ever."""
    import time

    import grpc

    from tests.support.ingest import Stream, batch, enroll, metadata

    good, bad = await enroll(hub, "good"), await enroll(hub, "bad")
    good_stream, bad_stream = Stream(hub, metadata(good)), Stream(hub, metadata(bad))
    await good_stream.hello("good")
    await bad_stream.hello("bad")
    await bad_stream.call.write(batch(1, ts_ms))
    # Refused as it arrives, before it can join a flush (it used to fail the flush: UNAVAILABLE).
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await bad_stream.read()
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await bad_stream.close()
    await asyncio.sleep(0.3)  # the bad host's offline mark is written (in-memory SQLite locks tables)
    for seq in (1, 2):
        await good_stream.call.write(batch(seq, int(time.time() * 1000) + seq * 1000))
        assert (await good_stream.read()).ack.seq == seq
    await good_stream.close()
    assert not [r for r in log.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.django_db(transaction=True)
async def test_junk_in_an_agents_tool_results_never_breaks_its_stream_or_the_jobs_api(
    hub: Any, world: Any, log: Any
) -> None:
    """Result payloads are the agent's JSON: a non-finite number stored in a job made every read
    of that job a 500, and deep nesting ended the stream with a RecursionError."""
    import time

    from everyst.agent.v1 import agent_pb2
    from everyst_hub.tools.models import ToolJob

    from tests.support.ingest import batch, connected_host

    creds, stream = await connected_host(hub, world)
    job = await sync_to_async(ToolJob.objects.create)(host_id=creds.host_id, tool="ping")
    junk = ['{"rows": [1e400, -1e400, NaN]}', DEEP, '{"rows": [' + "9" * 4000 + "]}", '{"position": 1e999}']
    for payload in junk:
        await stream.call.write(
            agent_pb2.AgentMessage(
                tool_event=agent_pb2.ToolEvent(
                    job_id=str(job.id), kind=agent_pb2.ToolEvent.RESULT, payload_json=payload
                )
            )
        )
    await stream.call.write(batch(1, int(time.time() * 1000)))
    assert (await stream.read()).ack.seq == 1  # events are applied in order, before the batch
    await stream.close()
    response = await sync_to_async(lambda: client().get(f"/api/v1/jobs/{job.id}", **bearer(world.viewer_a)))()
    assert response.status_code == 200, response.content[:300]
    assert response.json()["row_count"] == len(junk)
    assert not [r for r in log.records if r.levelno >= logging.ERROR or r.exc_info]
