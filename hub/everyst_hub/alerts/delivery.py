"""The outbox's delivery: webhook, e-mail and Apprise messages leave from persisted OutboxItem rows.

Per channel, in order: a replica first claims the channel with a conditional UPDATE (a lease), so
two replicas never send the same rows and nothing newer overtakes an item waiting for its retry.
Everything pending for the channel then goes out as ONE message, and nothing else goes out within
the grouping window after it: a storm of breaches is one message per channel per window. A failed
send is retried with exponential backoff; a hub restart resumes from the rows.

Delivered once: a row is marked delivered right after its send succeeds. A hub killed between a
target's answer and that mark sends the row again when the lease runs out; the payload's
`delivery` id lets a receiver drop that rare duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from . import mail
from .models import NotificationChannel, OutboxItem

logger = logging.getLogger(__name__)

MAX_GROUP = 500
Kind = NotificationChannel.Kind


class DeliveryFailed(Exception):
    pass


def signature(secret: str, body: bytes) -> str:
    """The X-Everyst-Signature header's value: HMAC-SHA256 of the exact body, hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _subject(payloads: list[dict[str, Any]]) -> str:
    if len(payloads) == 1:
        return str(payloads[0]["title"])
    return f"{len(payloads)} alert notifications"


def _text(payloads: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"{p['title']}\n{p['body']}" for p in payloads)


def _send_webhook(channel: NotificationChannel, payloads: list[dict[str, Any]], delivery: str) -> None:
    body = json.dumps(
        {
            "version": 1,
            "delivery": delivery,
            "channel": channel.name,
            "sent_at": timezone.now().isoformat().replace("+00:00", "Z"),
            "events": payloads,
        },
        separators=(",", ":"),
    ).encode()
    request = urllib.request.Request(
        channel.config["url"],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Everyst-Hub",
            "X-Everyst-Delivery": delivery,
            "X-Everyst-Signature": signature(channel.secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.ALERTS_DELIVERY_TIMEOUT_SECONDS) as response:
            response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"the webhook answered HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"the webhook is unreachable: {exc}") from exc


def _send_email(channel: NotificationChannel, payloads: list[dict[str, Any]], delivery: str) -> None:
    try:
        mail.send(
            f"[Everyst] {_subject(payloads)}",
            _text(payloads) + f"\n\n-- \nEveryst hub, delivery {delivery}\n",
            list(channel.config["to"]),
        )
    except mail.MailFailed as exc:
        raise DeliveryFailed(f"sending e-mail failed: {exc}") from exc


def _send_apprise(channel: NotificationChannel, payloads: list[dict[str, Any]], delivery: str) -> None:
    import apprise  # loaded on first use: it registers a hundred plugins

    notifier = apprise.Apprise()
    if not notifier.add(channel.secret):
        raise DeliveryFailed("Apprise does not understand the channel's URL.")
    if not notifier.notify(body=_text(payloads), title=f"[Everyst] {_subject(payloads)}"):
        raise DeliveryFailed("Apprise could not deliver the notification (see the hub log).")


SENDERS = {Kind.WEBHOOK: _send_webhook, Kind.EMAIL: _send_email, Kind.APPRISE: _send_apprise}


def send(channel: NotificationChannel, payloads: list[dict[str, Any]], delivery: str) -> None:
    SENDERS[Kind(channel.kind)](channel, payloads, delivery)


def send_test(channel: NotificationChannel) -> str | None:
    """Send a test message now, outside the outbox; the error, or None when it was delivered."""
    payload = {
        "event": "test",
        "title": f"Test notification of channel {channel.name}",
        "body": "If you read this, Everyst can reach you here.",
        "alert": None,
    }
    try:
        send(channel, [payload], f"test-{uuid.uuid4().hex[:12]}")
    except DeliveryFailed as exc:
        return str(exc)
    return None


def _backoff(attempts: int) -> timedelta:
    base, cap = settings.ALERTS_RETRY_BASE_SECONDS, settings.ALERTS_RETRY_MAX_SECONDS
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def deliver_channel(channel_id: int, now: datetime) -> int:
    """Send the channel's pending items as one message if it is its turn; the number delivered."""
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=settings.ALERTS_DELIVERY_TIMEOUT_SECONDS * 3 + 30)
    window = timedelta(seconds=settings.ALERTS_GROUP_SECONDS)
    claimed = (
        NotificationChannel.objects.filter(id=channel_id, enabled=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - window))
        .update(lease_until=lease, lease_token=token)
    )
    if not claimed:
        return 0
    try:
        pending = list(
            OutboxItem.objects.filter(channel_id=channel_id, delivered_at__isnull=True)[:MAX_GROUP]
        )
        # The oldest item waits for its retry: nothing newer overtakes it.
        if not pending or pending[0].next_attempt_at > now:
            return 0
        ids = [item.id for item in pending]
        OutboxItem.objects.filter(id__in=ids).update(claim_token=token)
        channel = NotificationChannel.objects.get(id=channel_id)
        try:
            send(channel, [item.payload for item in pending], f"{ids[0]}-{ids[-1]}")
        except DeliveryFailed as exc:
            attempts = pending[0].attempts + 1
            logger.warning("channel %s: %s (attempt %d)", channel.name, exc, attempts)
            OutboxItem.objects.filter(id__in=ids).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + _backoff(attempts),
                last_error=str(exc)[:500],
            )
            return 0
        done = timezone.now()
        OutboxItem.objects.filter(id__in=ids, claim_token=token, delivered_at__isnull=True).update(
            delivered_at=done
        )
        NotificationChannel.objects.filter(id=channel_id).update(last_sent_at=done)
        return len(ids)
    finally:
        NotificationChannel.objects.filter(id=channel_id, lease_token=token).update(
            lease_until=None, lease_token=""
        )


def deliver_due(now: datetime | None = None) -> int:
    """One pass over every channel with something due; the number of items delivered."""
    now = now or timezone.now()
    due = (
        OutboxItem.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now)
        .order_by()
        .values_list("channel_id", flat=True)
        .distinct()
    )
    delivered = 0
    for channel_id in list(due):
        try:
            delivered += deliver_channel(channel_id, now)
        except Exception:
            logger.exception("delivering the outbox of channel %s failed", channel_id)
    return delivered
