"""The alert engine: evaluates rules against samples as ingest stores them, with each rule's state
per host and series in memory.

Per sample the work is small: the host's plan (its rules, compiled and grouped by metric, built
once per host and rule set) names the few metrics to read; a series on the right side of its
threshold with no state allocates nothing. The database is touched only when something fires,
resolves or repeats, and by `tick()` every few seconds (rule changes, host groups, host offline,
repeats, incidents closed or acknowledged elsewhere).

Incidents are the durable state: on start the engine loads the open ones, so a restarted hub
neither fires again nor forgets to resolve; the one-open-incident constraint makes a second
replica's attempt to fire the same breach a no-op.
"""

from __future__ import annotations

import fnmatch
import logging
import operator
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from everyst_hub.inventory.models import Host
from everyst_hub.metrics.services import IncomingBatch

from . import services
from .metrics import METRICS
from .models import AlertRule, Incident

logger = logging.getLogger(__name__)

Publish = Callable[[list[tuple[str, str]]], None]
Key = tuple[int, uuid.UUID, str]
Events = list[services.AlertEvent]
# Firing incidents' peak and last values reach the database this often, not on every sample.
SAVE_VALUES_EVERY = 30.0

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
# The negation of each comparison, against the clear bound: a "> 90, clear 85" rule resolves at or
# below 85, and a "> 0" count rule (failed units) at 0.
_CLEAR: dict[str, Callable[[float, float], bool]] = {
    ">": operator.le,
    ">=": operator.lt,
    "<": operator.ge,
    "<=": operator.gt,
}


@dataclass(frozen=True, eq=False)
class CompiledRule:
    id: int
    source: str
    metric: str
    match: str
    exclude: tuple[str, ...]
    threshold: float
    clear_threshold: float
    compare: Callable[[float, float], bool]
    clear: Callable[[float, float], bool]
    upward: bool
    for_ms: int
    clear_ms: int
    repeat_ms: int
    host_id: uuid.UUID | None
    group_id: int | None
    _matches: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, rule: AlertRule) -> CompiledRule:
        clear = rule.clear_threshold if rule.clear_threshold is not None else rule.threshold
        return cls(
            id=rule.id,
            source=rule.source,
            metric=rule.metric,
            match=rule.match,
            exclude=tuple(p for p in rule.exclude if isinstance(p, str)),
            threshold=rule.threshold,
            clear_threshold=clear,
            compare=_COMPARE[rule.comparison],
            clear=_CLEAR[rule.comparison],
            upward=rule.comparison in (">", ">="),
            for_ms=rule.for_seconds * 1000,
            clear_ms=rule.clear_seconds * 1000,
            repeat_ms=rule.repeat_minutes * 60_000,
            host_id=rule.host_id,
            group_id=rule.group_id,
        )

    def applies_to(self, host_id: uuid.UUID, groups: set[int]) -> bool:
        if self.host_id is not None:
            return self.host_id == host_id
        return self.group_id is None or self.group_id in groups

    def matches(self, key: str) -> bool:
        """Does the series selector take this key? Cached: a host's keys hardly ever change."""
        found = self._matches.get(key)
        if found is None:
            found = (not self.match or fnmatch.fnmatchcase(key, self.match)) and not any(
                fnmatch.fnmatchcase(key, p) for p in self.exclude
            )
            if len(self._matches) < 10_000:
                self._matches[key] = found
        return found


@dataclass(slots=True)
class SeriesState:
    pending_since: int | None = None  # ms: when the breach began
    peak: float = 0.0
    last: float = 0.0
    incident_id: int | None = None
    clear_since: int | None = None
    last_notified: datetime | None = None
    acknowledged: bool = False
    dirty: bool = False


def _dt(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


class AlertEngine:
    def __init__(
        self, publish: Publish | None = None, wake_delivery: Callable[[], None] | None = None
    ) -> None:
        self.publish = publish
        self.wake_delivery = wake_delivery
        self._lock = threading.Lock()
        self._rules: list[CompiledRule] = []
        self._offline_rules: list[CompiledRule] = []
        self._generation = -1
        self._version: tuple[int, Any] | None = None
        self._host_groups: dict[uuid.UUID, set[int]] = {}
        self._plans: dict[uuid.UUID, dict[str, list[CompiledRule]]] = {}
        self.states: dict[Key, SeriesState] = {}
        self._values_saved = time.monotonic()
        self.evaluated = 0

    # ---------------------------------------------------------------------------- loading

    def load(self) -> None:
        """Rules, host groups and open incidents from the database (start, and rule changes)."""
        with self._lock:
            self._load_rules()
            self._load_host_groups()
            self._sync_incidents()

    def _load_rules(self) -> None:
        self._generation = services.rules_generation()
        self._version = services.rules_version()
        compiled = [CompiledRule.of(r) for r in AlertRule.objects.filter(enabled=True)]
        self._rules = [r for r in compiled if r.source == AlertRule.Source.METRIC and r.metric in METRICS]
        self._offline_rules = [r for r in compiled if r.source == AlertRule.Source.HOST_OFFLINE]
        self._plans.clear()
        live = {r.id for r in compiled}
        for key in [k for k in self.states if k[0] not in live]:
            # A disabled or deleted rule's breaches are forgotten; its open incidents stay open
            # until _sync_incidents finds them closed (deleting a rule deletes its incidents).
            if self.states[key].incident_id is None:
                del self.states[key]

    def _load_host_groups(self) -> None:
        groups: dict[uuid.UUID, set[int]] = {}
        for host_id, group_id in Host.groups.through.objects.values_list("host_id", "hostgroup_id"):
            groups.setdefault(host_id, set()).add(group_id)
        if groups != self._host_groups:
            self._host_groups = groups
            self._plans.clear()

    def _sync_incidents(self) -> None:
        """Adopt incidents opened elsewhere (a restart, another replica), drop those closed
        elsewhere, and learn acknowledgements."""
        open_rows = Incident.objects.filter(ended_at__isnull=True).values_list(
            "id",
            "rule_id",
            "host_id",
            "series",
            "peak_value",
            "last_value",
            "last_notified_at",
            "acknowledged_at",
        )
        seen: set[int] = set()
        for incident_id, rule_id, host_id, series, peak, last, notified, acked in open_rows:
            seen.add(incident_id)
            key = (rule_id, host_id, series)
            state = self.states.get(key)
            if state is None or state.incident_id != incident_id:
                state = self.states[key] = SeriesState(peak=peak, last=last, incident_id=incident_id)
            state.last_notified = notified
            state.acknowledged = acked is not None
        for key in [
            k for k, s in self.states.items() if s.incident_id is not None and s.incident_id not in seen
        ]:
            del self.states[key]

    def _plan(self, host_id: uuid.UUID) -> dict[str, list[CompiledRule]]:
        groups = self._host_groups.get(host_id, set())
        plan: dict[str, list[CompiledRule]] = {}
        for rule in self._rules:
            if rule.applies_to(host_id, groups):
                plan.setdefault(rule.metric, []).append(rule)
        self._plans[host_id] = plan
        return plan

    # ------------------------------------------------------------------------- evaluation

    def observe(self, batches: Sequence[IncomingBatch]) -> None:
        """Evaluate freshly stored batches (the ingest writer's thread, after its commit)."""
        events: Events = []
        with self._lock:
            if self._generation != services.rules_generation():
                self._load_rules()
            if not self._rules:
                return
            plans = self._plans
            for item in batches:
                host_id = item.host_id
                plan = plans.get(host_id)
                if plan is None:
                    plan = self._plan(host_id)
                if not plan:
                    continue
                for sample in item.batch.samples:
                    unavailable = sample.unavailable
                    for metric, rules in plan.items():
                        spec = METRICS[metric]
                        if unavailable and spec.family in unavailable:
                            continue
                        for key, value in spec.read(sample):
                            for rule in rules:
                                if rule.matches(key):
                                    self._step(rule, host_id, key, value, sample.ts_ms, events)
                self.evaluated += len(item.batch.samples)
            self._notify(events)

    def _step(
        self, rule: CompiledRule, host_id: uuid.UUID, series: str, value: float, ts_ms: int, events: Events
    ) -> None:
        key = (rule.id, host_id, series)
        state = self.states.get(key)
        breach = rule.compare(value, rule.threshold)
        if state is None:
            if not breach:
                return
            state = self.states[key] = SeriesState(pending_since=ts_ms, peak=value, last=value)
        if state.incident_id is None:
            if not breach:
                del self.states[key]
                return
            if state.pending_since is None:
                state.pending_since = ts_ms
            state.last = value
            if (value > state.peak) == rule.upward:
                state.peak = value
            if ts_ms - state.pending_since >= rule.for_ms:
                self._fire(rule, key, state, ts_ms, events)
            return
        state.last = value
        state.dirty = True
        if (value > state.peak) == rule.upward:
            state.peak = value
        if rule.clear(value, rule.clear_threshold):
            if state.clear_since is None:
                state.clear_since = ts_ms
            if ts_ms - state.clear_since >= rule.clear_ms:
                self._resolve(key, state, ts_ms, events)
        else:
            state.clear_since = None

    def _fire(self, rule: CompiledRule, key: Key, state: SeriesState, ts_ms: int, events: Events) -> None:
        """Open the incident at once (rare), so the next sample already sees it firing."""
        started = _dt(state.pending_since if state.pending_since is not None else ts_ms)
        try:
            opened = services.open_incident(rule.id, key[1], key[2], state.last, state.peak, started)
        except Exception:
            logger.exception("opening an incident of rule %s on %s failed", rule.id, key[1])
            return  # still pending: the next breaching sample tries again
        if opened is None:  # the rule or host is gone
            self.states.pop(key, None)
            return
        incident, created = opened
        state.incident_id, state.pending_since, state.clear_since = incident.id, None, None
        state.last_notified = incident.last_notified_at
        state.acknowledged = incident.acknowledged_at is not None
        if created:
            events.append(services.AlertEvent("firing", incident))

    def _resolve(self, key: Key, state: SeriesState, ts_ms: int, events: Events) -> None:
        assert state.incident_id is not None
        try:
            resolved = services.resolve_incident(state.incident_id, _dt(ts_ms), state.peak, state.last)
        except Exception:
            logger.exception("resolving incident %s failed", state.incident_id)
            return
        self.states.pop(key, None)
        if resolved is not None:  # else closed elsewhere, which told people
            events.append(services.AlertEvent("resolved", resolved))

    def _notify(self, events: list[services.AlertEvent]) -> None:
        if not events:
            return
        try:
            frames = services.notify(events)
        except Exception:
            logger.exception("notifying %d alert events failed", len(events))
            return
        if self.publish is not None and frames:
            self.publish(frames)
        if self.wake_delivery is not None:
            self.wake_delivery()

    # ------------------------------------------------------------------------------ ticks

    def tick(self, now: datetime | None = None) -> None:
        """The periodic part (every EVERYST_ALERTS_TICK_SECONDS): rules changed on another
        replica, host groups, hosts gone silent, repeats, and incidents closed elsewhere."""
        close_old_connections()
        now = now or timezone.now()
        with self._lock:
            if self._generation != services.rules_generation() or self._version != services.rules_version():
                self._load_rules()
            self._load_host_groups()
            self._sync_incidents()
            events: Events = []
            if self._offline_rules:
                self._check_offline(now, events)
            self._notify(events)
            self._repeat(now)
            if time.monotonic() - self._values_saved >= SAVE_VALUES_EVERY:
                self.save_values()

    def _check_offline(self, now: datetime, events: Events) -> None:
        now_ms = int(now.timestamp() * 1000)
        for host_id, last_seen, interval_ms in Host.objects.values_list(
            "id", "last_seen", "collect_interval_ms"
        ):
            if last_seen is None:
                continue  # never reported: not enrolled far enough to be "offline"
            missed = (now - last_seen).total_seconds() * 1000 / max(interval_ms, 1)
            groups = self._host_groups.get(host_id, set())
            for rule in self._offline_rules:
                if rule.applies_to(host_id, groups):
                    self._step(rule, host_id, "", round(missed, 1), now_ms, events)

    def _repeat(self, now: datetime) -> None:
        rules = {r.id: r for r in self._rules + self._offline_rules if r.repeat_ms}
        if not rules:
            return
        events: list[services.AlertEvent] = []
        for (rule_id, _, _), state in self.states.items():
            rule = rules.get(rule_id)
            if rule is None or state.incident_id is None or state.acknowledged:
                continue
            if state.last_notified and (now - state.last_notified).total_seconds() * 1000 < rule.repeat_ms:
                continue
            incident = services.claim_repeat(state.incident_id, state.last_notified, now)
            state.last_notified = now
            if incident is not None:
                events.append(services.AlertEvent("repeat", incident))
        self._notify(events)

    def save_values(self) -> None:
        dirty = [(s.incident_id, s.peak, s.last) for s in self.states.values() if s.dirty and s.incident_id]
        services.save_values(dirty)  # type: ignore[arg-type]
        for state in self.states.values():
            state.dirty = False
        self._values_saved = time.monotonic()
