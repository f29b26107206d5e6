"""Alert rules, the incidents they raise, silences, and the notifications that leave the hub."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Severity(models.TextChoices):
    WARNING = "warning"
    CRITICAL = "critical"


class AlertRule(models.Model):
    class Source(models.TextChoices):
        METRIC = "metric"
        HOST_OFFLINE = "host_offline"
        # A change a scan found on a network (metric names the kind: device_new, port_opened, …).
        NETWORK_EVENT = "network_event"
        # A change on the host itself (metric names it: listening_port_new).
        HOST_EVENT = "host_event"
        # An agent whose spool overflowed, so samples were lost (its dropped count grew).
        AGENT_DROPPING = "agent_dropping"
        # A scheduled scan or tool run that failed or was interrupted (match: the tool name).
        JOB_FAILED = "job_failed"
        # A scheduled TLS check found a certificate expiring in fewer than `threshold` days.
        TLS_EXPIRY = "tls_expiry"

    class Comparison(models.TextChoices):
        GT = ">"
        GTE = ">="
        LT = "<"
        LTE = "<="

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.METRIC)
    # A name from alerts/metrics.py (e.g. "disk.percent"), a network event kind, or empty.
    metric = models.CharField(max_length=64, blank=True)
    # Which series of the metric: a shell pattern on its key ("/", "eth*"); empty is any.
    match = models.CharField(max_length=200, blank=True)
    exclude = models.JSONField(default=list, blank=True, help_text="patterns of series keys to skip")
    comparison = models.CharField(max_length=2, choices=Comparison.choices, default=Comparison.GT)
    # For host_offline: missed collection intervals.
    threshold = models.FloatField()
    for_seconds = models.PositiveIntegerField(default=0)
    # Hysteresis: resolves only once on the other side of this bound (default: the threshold) …
    clear_threshold = models.FloatField(null=True, blank=True)
    # … for this long.
    clear_seconds = models.PositiveIntegerField(default=0)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    # Notify again while firing and unacknowledged; 0 never repeats.
    repeat_minutes = models.PositiveIntegerField(default=0)
    # Scope: one host, else one group, else every host.
    host = models.ForeignKey(
        "inventory.Host", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    group = models.ForeignKey(
        "inventory.HostGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    # Network events: the network this rule watches; without one, every watched network in scope
    # (one scanned on an enabled schedule).
    network = models.ForeignKey(
        "network.Network", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    enabled = models.BooleanField(default=True)
    builtin = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict[str, Any]:
        """What its alerts keep of the rule once it is deleted (Incident.deleted_rule)."""
        return {
            "name": self.name,
            "source": self.source,
            "metric": self.metric,
            "comparison": self.comparison,
            "threshold": self.threshold,
        }


class Incident(models.Model):
    """One firing of one rule on one series of one host, from start to resolution."""

    class State(models.TextChoices):
        FIRING = "firing"
        RESOLVED = "resolved"

    # Null once the rule is deleted: the history stays, told by deleted_rule.
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    # The rule as it was when deleted ({"name", "source", "metric", "comparison", "threshold"}).
    deleted_rule = models.JSONField(null=True, blank=True)
    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="incidents")
    series = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.FIRING)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    peak_value = models.FloatField()
    last_value = models.FloatField()
    last_notified_at = models.DateTimeField(null=True, blank=True)
    # "firing" or "resolved" from the write that opened or closed the incident until its
    # notifications are stored: a hub that dies in between leaves it for the next tick to send.
    pending_event = models.CharField(max_length=16, blank=True, default="")
    pending_since = models.DateTimeField(null=True, blank=True)
    silenced = models.BooleanField(default=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # Two replicas (or a restarted hub) racing on the same breach: the second insert fails.
            models.UniqueConstraint(
                fields=["rule", "host", "series"],
                condition=Q(ended_at__isnull=True),
                name="one_open_incident_per_rule_host_series",
            )
        ]

    @property
    def rule_summary(self) -> dict[str, Any]:
        """The rule as it is, or as it was when deleted: its id (None once deleted), whether it
        is deleted, and the snapshot's fields."""
        if self.rule is not None:
            return {"id": self.rule.id, "deleted": False, **self.rule.snapshot()}
        kept = self.deleted_rule or {}
        return {
            "id": None,
            "deleted": True,
            **{name: kept.get(name, "") for name in ("name", "metric", "source", "comparison")},
            "threshold": kept.get("threshold", 0),
        }


class Silence(models.Model):
    """Matches incidents by every matcher given (host, group, rule, series label) between two times."""

    host = models.ForeignKey(
        "inventory.Host", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "inventory.HostGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200, blank=True, help_text="shell pattern on the series key")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    comment = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]


class Notification(models.Model):
    """An in-app notification of one user (the bell)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=16)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationChannel(models.Model):
    """Where notifications leave the hub. `secret` (webhook HMAC key, SMTP-free Apprise URL with
    its tokens) is write-only through the API."""

    class Kind(models.TextChoices):
        EMAIL = "email"
        WEBHOOK = "webhook"
        APPRISE = "apprise"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # email: {"to": [...]}; webhook: {"url": ...}; apprise: {} (its URL is the secret)
    config = models.JSONField(default=dict, blank=True)
    secret = models.TextField(blank=True)
    min_severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    groups = models.ManyToManyField("inventory.HostGroup", blank=True, related_name="+")
    enabled = models.BooleanField(default=True)
    # Grouping: nothing goes out within the window after the last message.
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # One replica sends a channel's queue at a time (claimed with a conditional UPDATE).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.secret)


class OutboxItem(models.Model):
    """One notification waiting to leave through one channel; kept after delivery as its record."""

    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="outbox")
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["channel", "delivered_at", "id"], name="outbox_pending")]


class NotificationPreference(models.Model):
    """What of the alerts a user may see reaches them. Without a row: everything, in-app."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    min_severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    # Only alerts of hosts in these groups; none means every host the user may see.
    groups = models.ManyToManyField("inventory.HostGroup", blank=True, related_name="+")
    # Toasts over the WebSocket (the bell's list is kept either way).
    toasts = models.BooleanField(default=True)
    # Also by e-mail to the user's own address, through a personal channel (grouped, retried).
    email = models.BooleanField(default=False)
    channel = models.OneToOneField(
        NotificationChannel, null=True, blank=True, on_delete=models.SET_NULL, related_name="personal_of"
    )
    # Quiet hours, in the user's time zone: no toast and no e-mail (the bell still counts them).
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")


class MailSettings(models.Model):
    """The hub's outgoing mail server as saved from the dashboard: one row (id 1). A null value is
    not saved here, and the environment's (EVERYST_EMAIL_*) applies (alerts/mail.py): null and an
    empty string differ (no user name saved vs. saved as none), hence nullable text columns."""

    class Security(models.TextChoices):
        NONE = "none", "none"
        STARTTLS = "starttls", "STARTTLS"
        TLS = "tls", "implicit TLS"

    host = models.CharField(max_length=253, null=True, blank=True)  # noqa: DJ001
    port = models.PositiveIntegerField(null=True, blank=True)
    security = models.CharField(max_length=8, choices=Security.choices, null=True, blank=True)  # noqa: DJ001
    username = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001
    # Fernet token under a key derived from SECRET_KEY, never the password as given.
    password = models.TextField(null=True, blank=True)  # noqa: DJ001
    from_address = models.CharField(max_length=320, null=True, blank=True)  # noqa: DJ001
    timeout_seconds = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
