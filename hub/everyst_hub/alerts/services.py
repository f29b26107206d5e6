"""Alerts: incidents opened and closed by the engine, who hears of them, and the rules, silences,
channels and notifications users manage. Every write that matters across replicas is a
conditional one (a unique constraint, an UPDATE … WHERE), so two hubs never both act."""

from __future__ import annotations

import fnmatch
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Forbidden, InvalidInput, NotFound
from everyst_hub.core.params import parse_id, parse_uuid
from everyst_hub.inventory import access
from everyst_hub.inventory.models import Host, HostGroup
from everyst_hub.network.models import Network, NetworkEvent, Schedule
from everyst_hub.realtime.publish import dumps, publish_texts_sync, user_group

from .metrics import METRICS
from .models import (
    AlertRule,
    Incident,
    Notification,
    NotificationChannel,
    NotificationPreference,
    OutboxItem,
    Severity,
    Silence,
)
from .serializers import RuleSerializer, SilenceSerializer, alert_frame, alert_frames, notification_frames

logger = logging.getLogger(__name__)

Scoped = TypeVar("Scoped", AlertRule, Silence)

SEVERITY_RANK = {Severity.WARNING: 0, Severity.CRITICAL: 1}
# What host event rules can watch (alerts/engine.py finds them in the samples).
HOST_EVENTS = ("listening_port_new",)
MAX_LIST = 500
# Bumped on every rule change in this process; the engine reloads when it sees a new value
# (other replicas notice the change through rules_version() on their next tick).
_rules_generation = 0


def rules_generation() -> int:
    return _rules_generation


def rules_changed() -> None:
    global _rules_generation
    _rules_generation += 1


def rules_version() -> tuple[int, Any]:
    """Changes whenever a rule is added, edited or deleted, on any replica."""
    rules = AlertRule.objects.all()
    newest = rules.order_by("-updated_at").values_list("updated_at", flat=True).first()
    return rules.count(), newest


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


# ------------------------------------------------------------------- incidents (engine's writes)


def open_incident(
    rule_id: int, host_id: uuid.UUID, series: str, value: float, peak: float, started_at: datetime
) -> tuple[Incident, bool] | None:
    """Open the incident, or find the one already open (another replica, a restart): (incident,
    created). None if the rule or host is gone."""
    rule = AlertRule.objects.filter(id=rule_id).first()
    host = Host.objects.filter(id=host_id).first()
    if rule is None or host is None:
        return None
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                rule=rule,
                host=host,
                series=series,
                severity=rule.severity,
                started_at=started_at,
                peak_value=peak,
                last_value=value,
                last_notified_at=timezone.now(),
                pending_event="firing",
                pending_since=timezone.now(),
            )
        return incident, True
    except IntegrityError:
        existing = Incident.objects.filter(
            rule_id=rule_id, host_id=host_id, series=series, ended_at__isnull=True
        ).first()
        return (existing, False) if existing is not None else None


def resolve_incident(incident_id: int, ended_at: datetime, peak: float, last: float) -> Incident | None:
    """Close the incident; only the caller whose UPDATE closed it gets it back (and notifies)."""
    closed = Incident.objects.filter(id=incident_id, ended_at__isnull=True).update(
        ended_at=ended_at,
        state=Incident.State.RESOLVED,
        peak_value=peak,
        last_value=last,
        pending_event="resolved",
        pending_since=timezone.now(),
    )
    if not closed:
        return None
    return Incident.objects.select_related("rule", "host", "acknowledged_by").get(id=incident_id)


def record_host_event(rule_id: int, host_id: uuid.UUID, series: str, seen_at: datetime) -> list[AlertEvent]:
    """An instant alert for something that happened on a host (a new listening port)."""
    rule = AlertRule.objects.filter(id=rule_id).first()
    host = Host.objects.filter(id=host_id).first()
    if rule is None or host is None:
        return []
    return [_instant_alert(rule, host, series, seen_at)]


def _instant_alert(rule: AlertRule, host: Host, series: str, seen_at: datetime) -> AlertEvent:
    """An alert of an event (it happened, it is not a state): stored resolved, to be told once."""
    now = timezone.now()
    incident = Incident.objects.create(
        rule=rule,
        host=host,
        series=series,
        state=Incident.State.RESOLVED,
        severity=rule.severity,
        started_at=seen_at,
        ended_at=seen_at,
        peak_value=1.0,
        last_value=1.0,
        last_notified_at=now,
        pending_event="firing",
        pending_since=now,
    )
    return AlertEvent("firing", incident)


def claim_repeat(incident_id: int, last_notified_at: datetime | None, now: datetime) -> Incident | None:
    """The incident if this caller won the right to send its repeat notification now."""
    claimed = Incident.objects.filter(
        id=incident_id, ended_at__isnull=True, acknowledged_at__isnull=True, last_notified_at=last_notified_at
    ).update(last_notified_at=now)
    if not claimed:
        return None
    return Incident.objects.select_related("rule", "host", "acknowledged_by").get(id=incident_id)


def save_values(values: Iterable[tuple[int, float, float]]) -> None:
    """Peak and last value of firing incidents, written now and then rather than per sample."""
    for incident_id, peak, last in values:
        Incident.objects.filter(id=incident_id, ended_at__isnull=True).update(
            peak_value=peak, last_value=last
        )


# ------------------------------------------------------------------------------ notifications


@dataclass(frozen=True)
class AlertEvent:
    event: str  # firing, resolved, repeat
    incident: Incident


def _title(event: str, incident: Incident) -> str:
    series = f" ({incident.series})" if incident.series else ""
    verb = {"firing": "firing", "resolved": "resolved", "repeat": "still firing"}.get(event, event)
    if incident.rule.source in (AlertRule.Source.NETWORK_EVENT, AlertRule.Source.HOST_EVENT):
        verb = "seen"  # an event, not a state that fires and resolves
    return f"{incident.severity.upper()} {verb}: {incident.rule.name} on {incident.host.hostname}{series}"


_VALUE = "Value: {incident.last_value:g} (peak {incident.peak_value:g})"
# Per source, what a notification's body says before "Started: …" and why a resolution came
# (str.format of rule, incident and window); a source not here is told as a metric rule is.
_BODIES: dict[str, tuple[tuple[str, ...], str]] = {
    AlertRule.Source.METRIC: (("Condition: {rule.metric} {rule.comparison} {rule.threshold:g}", _VALUE), ""),
    AlertRule.Source.HOST_OFFLINE: (
        ("Condition: no sample for more than {rule.threshold:g} collection intervals", _VALUE),
        "",
    ),
    AlertRule.Source.JOB_FAILED: (
        ("Scheduled job: {incident.series}", "Failed runs in a row: {incident.last_value:g}"),
        " (a later run succeeded)",
    ),
    AlertRule.Source.TLS_EXPIRY: (
        (
            "Condition: the certificate of {incident.series} expires within {rule.threshold:g} days",
            "Days left: {incident.last_value:g} (fewest {incident.peak_value:g})",
        ),
        " (a later check found it renewed)",
    ),
    AlertRule.Source.AGENT_DROPPING: (
        (
            "Condition: the agent's spool overflowed, {rule.comparison} {rule.threshold:g} samples "
            "dropped {window}",
            "Samples dropped: {incident.last_value:g}",
        ),
        " (no new drop for {rule.clear_seconds} s)",
    ),
}


def _body(event: str, incident: Incident) -> str:
    rule = incident.rule
    if rule.source in (AlertRule.Source.NETWORK_EVENT, AlertRule.Source.HOST_EVENT):
        kind = "Network" if rule.source == AlertRule.Source.NETWORK_EVENT else "Host"
        event = rule.metric.replace("_", " ")
        return f"{kind} event: {event} {incident.series}\nSeen: {_iso(incident.started_at)}"
    said, why = _BODIES.get(rule.source, _BODIES[AlertRule.Source.METRIC])
    window = f"within {rule.for_seconds} s" if rule.for_seconds else "in one report"
    lines = [line.format(rule=rule, incident=incident, window=window) for line in said]
    lines.append(f"Started: {_iso(incident.started_at)}")
    if incident.ended_at:
        lines.append(f"Resolved{why.format(rule=rule)}: {_iso(incident.ended_at)}")
    return "\n".join(lines)


def silence_matches(silence: Silence, incident: Incident, host_groups: set[int]) -> bool:
    return (
        (silence.host_id is None or silence.host_id == incident.host_id)
        and (silence.group_id is None or silence.group_id in host_groups)
        and (silence.rule_id is None or silence.rule_id == incident.rule_id)
        and (not silence.label or fnmatch.fnmatchcase(incident.series, silence.label))
    )


def active_silences(now: datetime) -> list[Silence]:
    return list(Silence.objects.filter(starts_at__lte=now, ends_at__gt=now))


def _host_groups(host_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[int]]:
    groups: dict[uuid.UUID, set[int]] = {h: set() for h in host_ids}
    through = Host.groups.through.objects.filter(host_id__in=list(groups))
    for host_id, group_id in through.values_list("host_id", "hostgroup_id"):
        groups[host_id].add(group_id)
    return groups


def notify(events: Sequence[AlertEvent]) -> list[tuple[str, str]]:
    """Tell everyone concerned: an `alert` frame to each user who may see the host, and unless a
    silence matches, an in-app notification to each of them and an outbox item to each channel
    that wants it. Returns the (group, frame) pairs to publish once this has committed.

    A firing or resolution is told once: its incident's pending event is cleared in the same
    transaction that stores the notifications, and an event already cleared (told by another
    replica, or by the recovery of unsent events) is dropped."""
    if not events:
        return []
    with transaction.atomic():
        return _fan_out([e for e in events if _claim(e)])


def _claim(item: AlertEvent) -> bool:
    if item.event not in ("firing", "resolved"):
        return True  # repeats are claimed on last_notified_at (claim_repeat)
    claimed = Incident.objects.filter(id=item.incident.id, pending_event=item.event).update(
        pending_event="", pending_since=None
    )
    return claimed == 1


def unsent_events(older_than: datetime, limit: int = 500) -> list[AlertEvent]:
    """Firings and resolutions whose notifications a hub that died never stored."""
    stale = (
        Incident.objects.exclude(pending_event="")
        .filter(pending_since__lt=older_than)
        .select_related("rule", "host", "acknowledged_by")
        .order_by("pending_since")
    )
    return [AlertEvent(incident.pending_event, incident) for incident in stale[:limit]]


def _fan_out(events: Sequence[AlertEvent]) -> list[tuple[str, str]]:
    if not events:
        return []
    now = timezone.now()
    silences = active_silences(now)
    groups = _host_groups({e.incident.host_id for e in events})
    recipients = access.users_who_see_hosts(groups)
    shared = NotificationChannel.objects.filter(enabled=True, personal_of__isnull=True)
    channels = list(shared.prefetch_related("groups"))
    channel_groups = {c.id: {g.id for g in c.groups.all()} for c in channels}
    user_ids = {u.id for users in recipients.values() for u in users}
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=user_ids)
        .select_related("channel")
        .prefetch_related("groups")
    }
    frames: list[tuple[str, str]] = []
    notifications: list[Notification] = []
    toasts: list[bool] = []
    outbox: list[OutboxItem] = []
    silenced_ids: list[int] = []
    silenced_events: list[bool] = []
    for item in events:
        incident = item.incident
        silenced = any(silence_matches(s, incident, groups.get(incident.host_id, set())) for s in silences)
        if silenced and not incident.silenced:
            incident.silenced = True
            silenced_ids.append(incident.id)
        silenced_events.append(silenced)
    alert_changes = alert_frames([(item.event, item.incident) for item in events])
    for item, silenced, frame in zip(events, silenced_events, alert_changes, strict=True):
        incident = item.incident
        host_groups = groups.get(incident.host_id, set())
        users = recipients[incident.host_id]
        alert, text = frame["alert"], dumps(frame)
        frames.extend((user_group(u.id), text) for u in users)
        if silenced:
            continue
        title, body = _title(item.event, incident), _body(item.event, incident)
        payload = {"event": item.event, "title": title, "body": body, "alert": alert}
        for user in users:
            preference = preferences.get(user.id)
            if preference is not None and not preference_wants(preference, incident, host_groups):
                continue
            notifications.append(
                Notification(
                    user=user,
                    incident=incident,
                    event=item.event,
                    severity=incident.severity,
                    title=title,
                    body=body,
                )
            )
            quiet = preference is not None and in_quiet_hours(preference, now)
            toasts.append(not quiet and (preference is None or preference.toasts))
            personal = preference.channel if preference is not None and preference.email else None
            if personal is not None and personal.enabled and not quiet:
                outbox.append(OutboxItem(channel=personal, payload=payload, next_attempt_at=now))
        for channel in channels:
            if SEVERITY_RANK[incident.severity] < SEVERITY_RANK[channel.min_severity]:  # type: ignore[index]
                continue
            wanted = channel_groups[channel.id]
            if wanted and not wanted & host_groups:
                continue
            outbox.append(OutboxItem(channel=channel, payload=payload, next_attempt_at=now))
    with transaction.atomic():
        if silenced_ids:
            Incident.objects.filter(id__in=silenced_ids).update(silenced=True)
        created = Notification.objects.bulk_create(notifications)
        OutboxItem.objects.bulk_create(outbox)
    toasted = [n for n, toast in zip(created, toasts, strict=True) if toast]
    for notification, frame in zip(toasted, notification_frames(toasted), strict=True):
        frames.append((user_group(notification.user_id), dumps(frame)))
    return frames


def preference_wants(preference: NotificationPreference, incident: Incident, host_groups: set[int]) -> bool:
    if SEVERITY_RANK[incident.severity] < SEVERITY_RANK[preference.min_severity]:  # type: ignore[index]
        return False
    wanted = {g.id for g in preference.groups.all()}
    return not wanted or bool(wanted & host_groups)


def in_quiet_hours(preference: NotificationPreference, now: datetime) -> bool:
    start, end = preference.quiet_start, preference.quiet_end
    if start is None or end is None or start == end:
        return False
    try:
        local = now.astimezone(ZoneInfo(preference.timezone)).time()
    except (ZoneInfoNotFoundError, ValueError):
        local = now.time()
    # A window may run over midnight (22:00-07:00).
    return start <= local < end if start < end else local >= start or local < end


def list_notifications(user: Any, *, unread: bool = False, limit: int = 100) -> QuerySet[Notification]:
    query = Notification.objects.filter(user=user)
    if unread:
        query = query.filter(read_at__isnull=True)
    return query[: max(1, min(limit, MAX_LIST))]


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: Sequence[int] | None) -> int:
    """Mark the user's notifications read (the given ids, or all when None); others' are untouched."""
    query = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=list(ids))
    return query.update(read_at=timezone.now())


# -------------------------------------------------------------------------------- alerts (REST)


def visible_incidents(user: Any) -> QuerySet[Incident]:
    return Incident.objects.filter(host__in=access.visible_hosts(user)).select_related(
        "rule", "host", "acknowledged_by"
    )


def list_incidents(
    user: Any, *, state: str | None = None, host: str | None = None, limit: int = 100
) -> QuerySet[Incident]:
    query = visible_incidents(user)
    if state:
        if state not in Incident.State.values:
            raise InvalidInput('state is "firing" or "resolved".')
        query = query.filter(state=state)
    if host:
        query = query.filter(host=access.get_visible_host(user, host))
    return query[: max(1, min(limit, MAX_LIST))]


def get_incident(user: Any, incident_id: object) -> Incident:
    incident = visible_incidents(user).filter(id=parse_id(incident_id, "Alert")).first()
    if incident is None:
        raise NotFound("Alert not found.")
    return incident


def acknowledge(
    user: Any, incident_id: object, ip: str | None = None
) -> tuple[Incident, list[tuple[str, str]]]:
    """Stop an incident's repeats and record who took it. Operators of the host and admins."""
    incident = get_incident(user, incident_id)
    access.get_operable_host(user, incident.host_id)
    if incident.acknowledged_at is None:
        now = timezone.now()
        Incident.objects.filter(id=incident.id, acknowledged_at__isnull=True).update(
            acknowledged_by=user, acknowledged_at=now
        )
        incident.refresh_from_db()
        record(
            "alert.acknowledge",
            actor=user,
            target=incident.host,
            ip=ip,
            alert=incident.id,
            rule=incident.rule_summary["name"],
            series=incident.series,
        )
    text = dumps(alert_frame("acknowledged", incident))
    frames = [(user_group(u.id), text) for u in access.users_who_see_host(incident.host_id)]
    return incident, frames


# ---------------------------------------------------------------------------------------- rules


def check_may_manage_alerts(user: Any) -> None:
    """Admins, and operators of at least one group, manage rules and silences (within scope)."""
    operated = access.operated_group_ids(user)
    if operated is not None and not operated:
        raise Forbidden("Managing alerts needs the operator role on a host group.")


def _check_scope(user: Any, host: Any, group: Any, *, manage: bool) -> None:
    """May the user see (or manage) something scoped to this host, this group, or every host?"""
    if host is not None:
        (access.get_operable_host if manage else access.get_visible_host)(user, host.id)
        return
    if group is not None:
        visible = access.visible_group_ids(user)
        if visible is not None and group.id not in visible:
            raise NotFound("Not found.")
        operated = access.operated_group_ids(user)
        if manage and operated is not None and group.id not in operated:
            raise Forbidden("You need the operator role on this group.")
        return
    if manage and not user.sees_everything:
        raise Forbidden("Only admins manage alerts that cover every host.")


def visible_rules(user: Any) -> QuerySet[AlertRule]:
    if user.sees_everything:
        return AlertRule.objects.all()
    groups = access.visible_group_ids(user) or set()
    hosts = access.visible_hosts(user)
    return AlertRule.objects.filter(
        Q(host__isnull=True, group__isnull=True, network__isnull=True)
        | Q(group_id__in=groups)
        | Q(host__in=hosts)
        | Q(network__host__in=hosts)
    )


def _seen(user: Any, row: Scoped | None, what: str, scope: Callable[[Scoped], tuple[Any, Any]]) -> Scoped:
    """A rule or silence if the user may see what it is scoped to (its (host, group)); otherwise
    NotFound worded as for a missing one, so its existence is not revealed."""
    if row is None:
        raise NotFound(f"{what} not found.")
    try:
        _check_scope(user, *scope(row), manage=False)
    except (NotFound, Forbidden) as exc:
        raise NotFound(f"{what} not found.") from exc
    return row


def get_rule(user: Any, rule_id: object) -> AlertRule:
    rule = AlertRule.objects.filter(id=parse_id(rule_id, "Rule")).first()
    return _seen(user, rule, "Rule", lambda r: (_scope_host(r.host, r.network), r.group))


def _scope_host(host: Any, network: Any) -> Any:
    """A rule watching one network is scoped to the host that network is seen from."""
    return host if host is not None else (network.host if network is not None else None)


def _resolve_scope(fields: dict[str, Any]) -> None:
    """Turn host, group and network ids into rows (NotFound for unknown ones)."""
    if fields.get("network") is not None:
        network = Network.objects.select_related("host").filter(id=fields["network"]).first()
        if network is None:
            raise NotFound("Network not found.")
        fields["network"] = network
    if fields.get("host") is not None:
        host = Host.objects.filter(id=parse_uuid(fields["host"], "Host")).first()
        if host is None:
            raise NotFound("Host not found.")
        fields["host"] = host
    if fields.get("group") is not None:
        group = HostGroup.objects.filter(id=fields["group"]).first()
        if group is None:
            raise NotFound("Group not found.")
        fields["group"] = group


def _validate_rule(rule: AlertRule) -> None:
    if rule.source == AlertRule.Source.METRIC and rule.metric not in METRICS:
        raise InvalidInput(f"Unknown metric {rule.metric!r}: use one of {', '.join(sorted(METRICS))}.")
    if rule.source == AlertRule.Source.HOST_OFFLINE:
        rule.metric = ""
        if rule.threshold < 1:
            raise InvalidInput("A host-offline rule's threshold is the missed intervals, at least 1.")
    if rule.source == AlertRule.Source.NETWORK_EVENT:
        if rule.metric not in NetworkEvent.Kind.values:
            kinds = ", ".join(NetworkEvent.Kind.values)
            raise InvalidInput(f"A network event rule's metric is one of {kinds}.")
    elif rule.network_id:
        raise InvalidInput("Only network event rules watch a network.")
    if rule.source == AlertRule.Source.AGENT_DROPPING:
        rule.metric = ""
        if rule.threshold < 0:
            raise InvalidInput("An agent-dropping rule's threshold is a number of samples, 0 or more.")
    if rule.source == AlertRule.Source.JOB_FAILED:
        rule.metric = ""
    if rule.source == AlertRule.Source.TLS_EXPIRY:
        rule.metric, rule.comparison = "", AlertRule.Comparison.LT
        if rule.threshold <= 0:
            raise InvalidInput("A TLS expiry rule's threshold is the days left it warns under, above 0.")
    if rule.source == AlertRule.Source.HOST_EVENT and rule.metric not in HOST_EVENTS:
        raise InvalidInput(f"A host event rule's metric is one of {', '.join(HOST_EVENTS)}.")
    if sum(1 for scope in (rule.host_id, rule.group_id, rule.network_id) if scope) > 1:
        raise InvalidInput("Scope a rule to one host, one group or one network, not several.")
    if not isinstance(rule.exclude, list) or not all(isinstance(p, str) for p in rule.exclude):
        raise InvalidInput("exclude is a list of patterns.")


RULE_FIELDS = (
    "network",
    "name",
    "source",
    "metric",
    "match",
    "exclude",
    "comparison",
    "threshold",
    "for_seconds",
    "clear_threshold",
    "clear_seconds",
    "severity",
    "repeat_minutes",
    "host",
    "group",
    "enabled",
)


def create_rule(user: Any, fields: dict[str, Any], ip: str | None = None) -> AlertRule:
    check_may_manage_alerts(user)
    fields = {k: v for k, v in fields.items() if k in RULE_FIELDS}
    _resolve_scope(fields)
    scope_host = _scope_host(fields.get("host"), fields.get("network"))
    _check_scope(user, scope_host, fields.get("group"), manage=True)
    rule = AlertRule(created_by=user, **fields)
    _validate_rule(rule)
    rule.save()
    record("alert.rule.create", actor=user, target=rule, ip=ip, rule=RuleSerializer(rule).data)
    rules_changed()
    return rule


def update_rule(user: Any, rule_id: object, fields: dict[str, Any], ip: str | None = None) -> AlertRule:
    rule = get_rule(user, rule_id)
    _check_scope(user, _scope_host(rule.host, rule.network), rule.group, manage=True)
    fields = {k: v for k, v in fields.items() if k in RULE_FIELDS}
    _resolve_scope(fields)
    if "host" in fields or "group" in fields or "network" in fields:
        host = _scope_host(fields.get("host", rule.host), fields.get("network", rule.network))
        _check_scope(user, host, fields.get("group", rule.group), manage=True)
    for name, value in fields.items():
        setattr(rule, name, value)
    _validate_rule(rule)
    with transaction.atomic():
        rule.save()
        if not rule.enabled:
            # Nothing evaluates a disabled rule, so nothing would ever resolve what it fired.
            Incident.objects.filter(rule=rule, ended_at__isnull=True).update(
                state=Incident.State.RESOLVED, ended_at=timezone.now()
            )
    record("alert.rule.update", actor=user, target=rule, ip=ip, changes=sorted(fields))
    rules_changed()
    return rule


def delete_rule(user: Any, rule_id: object, ip: str | None = None) -> None:
    """Delete the rule; its alerts stay in the history (keep_history_of_deleted_rule)."""
    rule = get_rule(user, rule_id)
    _check_scope(user, _scope_host(rule.host, rule.network), rule.group, manage=True)
    record("alert.rule.delete", actor=user, target=rule, ip=ip)
    rule.delete()
    rules_changed()


def keep_history_of_deleted_rule(sender: Any, instance: AlertRule, **kwargs: Any) -> None:
    """Before a rule is deleted (by delete_rule, or with the group or network it is scoped to):
    its alerts keep what it was, and those still firing end now, quietly, as when a rule is
    disabled (nothing would ever evaluate them again). Notifications of its alerts not yet
    stored are dropped: they would tell of a rule that no longer exists."""
    alerts = Incident.objects.filter(rule=instance)
    alerts.update(deleted_rule=instance.snapshot(), pending_event="", pending_since=None)
    alerts.filter(ended_at__isnull=True).update(state=Incident.State.RESOLVED, ended_at=timezone.now())


# ------------------------------------------------------------------------------------- silences


def visible_silences(user: Any) -> QuerySet[Silence]:
    query = Silence.objects.select_related("created_by")
    if user.sees_everything:
        return query
    groups = access.visible_group_ids(user) or set()
    return query.filter(
        Q(host__isnull=True, group__isnull=True)
        | Q(group_id__in=groups)
        | Q(host__in=access.visible_hosts(user))
    )


def list_silences(user: Any, *, active: bool = False) -> QuerySet[Silence]:
    query = visible_silences(user)
    if active:
        query = query.filter(ends_at__gt=timezone.now())
    return query[:MAX_LIST]


def get_silence(user: Any, silence_id: object) -> Silence:
    silence = Silence.objects.select_related("created_by").filter(id=parse_id(silence_id, "Silence")).first()
    return _seen(user, silence, "Silence", lambda s: (s.host, s.group))


SILENCE_FIELDS = ("host", "group", "rule", "label", "starts_at", "ends_at", "comment")


def _validate_silence(silence: Silence) -> None:
    if not (silence.host_id or silence.group_id or silence.rule_id or silence.label):
        raise InvalidInput("A silence needs at least one matcher: host, group, rule or label.")
    if silence.ends_at <= silence.starts_at:
        raise InvalidInput("A silence ends after it starts.")


def _resolve_silence_fields(user: Any, fields: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in fields.items() if k in SILENCE_FIELDS}
    _resolve_scope(fields)
    if fields.get("rule") is not None:
        fields["rule"] = get_rule(user, fields["rule"])
    return fields


def _record_silence(action: str, user: Any, silence: Silence, ip: str | None) -> None:
    """The audit entry of a change to a silence: the silence as the API answers it."""
    record(
        f"alert.silence.{action}",
        actor=user,
        target_type="silence",
        target_name=silence.comment[:255],
        ip=ip,
        silence=SilenceSerializer(silence).data,
    )


def create_silence(user: Any, fields: dict[str, Any], ip: str | None = None) -> Silence:
    check_may_manage_alerts(user)
    fields = _resolve_silence_fields(user, fields)
    fields.setdefault("starts_at", timezone.now())
    _check_scope(user, fields.get("host"), fields.get("group"), manage=True)
    silence = Silence(created_by=user, **fields)
    _validate_silence(silence)
    silence.save()
    _record_silence("create", user, silence, ip)
    return silence


def update_silence(user: Any, silence_id: object, fields: dict[str, Any], ip: str | None = None) -> Silence:
    silence = get_silence(user, silence_id)
    _check_scope(user, silence.host, silence.group, manage=True)
    fields = _resolve_silence_fields(user, fields)
    if "host" in fields or "group" in fields:
        _check_scope(user, fields.get("host", silence.host), fields.get("group", silence.group), manage=True)
    for name, value in fields.items():
        setattr(silence, name, value)
    _validate_silence(silence)
    silence.save()
    _record_silence("update", user, silence, ip)
    return silence


def delete_silence(user: Any, silence_id: object, ip: str | None = None) -> None:
    silence = get_silence(user, silence_id)
    _check_scope(user, silence.host, silence.group, manage=True)
    _record_silence("delete", user, silence, ip)
    silence.delete()


# ------------------------------------------------------------------------------------- channels


def require_admin(user: Any) -> None:
    if not user.sees_everything:
        raise Forbidden("Only admins manage notification channels.")


def _validate_channel(channel: NotificationChannel) -> None:
    config = channel.config if isinstance(channel.config, dict) else {}
    if channel.kind == NotificationChannel.Kind.WEBHOOK:
        url = config.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput('A webhook channel needs config {"url": "https://…"}.')
        if len(channel.secret) < 16:
            raise InvalidInput("A webhook channel needs a signing secret of at least 16 characters.")
        channel.config = {"url": url}
    elif channel.kind == NotificationChannel.Kind.EMAIL:
        to = config.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
            raise InvalidInput('An email channel needs config {"to": ["ops@example.com", …]}.')
        for address in to:
            try:
                validate_email(address)
            except Exception as exc:
                raise InvalidInput(f"{address!r} is not an e-mail address.") from exc
        channel.config = {"to": to}
    elif channel.kind == NotificationChannel.Kind.APPRISE:
        if "://" not in channel.secret:
            raise InvalidInput("An Apprise channel needs its URL (e.g. ntfy://…) as the secret.")
        channel.config = {}
    else:
        raise InvalidInput("kind is email, webhook or apprise.")


def list_channels(user: Any) -> QuerySet[NotificationChannel]:
    require_admin(user)
    shared = NotificationChannel.objects.filter(personal_of__isnull=True)
    return shared.prefetch_related("groups")


def get_channel(user: Any, channel_id: object) -> NotificationChannel:
    require_admin(user)
    shared = NotificationChannel.objects.filter(personal_of__isnull=True)
    channel = shared.filter(id=parse_id(channel_id, "Channel")).first()
    if channel is None:
        raise NotFound("Channel not found.")
    return channel


CHANNEL_FIELDS = ("name", "kind", "config", "secret", "min_severity", "enabled")


def _save_channel(channel: NotificationChannel, fields: dict[str, Any]) -> None:
    groups = fields.pop("groups", None)
    for name, value in fields.items():
        if name in CHANNEL_FIELDS:
            setattr(channel, name, value)
    _validate_channel(channel)
    if NotificationChannel.objects.filter(name=channel.name).exclude(id=channel.id).exists():
        raise InvalidInput(f"A channel named {channel.name!r} exists.", code="duplicate")
    with transaction.atomic():
        channel.save()
        if groups is not None:
            found = list(HostGroup.objects.filter(id__in=groups))
            if len(found) != len(set(groups)):
                raise NotFound("Group not found.")
            channel.groups.set(found)


def create_channel(user: Any, fields: dict[str, Any], ip: str | None = None) -> NotificationChannel:
    require_admin(user)
    channel = NotificationChannel(created_by=user)
    _save_channel(channel, dict(fields))
    record("alert.channel.create", actor=user, target=channel, ip=ip, kind=channel.kind)
    return channel


def update_channel(
    user: Any, channel_id: object, fields: dict[str, Any], ip: str | None = None
) -> NotificationChannel:
    channel = get_channel(user, channel_id)
    _save_channel(channel, dict(fields))
    # The secret itself never reaches the audit log either.
    record("alert.channel.update", actor=user, target=channel, ip=ip, changes=sorted(fields))
    return channel


def delete_channel(user: Any, channel_id: object, ip: str | None = None) -> None:
    channel = get_channel(user, channel_id)
    record("alert.channel.delete", actor=user, target=channel, ip=ip)
    channel.delete()


# -------------------------------------------------------------------------------- network events


def _event_series(event: NetworkEvent) -> str:
    ip = event.device.ip if event.device is not None else ""
    return f"{ip}:{event.port}/{event.proto}" if event.port is not None else ip


def network_event_alerts(network: Network, events: Sequence[NetworkEvent], *, first_scan: bool) -> None:
    """Alerts for what a scan changed on a network, recorded as instant (already resolved) alerts.

    Called inside the transaction that stores the scan, which happens once per job (a replayed job
    is a no-op), so each event alerts once. A network's first scan finds everything "new": it
    alerts on nothing. A failure here is logged and leaves the scan's inventory stored.
    """
    if first_scan or not events:
        return
    try:
        with transaction.atomic():
            _network_event_alerts(network, events)
    except Exception:
        logger.exception("alerting on %d events of network %s failed", len(events), network.id)


def _network_event_alerts(network: Network, events: Sequence[NetworkEvent]) -> None:
    rules = list(AlertRule.objects.filter(enabled=True, source=AlertRule.Source.NETWORK_EVENT))
    if not rules:
        return
    host = network.host
    groups = set(host.groups.values_list("id", flat=True))
    # A TLS check scheduled from a network's host does not scan that network.
    watched = network.schedules.filter(enabled=True).exclude(tool=Schedule.Tool.TLS_CERT).exists()
    opened: list[AlertEvent] = []
    for rule in rules:
        if rule.network_id is not None:
            if rule.network_id != network.id:
                continue
        elif not watched:
            continue
        if not _in_scope(rule, host, groups):
            continue
        for event in events:
            series = _event_series(event)
            if event.kind != rule.metric or not _series_matches(rule, series):
                continue
            opened.append(_instant_alert(rule, host, series, event.ts))
    frames = notify(opened)
    if frames:
        transaction.on_commit(lambda: publish_texts_sync(frames))


def _in_scope(rule: AlertRule, host: Host, groups: set[int]) -> bool:
    """Does the rule cover this host (in these groups)? A rule without a host or group covers all."""
    return not (rule.host_id and rule.host_id != host.id) and not (
        rule.group_id and rule.group_id not in groups
    )


def _series_matches(rule: AlertRule, series: str) -> bool:
    if rule.match and not fnmatch.fnmatchcase(series, rule.match):
        return False
    return not any(fnmatch.fnmatchcase(series, p) for p in rule.exclude if isinstance(p, str))


# ------------------------------------------------------------------------- scheduled jobs


FAILED_JOB_STATES = ("failed", "interrupted")


def scheduled_job_ended(job: Any) -> None:
    """job_failed alerts for a job that just ended, if a schedule started it: a failed or
    interrupted run opens (or counts on) the schedule's incident, a finished one resolves it; a
    cancelled run changes nothing.

    Called in the transaction that records the job's end, which happens once per job (the first
    final event wins), so each run counts once. A failure here is logged; the job's end is kept."""
    try:
        with transaction.atomic():
            _scheduled_job_ended(job)
    except Exception:
        logger.exception("alerting on the end of job %s failed", job.id)


def _scheduled_job_ended(job: Any) -> None:
    failed = job.status in FAILED_JOB_STATES
    if not failed and job.status != "finished":
        return
    schedules = list(Schedule.objects.filter(last_job_id=job.id).select_related("network"))
    if not schedules:
        return
    sources = [AlertRule.Source.JOB_FAILED, AlertRule.Source.TLS_EXPIRY]
    all_rules = list(AlertRule.objects.filter(enabled=True, source__in=sources))
    rules = [r for r in all_rules if r.source == AlertRule.Source.JOB_FAILED]
    tls_rules = [r for r in all_rules if r.source == AlertRule.Source.TLS_EXPIRY]
    if not all_rules:
        return
    host = Host.objects.get(id=job.host_id)
    groups = set(host.groups.values_list("id", flat=True))
    when = job.finished_at or timezone.now()
    events: list[AlertEvent] = []
    for schedule in schedules:
        # One series per schedule: its tool and what it scans or checks.
        series = f"{schedule.tool} {_schedule_target(schedule)}"
        for rule in rules:
            if not _in_scope(rule, host, groups):
                continue
            if not _series_matches(rule, job.tool):  # a job rule's patterns match the tool
                continue
            open_one = Incident.objects.filter(
                rule=rule, host=host, series=series, ended_at__isnull=True
            ).first()
            if failed and open_one is None:
                opened = open_incident(rule.id, host.id, series, 1, 1, when)
                if opened is not None and opened[1]:
                    events.append(AlertEvent("firing", opened[0]))
            elif failed and open_one is not None:
                count = open_one.last_value + 1
                Incident.objects.filter(id=open_one.id).update(last_value=count, peak_value=count)
            elif open_one is not None:
                resolved = resolve_incident(open_one.id, when, open_one.peak_value, open_one.last_value)
                if resolved is not None:
                    events.append(AlertEvent("resolved", resolved))
    if tls_rules and job.tool == Schedule.Tool.TLS_CERT and job.status == "finished":
        for schedule in schedules:
            _tls_expiry(job, schedule, host, groups, tls_rules, when, events)
    frames = notify(events)
    if frames:
        transaction.on_commit(lambda: publish_texts_sync(frames))


def _schedule_target(schedule: Schedule) -> str:
    if schedule.tool == Schedule.Tool.TLS_CERT:
        params = schedule.params if isinstance(schedule.params, dict) else {}
        return f"{params.get('host', '')}:{params.get('port', 443)}"
    return schedule.network.cidr


def _days_left(job: Any) -> float | None:
    """Days to expiry of the leaf certificate in a finished tls_cert job's result."""
    result = job.result if isinstance(job.result, dict) else {}
    certificate = result.get("certificate")
    days = certificate.get("days_to_expiry") if isinstance(certificate, dict) else None
    if isinstance(days, bool) or not isinstance(days, int | float):
        return None
    return float(days)


def _tls_expiry(
    job: Any,
    schedule: Schedule,
    host: Host,
    groups: set[int],
    rules: list[AlertRule],
    when: datetime,
    events: list[AlertEvent],
) -> None:
    """A scheduled TLS check's result against the tls_expiry rules: under a rule's days it opens
    (or updates) the target's alert, at or above them it resolves it."""
    days = _days_left(job)
    if days is None:
        return
    series = _schedule_target(schedule)
    for rule in rules:
        if not _in_scope(rule, host, groups):
            continue
        if not _series_matches(rule, series):
            continue
        open_one = Incident.objects.filter(rule=rule, host=host, series=series, ended_at__isnull=True).first()
        if days < rule.threshold:
            if open_one is None:
                opened = open_incident(rule.id, host.id, series, days, days, when)
                if opened is not None and opened[1]:
                    events.append(AlertEvent("firing", opened[0]))
            else:
                Incident.objects.filter(id=open_one.id).update(
                    last_value=days, peak_value=min(days, open_one.peak_value)
                )
        elif open_one is not None:
            resolved = resolve_incident(open_one.id, when, open_one.peak_value, days)
            if resolved is not None:
                events.append(AlertEvent("resolved", resolved))


# ---------------------------------------------------------------------------------- preferences


def preferences(user: Any) -> NotificationPreference:
    """The user's choice, or the default (everything, in-app) when they never made one."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def update_preferences(user: Any, fields: dict[str, Any], ip: str | None = None) -> NotificationPreference:
    """The user's own choice of what reaches them; groups only among those they may see."""
    if "timezone" in fields:
        try:
            ZoneInfo(fields["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(f"Unknown time zone {fields['timezone']!r}.") from exc
    if fields.get("email") and not user.email:
        raise InvalidInput("Set an e-mail address on your profile before asking for e-mail.")
    groups = fields.pop("groups", None)
    if groups is not None:
        visible = access.visible_group_ids(user)
        known = set(HostGroup.objects.filter(id__in=groups).values_list("id", flat=True))
        if known != set(groups) or (visible is not None and not known <= visible):
            raise NotFound("Group not found.")
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        for name in ("min_severity", "toasts", "email", "quiet_start", "quiet_end", "timezone"):
            if name in fields:
                setattr(preference, name, fields[name])
        if preference.email:
            # A personal e-mail channel, so the outbox groups and retries it like any other.
            channel = preference.channel or NotificationChannel(name=f"personal e-mail of user {user.pk}")
            channel.kind = NotificationChannel.Kind.EMAIL
            channel.config = {"to": [user.email]}
            channel.enabled = True
            channel.save()
            preference.channel = channel
        elif preference.channel is not None:
            preference.channel.enabled = False
            preference.channel.save(update_fields=["enabled"])
        preference.save()
        if groups is not None:
            preference.groups.set(groups)
    record("alert.preferences.update", actor=user, target=user, ip=ip, changes=sorted(fields))
    return preferences(user)
