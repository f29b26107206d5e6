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
import math
import operator
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from everyst.agent.v1 import agent_pb2

from everyst_hub.inventory.models import Host
from everyst_hub.metrics.services import IncomingBatch

from . import services
from .metrics import METRICS, Series
from .models import AlertRule, Incident

logger = logging.getLogger(__name__)

Publish = Callable[[list[tuple[str, str]]], None]
Key = tuple[int, uuid.UUID, str]
Events = list[services.AlertEvent]
# Firing incidents' peak and last values reach the database this often, not on every sample.
SAVE_VALUES_EVERY = 30.0
FOR_JITTER_MS = 250
# An incident's notifications are stored within a second or so of its write; pending much longer,
# the hub that wrote it died first.
UNSENT_AFTER = 15.0

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
            # Samples a whole number of seconds apart carry a few ms of collection jitter: "for 5 s"
            # is met by the sample 5 s after the first breaching one, a hair early or not.
            for_ms=max(0, rule.for_seconds * 1000 - FOR_JITTER_MS),
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


@dataclass(frozen=True, slots=True)
class _Watch:
    """One metric a host's rules read, with the bounds no rule of it can breach between."""

    read: Callable[[agent_pb2.Sample], Series]
    # The metric's one value, for a single-valued metric (Metric.value).
    value: Callable[[agent_pb2.Sample], float] | None
    family: str
    rules: list[CompiledRule]
    low: float
    high: float


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
        self,
        publish: Publish | None = None,
        wake_delivery: Callable[[], None] | None = None,
        dispatch: Callable[[Events], None] | None = None,
    ) -> None:
        """Without `dispatch`, notifications are written and published inline; the hub passes one
        that hands them to its own worker, so a storm's fan-out never holds up ingest."""
        self.publish = publish
        self.wake_delivery = wake_delivery
        self.dispatch = dispatch
        self._lock = threading.Lock()
        self._rules: list[CompiledRule] = []
        self._offline_rules: list[CompiledRule] = []
        self._event_rules: list[CompiledRule] = []
        # Each host's listening ports as last reported, since this hub started (host events).
        self._listening: dict[uuid.UUID, set[str]] = {}
        self._dropping_rules: list[CompiledRule] = []
        self._job_rules: list[CompiledRule] = []
        # Each host's dropped-sample total as last seen, and its recent growth (ts_ms, samples).
        self._dropped: dict[uuid.UUID, int] = {}
        self._drops: dict[uuid.UUID, deque[tuple[int, int]]] = {}
        self._generation = -1
        self._version: tuple[int, Any] | None = None
        self._host_groups: dict[uuid.UUID, set[int]] = {}
        self._plans: dict[uuid.UUID, list[_Watch]] = {}
        # By host first: a sample of a host with no breach anywhere costs one lookup here.
        self.states: dict[uuid.UUID, dict[tuple[int, str], SeriesState]] = {}
        self._values_saved = time.monotonic()
        self.evaluated = 0

    # ---------------------------------------------------------------------------- loading

    def load(self) -> None:
        """Rules, host groups and open incidents from the database (start, and rule changes)."""
        with self._lock:
            self._load_rules()
            self._load_host_groups()
            self._sync_incidents()
            # The baseline of agent_dropping rules, so drops stored before this start are not
            # taken for new ones (ingest stores the total before the engine sees the batch).
            self._dropped = dict(Host.objects.values_list("id", "dropped_samples"))

    def _load_rules(self) -> None:
        self._generation = services.rules_generation()
        self._version = services.rules_version()
        compiled = [CompiledRule.of(r) for r in AlertRule.objects.filter(enabled=True)]
        self._rules = [r for r in compiled if r.source == AlertRule.Source.METRIC and r.metric in METRICS]
        self._offline_rules = [r for r in compiled if r.source == AlertRule.Source.HOST_OFFLINE]
        self._event_rules = [
            r
            for r in compiled
            if r.source == AlertRule.Source.HOST_EVENT and r.metric in services.HOST_EVENTS
        ]
        self._dropping_rules = [r for r in compiled if r.source == AlertRule.Source.AGENT_DROPPING]
        # Opened and resolved by alerts/services.py as jobs end; the engine only repeats them.
        self._job_rules = [r for r in compiled if r.source == AlertRule.Source.JOB_FAILED]
        self._plans.clear()
        live = {r.id for r in compiled}
        for host_id, rkey, state in self._all():
            # A disabled or deleted rule's breaches are forgotten; its open incidents stay open
            # until _sync_incidents finds them closed (disabling or deleting a rule ends them).
            if rkey[0] not in live and state.incident_id is None:
                self._pop(host_id, rkey)

    def _all(self) -> list[tuple[uuid.UUID, tuple[int, str], SeriesState]]:
        return [(h, k, s) for h, states in self.states.items() for k, s in states.items()]

    def _pop(self, host_id: uuid.UUID, rkey: tuple[int, str]) -> None:
        states = self.states.get(host_id)
        if states is not None:
            states.pop(rkey, None)
            if not states:
                del self.states[host_id]

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
        open_rows = Incident.objects.filter(ended_at__isnull=True, rule__isnull=False).values_list(
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
            states = self.states.setdefault(host_id, {})
            state = states.get((rule_id, series))
            if state is None or state.incident_id != incident_id:
                state = states[(rule_id, series)] = SeriesState(peak=peak, last=last, incident_id=incident_id)
            state.last_notified = notified
            state.acknowledged = acked is not None
        for host_id, rkey, state in self._all():
            if state.incident_id is not None and state.incident_id not in seen:
                self._pop(host_id, rkey)

    def _plan(self, host_id: uuid.UUID) -> list[_Watch]:
        groups = self._host_groups.get(host_id, set())
        by_metric: dict[str, list[CompiledRule]] = {}
        for rule in self._rules:
            if rule.applies_to(host_id, groups):
                by_metric.setdefault(rule.metric, []).append(rule)
        plan = []
        for metric, rules in by_metric.items():
            spec = METRICS[metric]
            up = [r.threshold for r in rules if r.upward]
            down = [r.threshold for r in rules if not r.upward]
            plan.append(
                _Watch(
                    spec.read,
                    spec.value,
                    spec.family,
                    rules,
                    min(up, default=math.inf),
                    max(down, default=-math.inf),
                )
            )
        self._plans[host_id] = plan
        return plan

    # ------------------------------------------------------------------------- evaluation

    def observe(self, batches: Sequence[IncomingBatch]) -> None:
        """Evaluate freshly stored batches (the ingest writer's thread, after its commit)."""
        events: Events = []
        with self._lock:
            if self._generation != services.rules_generation():
                self._load_rules()
            plans, states = self._plans, self.states
            for item in batches:
                host_id = item.host_id
                # Kept whether or not a rule watches it: a rule added later must not take
                # old drops for new ones.
                self._dropping(item, events)
                if not self._rules and not self._event_rules:
                    continue
                if self._event_rules:
                    self._host_events(item, events)
                plan = plans.get(host_id)
                if plan is None:
                    plan = self._plan(host_id)
                if not plan:
                    continue
                for sample in item.batch.samples:
                    # A set: each watch looks its family up in it.
                    unavailable = set(sample.unavailable) if sample.unavailable else None
                    tracked = states.get(host_id)
                    for watch in plan:
                        if unavailable is not None and watch.family in unavailable:
                            continue
                        one = watch.value
                        if one is not None and tracked is None:
                            # The common case without building the series (as below).
                            value = one(sample)
                            if watch.high < value < watch.low:
                                continue
                        for key, value in watch.read(sample):
                            # Below every upward threshold, above every downward one: no rule
                            # of this metric can breach, and nothing is tracked to clear.
                            if tracked is None and watch.high < value < watch.low:
                                continue
                            for rule in watch.rules:
                                # The common case, nothing breached and nothing tracked: done.
                                if tracked is None and not rule.compare(value, rule.threshold):
                                    continue
                                if rule.matches(key):
                                    self._step(rule, host_id, key, value, sample.ts_ms, events)
                                    tracked = states.get(host_id)
                self.evaluated += len(item.batch.samples)
            self._notify(events)

    def _step(
        self, rule: CompiledRule, host_id: uuid.UUID, series: str, value: float, ts_ms: int, events: Events
    ) -> None:
        key = (rule.id, host_id, series)
        states = self.states.get(host_id)
        state = states.get((rule.id, series)) if states is not None else None
        breach = rule.compare(value, rule.threshold)
        if state is None:
            if not breach:
                return
            state = SeriesState(pending_since=ts_ms, peak=value, last=value)
            self.states.setdefault(host_id, {})[(rule.id, series)] = state
        if state.incident_id is None:
            if not breach:
                self._pop(host_id, (rule.id, series))
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

    def _dropping(self, item: IncomingBatch, events: Events) -> None:
        """agent_dropping rules: the value is how many samples the agent dropped within the rule's
        window (for_seconds; 0: since its previous batch); it fires as soon as that breaches the
        threshold, and resolves once no batch has reported a new drop for clear_seconds."""
        host_id, total = item.host_id, item.batch.dropped_total
        samples = item.batch.samples
        before = self._dropped.get(host_id, 0)
        self._dropped[host_id] = total
        # Reinstalled agent (count back to 0): a new baseline, not a drop.
        grown = total - before if total > before else 0
        if not samples or (not self._dropping_rules and not grown):
            return
        # The usual batch: nothing dropped, nothing tracked for this host, no window to age.
        if not grown and host_id not in self._drops and host_id not in self.states:
            return
        ts_ms = max(s.ts_ms for s in samples)
        drops = self._drops.get(host_id)
        if grown:
            if drops is None:
                drops = self._drops[host_id] = deque()
            drops.append((ts_ms, grown))
        if drops is not None:
            longest = max((r.for_ms + FOR_JITTER_MS for r in self._dropping_rules), default=0)
            while drops and drops[0][0] < ts_ms - longest:
                drops.popleft()
            if not drops:
                del self._drops[host_id]
        if not self._dropping_rules:
            return
        groups = self._host_groups.get(host_id, set())
        for rule in self._dropping_rules:
            if not rule.applies_to(host_id, groups):
                continue
            window = rule.for_ms + FOR_JITTER_MS if rule.for_ms else 0
            in_window = [(t, n) for t, n in drops or () if t >= ts_ms - window] if window else []
            value = sum(n for _, n in in_window) if window else grown
            state = self.states.get(host_id, {}).get((rule.id, ""))
            if state is None or state.incident_id is None:
                if not rule.compare(value, rule.threshold):
                    if state is not None:
                        self._pop(host_id, (rule.id, ""))
                    continue
                first = in_window[0][0] if in_window else ts_ms
                state = SeriesState(pending_since=first, peak=value, last=value)
                self.states.setdefault(host_id, {})[(rule.id, "")] = state
                self._fire(rule, (rule.id, host_id, ""), state, ts_ms, events)
                if state.incident_id is not None:
                    state.clear_since = ts_ms
                continue
            # Firing: the incident's value is every sample dropped since it began.
            if grown:
                state.last += grown
                state.peak = state.last
                state.dirty = True
                state.clear_since = ts_ms
            elif state.clear_since is None:  # adopted after a restart: quiet from now on
                state.clear_since = ts_ms
            elif ts_ms - state.clear_since >= rule.clear_ms:
                self._resolve((rule.id, host_id, ""), state, ts_ms, events)

    def _host_events(self, item: IncomingBatch, events: Events) -> None:
        """New listening ports, from the samples that list them (every 30 s). The first list a host
        sends after this hub started is the baseline: a restart or a move to another replica
        alerts on nothing it cannot tell is new."""
        host_id = item.host_id
        for sample in item.batch.samples:
            if not sample.HasField("listening"):
                continue
            ports = {f"{s.port}/{s.protocol}" for s in sample.listening.sockets}
            before = self._listening.get(host_id)
            self._listening[host_id] = ports
            opened = ports - before if before is not None else set()
            if not opened:
                continue
            groups = self._host_groups.get(host_id, set())
            for rule in self._event_rules:
                if rule.metric != "listening_port_new" or not rule.applies_to(host_id, groups):
                    continue
                for series in sorted(opened):
                    if rule.matches(series):
                        try:
                            events.extend(
                                services.record_host_event(rule.id, host_id, series, _dt(sample.ts_ms))
                            )
                        except Exception:
                            logger.exception(
                                "recording a host event of rule %s on %s failed", rule.id, host_id
                            )

    def _fire(self, rule: CompiledRule, key: Key, state: SeriesState, ts_ms: int, events: Events) -> None:
        """Open the incident at once (rare), so the next sample already sees it firing."""
        started = _dt(state.pending_since if state.pending_since is not None else ts_ms)
        try:
            opened = services.open_incident(rule.id, key[1], key[2], state.last, state.peak, started)
        except Exception:
            logger.exception("opening an incident of rule %s on %s failed", rule.id, key[1])
            return  # still pending: the next breaching sample tries again
        if opened is None:  # the rule or host is gone
            self._pop(key[1], (key[0], key[2]))
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
        self._pop(key[1], (key[0], key[2]))
        if resolved is not None:  # else closed elsewhere, which told people
            events.append(services.AlertEvent("resolved", resolved))

    def _notify(self, events: list[services.AlertEvent]) -> None:
        if not events:
            return
        if self.dispatch is not None:
            self.dispatch(events)
            return
        self.notify_now(events)

    def notify_now(self, events: list[services.AlertEvent]) -> None:
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
        now = now or timezone.now()
        with self._lock:
            if self._generation != services.rules_generation() or self._version != services.rules_version():
                self._load_rules()
            self._load_host_groups()
            self._sync_incidents()
            events: Events = []
            if self._offline_rules:
                self._check_offline(now, events)
            # What a hub that died between an incident's write and its fan-out left untold.
            events.extend(services.unsent_events(now - timedelta(seconds=UNSENT_AFTER)))
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
        rules = {
            r.id: r
            for r in self._rules + self._offline_rules + self._dropping_rules + self._job_rules
            if r.repeat_ms
        }
        if not rules:
            return
        events: list[services.AlertEvent] = []
        for _, (rule_id, _), state in self._all():
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
        tracked = [state for _, _, state in self._all()]
        dirty = [(s.incident_id, s.peak, s.last) for s in tracked if s.dirty and s.incident_id]
        services.save_values(dirty)  # type: ignore[arg-type]
        for state in tracked:
            state.dirty = False
        self._values_saved = time.monotonic()
