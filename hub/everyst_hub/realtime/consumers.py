"""The one WebSocket of a browser tab: authenticate with the first frame, then subscribe to
hosts the user may see. Malformed frames get an error frame; the socket stays usable.

Everything a socket sends goes through its Outbox, written by one task only while the socket's
transport has room (transport.SocketFlow): a browser that reads slowly, or not at all, costs a
bounded queue and slows nothing else."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import aclose_old_connections
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from everyst_hub.accounts.claims import token_is_current
from everyst_hub.core import jsonlimits
from everyst_hub.core.errors import EverystError
from everyst_hub.inventory import access
from everyst_hub.tools import services as tool_services
from everyst_hub.tools.serializers import job_frame

from .outbox import CLOSE_TOO_SLOW, Close, Outbox, Overflow
from .pacer import pacer
from .publish import HOSTS_GROUP, dumps, host_group, jobs_group, user_group
from .transport import FLOW_EXTENSION

logger = logging.getLogger(__name__)

AUTH_TIMEOUT = 10.0
MAX_FRAME_CHARS = 16 * 1024
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
GROUP_REFRESH_SECONDS = 3600.0
# The topics about one host, and how an error names what was asked.
HOST_TOPICS = {"host": "a host", "jobs": "jobs"}


def _user_for_token(token: str) -> Any:
    try:
        access_token = AccessToken(token)  # type: ignore[arg-type]  # stubs omit str
    except TokenError as exc:
        raise _AuthFailed(str(exc)) from exc
    user = get_user_model().objects.filter(id=access_token["user_id"], is_active=True).first()
    if user is None:
        raise _AuthFailed("user is unknown or disabled")
    if not token_is_current(user, access_token):
        raise _AuthFailed("the session has ended")
    return user, float(access_token["exp"])


def _visible(user: Any) -> set[str]:
    return access.visible_host_ids(user)


def _reload(user: Any) -> Any:
    """The user as the database has it now; None once disabled, deleted or their session ended
    (a socket keeps the generation of the token it authenticated with)."""
    fresh = get_user_model().objects.filter(id=user.id, is_active=True).first()
    if fresh is None or fresh.token_generation != user.token_generation:
        return None
    return fresh


def _check_host(user: Any, host_id: str) -> str:
    return str(access.get_visible_host(user, host_id).id)


def _start_job(user: Any, host_id: str, tool: str, params: Any) -> dict[str, Any]:
    """The `job` frame of the job it started."""
    return job_frame(tool_services.start_job(user, host_id, tool, params))


def _cancel_job(user: Any, job_id: str) -> None:
    tool_services.cancel_job(user, job_id)


def _request_id(frame: dict[str, Any]) -> str | None:
    """The client's own id for a request, echoed so it can match the answer (bounded)."""
    value = frame.get("request")
    return str(value)[:64] if isinstance(value, str | int) else None


def _is_host_id(value: object) -> bool:
    """A host id as subscriptions keep them (canonical UUID text)."""
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _host_visible(user: Any, host_id: str) -> bool:
    return access.visible_hosts(user).filter(id=host_id).exists()


class _AuthFailed(Exception):
    pass


# Channel-layer events whose handlers forward text without touching the database.
_FORWARDED = frozenset({"frame.sample", "frame.samples", "frame.job", "frame.host", "frame.text"})


class LiveConsumer(AsyncWebsocketConsumer):
    user: Any = None
    # Sockets of this process between connect and disconnect (the hub's /metrics reports it).
    open_sockets = 0
    sockets: set[LiveConsumer] = set()
    # Since the process started: the largest queue a socket had (its outbox and its transport's
    # unsent bytes), samples replaced unsent, sockets closed for overflowing.
    queue_bytes_peak = 0
    samples_dropped = 0
    overflow_closes = 0
    # Frame types an authenticated socket handles, and their handlers (tests fuzz every one).
    HANDLERS = {
        "ping": "_ping",
        "subscribe": "_subscribe",
        "unsubscribe": "_unsubscribe",
        "auth": "_reauth",
        "tool.run": "_tool_run",
        "tool.cancel": "_tool_cancel",
    }

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels runs `close_old_connections` on the shared sync thread before every handler:
        a thread hop per live frame, queued behind whatever else that thread is doing. When a
        thousand agents disconnected at once (a database update each on that thread), live
        frames waited up to 1.8 s for it. Handlers that only forward text skip it."""
        if message.get("type") in _FORWARDED:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        LiveConsumer.open_sockets += 1
        LiveConsumer.sockets.add(self)
        # None outside the hub's own server (tests' in-process communicator): no back-pressure.
        self.flow = self.scope.get("extensions", {}).get(FLOW_EXTENSION)
        self.outbox = Outbox()
        self._sender = asyncio.create_task(self._send_queued())
        self.user = None
        self.fleet = False
        self.fleet_hosts: set[str] = set()
        self.single_hosts: set[str] = set()
        self.detail: set[str] = set()  # host groups of single_hosts
        self.job_hosts: set[str] = set()
        self.joined: set[str] = set()
        self.base_groups: set[str] = set()
        self._timers: list[asyncio.TimerHandle] = []
        await self.accept()
        self._later(AUTH_TIMEOUT, self._auth_deadline)

    async def disconnect(self, code: int) -> None:
        LiveConsumer.open_sockets -= 1
        LiveConsumer.sockets.discard(self)
        LiveConsumer.samples_dropped += self.outbox.replaced
        self._sender.cancel()
        self.outbox.discard()
        for timer in self._timers:
            timer.cancel()
        for group in list(self.joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined.clear()

    # ------------------------------------------------------------------ sending

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Queue a frame after those already queued (this consumer sends text only)."""
        if text_data is not None:
            try:
                self.outbox.put(text_data)
            except Overflow:
                await self._overflowed()
                return
        if close:
            await self.close()

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Close once the frames queued before it are sent (an error frame, then its close)."""
        self.outbox.put(Close(code))

    async def _overflowed(self) -> None:
        """Too far behind to catch up frame by frame: close now; the client reconnects and reloads."""
        LiveConsumer.overflow_closes += 1
        logger.info("closing a live socket that fell %d characters behind", self.outbox.chars)
        self._sender.cancel()
        self.outbox.discard()
        await super().close(code=CLOSE_TOO_SLOW)

    def queued_bytes(self) -> int:
        return self.outbox.chars + (self.flow.unsent_bytes() if self.flow is not None else 0)

    async def _send_queued(self) -> None:
        outbox, flow, paced = self.outbox, self.flow, pacer()
        paced.join()
        try:
            while True:
                await outbox.ready.wait()
                if flow is not None:
                    await flow.writable()
                    LiveConsumer.queue_bytes_peak = max(LiveConsumer.queue_bytes_peak, self.queued_bytes())
                if outbox.frames:  # ordered frames are never held
                    item = outbox.pop()
                elif outbox.samples:
                    await paced.turn()
                    item = outbox.pop()
                    if isinstance(item, str):
                        paced.spend(len(item))  # before the send yields: the next sender sees it
                else:
                    outbox.pop()  # nothing queued: clears `ready`
                    continue
                if isinstance(item, Close):
                    await super().close(code=item.code)
                    return
                if item is not None:
                    await super().send(text_data=item)
        finally:
            paced.leave()

    def _later(self, delay: float, coroutine_fn: Any) -> None:
        loop = asyncio.get_running_loop()
        self._timers.append(loop.call_later(delay, lambda: loop.create_task(coroutine_fn())))

    async def _auth_deadline(self) -> None:
        if self.user is None:
            await self._error("unauthenticated", "No auth frame within 10 s.")
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _refresh_groups(self) -> None:
        """Group memberships expire (after a day by default); a long-lived socket renews them."""
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self._later(GROUP_REFRESH_SECONDS, self._refresh_groups)

    async def _token_expired(self) -> None:
        await self._error("unauthenticated", "The access token expired; reconnect with a fresh one.")
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self.send(text_data=dumps({"type": "error", "code": code, "message": message, **extra}))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error("bad_frame", "Frames must be JSON text.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._error("bad_frame", f"Frames are limited to {MAX_FRAME_CHARS} characters.")
            return
        try:
            frame = jsonlimits.loads(text_data)
        except jsonlimits.JSONLimitError as exc:
            await self._error("bad_json", f"The frame is refused: {exc}.")
            return
        except ValueError:
            await self._error("bad_json", "The frame is not valid JSON.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error("bad_frame", 'A frame is a JSON object with a string "type".')
            return
        kind = frame["type"]
        if self.user is None:
            if kind != "auth":
                await self._error("unauthenticated", "Send an auth frame first.")
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            await self._auth(frame)
            return
        handler = self.HANDLERS.get(kind)
        if handler is None:
            await self._error("bad_frame", f"Unknown frame type {kind[:40]!r}.")
            return
        await getattr(self, handler)(frame)

    async def _auth(self, frame: dict[str, Any]) -> None:
        token = frame.get("token")
        if not isinstance(token, str) or not token:
            await self._error("unauthenticated", 'The auth frame needs a "token".')
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            self.user, expires = await sync_to_async(_user_for_token)(token)
        except _AuthFailed as exc:
            await self._error("unauthenticated", f"Invalid token: {exc}.")
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self._later(max(0.0, expires - time.time()), self._token_expired)
        self._later(GROUP_REFRESH_SECONDS, self._refresh_groups)
        self.base_groups = {HOSTS_GROUP, user_group(self.user.id)}
        await self._sync_groups()
        await self.send(
            text_data=dumps(
                {
                    "type": "auth.ok",
                    "user": {"id": self.user.id, "username": self.user.username, "role": self.user.role},
                }
            )
        )

    async def _reauth(self, frame: dict[str, Any]) -> None:
        await self._error("bad_frame", "Already authenticated.")

    async def _ping(self, frame: dict[str, Any]) -> None:
        await self.send(text_data='{"type":"pong"}')

    async def _subscribe(self, frame: dict[str, Any]) -> None:
        topic = frame.get("topic")
        if topic == "fleet":
            self.fleet = True
            self.fleet_hosts = await sync_to_async(_visible)(self.user)
            await self._sync_groups()
            await self.send(text_data=dumps({"type": "subscribed", "topic": "fleet"}))
        elif topic in HOST_TOPICS:
            host_id = frame.get("host")
            if not isinstance(host_id, str):
                await self._error("bad_frame", f'Subscribing to {HOST_TOPICS[topic]} needs "host": "<id>".')
                return
            try:
                host_id = await sync_to_async(_check_host)(self.user, host_id)
            except EverystError as exc:
                await self._error(exc.code, exc.message, host=host_id[:64])
                return
            (self.single_hosts if topic == "host" else self.job_hosts).add(host_id)
            await self._sync_groups()
            await self.send(text_data=dumps({"type": "subscribed", "topic": topic, "host": host_id}))
        else:
            await self._error("bad_frame", 'Unknown topic: use "fleet", "host" or "jobs".')

    async def _unsubscribe(self, frame: dict[str, Any]) -> None:
        topic = frame.get("topic")
        if topic == "fleet":
            self.fleet = False
            self.fleet_hosts = set()
        elif topic == "host" and _is_host_id(frame.get("host")):
            self.single_hosts.discard(frame["host"])
        elif topic == "jobs" and _is_host_id(frame.get("host")):
            self.job_hosts.discard(frame["host"])
        else:
            await self._error("bad_frame", 'Unsubscribe needs "topic": "fleet", or "host" with "host".')
            return
        await self._sync_groups()
        await self.send(text_data=dumps({"type": "unsubscribed", "topic": topic}))

    async def _sync_groups(self) -> None:
        self.detail = {host_group(h) for h in self.single_hosts}
        wanted = {host_group(h) for h in self.fleet_hosts | self.single_hosts} | self.base_groups
        wanted |= {jobs_group(h) for h in self.job_hosts}
        for group in wanted - self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in self.joined - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = wanted

    # ------------------------------------------------------------------ channel layer events

    async def frame_sample(self, event: dict[str, Any]) -> None:
        group, text = event["group"], event["text"]
        self.outbox.put_samples(((group, text if group in self.detail else event.get("fleet", text)),))

    async def frame_samples(self, event: dict[str, Any]) -> None:
        """Many hosts' samples of one flush (publish.SampleFrame): the outbox joins them, without
        re-encoding, into as few WebSocket frames as the server's frame size limit allows. Hosts
        this socket watches on their own page get the whole sample, the others the fleet's view."""
        detail = self.detail
        self.outbox.put_samples(
            (group, text if group in detail else fleet) for group, text, fleet in event["items"]
        )

    async def _tool_run(self, frame: dict[str, Any]) -> None:
        host_id, tool, params = frame.get("host"), frame.get("tool"), frame.get("params", {})
        if not isinstance(host_id, str) or not isinstance(tool, str):
            await self._error("bad_frame", 'tool.run needs "host", "tool" and optional "params".')
            return
        try:
            started = await sync_to_async(_start_job)(self.user, host_id, tool, params)
        except EverystError as exc:
            await self._error(exc.code, exc.message, host=host_id[:64], request=_request_id(frame))
            return
        await self.send(text_data=dumps({**started, "request": _request_id(frame)}))

    async def _tool_cancel(self, frame: dict[str, Any]) -> None:
        job_id = frame.get("job")
        if not isinstance(job_id, str):
            await self._error("bad_frame", 'tool.cancel needs "job": "<id>".')
            return
        try:
            await sync_to_async(_cancel_job)(self.user, job_id)
        except EverystError as exc:
            await self._error(exc.code, exc.message, job=job_id[:64])

    async def frame_job(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def frame_text(self, event: dict[str, Any]) -> None:
        """A frame addressed to this user's group (alerts, notifications): forwarded as is."""
        await self.send(text_data=event["text"])

    async def frame_user(self, event: dict[str, Any]) -> None:
        """Access changed: re-read it from the database and drop what the user lost."""
        kind = event["event"]
        if kind in {"disabled", "logged_out"}:
            await self._error("unauthenticated", "The session ended.")
            await self.close(code=CLOSE_FORBIDDEN if kind == "disabled" else CLOSE_UNAUTHENTICATED)
            return
        self.user = await sync_to_async(_reload)(self.user)
        if self.user is None:
            await self._error("unauthenticated", "The session ended.")
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        visible = await sync_to_async(_visible)(self.user)
        lost = (self.fleet_hosts | self.single_hosts) - visible
        self.single_hosts &= visible
        self.job_hosts &= visible
        self.fleet_hosts = visible if self.fleet else set()
        await self._sync_groups()
        await self.send(text_data=dumps({"type": "access", "lost": sorted(lost)}))

    async def frame_host(self, event: dict[str, Any]) -> None:
        """A host appeared or changed: forward it if the user may see it (checked in the DB)."""
        host_id = event["host"]
        if host_id in self.fleet_hosts or host_id in self.single_hosts:
            await self.send(text_data=event["text"])
            return
        if not self.fleet:
            return
        await aclose_old_connections()  # dispatch skipped it (see `dispatch`)
        if await sync_to_async(_host_visible)(self.user, host_id):
            self.fleet_hosts.add(host_id)
            await self._sync_groups()
            await self.send(text_data=event["text"])


@dataclass(frozen=True)
class SocketStats:
    queue_bytes_max: int
    queue_bytes_peak: int
    samples_dropped: int
    overflow_closes: int


def socket_stats() -> SocketStats:
    """This process's live sockets' queues, for /metrics."""
    sockets = list(LiveConsumer.sockets)
    now = max((s.queued_bytes() for s in sockets), default=0)
    return SocketStats(
        queue_bytes_max=now,
        queue_bytes_peak=max(LiveConsumer.queue_bytes_peak, now),
        samples_dropped=LiveConsumer.samples_dropped + sum(s.outbox.replaced for s in sockets),
        overflow_closes=LiveConsumer.overflow_closes,
    )
