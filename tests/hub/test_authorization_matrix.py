"""Every REST endpoint × every named user × a host in group A and one in group B.

The endpoints are read from the URL configuration, so a new endpoint without an entry in
POLICIES fails this suite until someone decides who may call it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from everyst.agent.v1 import agent_pb2
from everyst_hub.metrics.services import IncomingBatch, store_batches

from tests.conftest import access_token_for

# public: anyone; authenticated: any logged-in user; admin: owner and admin only;
# refresh_cookie: authenticated by the HttpOnly refresh cookie only (a bearer token is not enough);
# host_operate: operators of the host's group and admins; viewers get 403, others 404;
# host_view: users who may see the host in the path, or the host of the job, network or device in
# it (others get 404, not 403: existence is not revealed);
# alert_manager: admins and users who operate some group (rules, silences); others get 403.
# session: any logged-in user, never with an API token (credentials and profile);
# own_api_token: only the owner of the API token in the path (viewer_a here); others get 404.
#
# Two more callers hold API tokens limited to group A (accounts/api_tokens.py): the admin's
# read-only token and operator_a's operator token. Tokens are refused on every admin and session
# endpoint, read-only ones on every method that changes state, and both see only group A.
POLICIES: dict[tuple[str, str], str] = {
    ("POST", "auth/login"): "public",
    ("POST", "auth/refresh"): "refresh_cookie",
    ("POST", "auth/logout"): "public",
    ("GET", "auth/me"): "authenticated",
    ("PATCH", "auth/me"): "session",
    ("POST", "auth/password"): "session",
    ("GET", "auth/api-tokens"): "session",
    ("POST", "auth/api-tokens"): "session",
    ("DELETE", "auth/api-tokens/<int:api_token_id>"): "own_api_token",
    ("GET", "setup"): "public",
    ("POST", "setup"): "public",
    ("GET", "users"): "admin",
    ("POST", "users"): "admin",
    ("GET", "users/<int:user_id>"): "admin",
    ("PATCH", "users/<int:user_id>"): "admin",
    ("DELETE", "users/<int:user_id>"): "admin",
    ("POST", "users/<int:user_id>/password"): "admin",
    ("PUT", "users/<int:user_id>/access"): "admin",
    ("POST", "users/<int:user_id>/unlock"): "admin",
    ("GET", "hosts"): "authenticated",
    ("GET", "hosts/<str:host_id>"): "host_view",
    ("GET", "hosts/<str:host_id>/latest"): "host_view",
    ("GET", "hosts/<str:host_id>/samples"): "host_view",
    ("GET", "hosts/<str:host_id>/history"): "host_view",
    ("POST", "hosts/<str:host_id>/replace-agent"): "admin",
    ("GET", "agents"): "admin",
    ("GET", "agents/ca.pem"): "public",
    ("POST", "agents/<str:agent_id>/revoke"): "admin",
    ("GET", "enrollment-tokens"): "admin",
    ("POST", "enrollment-tokens"): "admin",
    ("DELETE", "enrollment-tokens/<int:token_id>"): "admin",
    ("GET", "host-groups"): "authenticated",
    ("POST", "host-groups"): "admin",
    ("PATCH", "host-groups/<int:group_id>"): "admin",
    ("DELETE", "host-groups/<int:group_id>"): "admin",
    ("PUT", "host-groups/<int:group_id>/hosts"): "admin",
    ("GET", "audit"): "admin",
    ("GET", "hosts/<str:host_id>/jobs"): "host_view",
    ("POST", "hosts/<str:host_id>/jobs"): "host_operate",
    ("GET", "jobs"): "authenticated",
    ("GET", "jobs/<str:job_id>"): "host_view",
    ("POST", "jobs/<str:job_id>/cancel"): "host_operate",
    ("GET", "jobs/<str:job_id>/artifact"): "host_view",
    ("GET", "hosts/<str:host_id>/networks"): "host_view",
    ("GET", "networks/<int:network_id>"): "host_view",
    ("GET", "networks/<int:network_id>/events"): "host_view",
    ("GET", "networks/<int:network_id>/scans"): "host_view",
    ("GET", "networks/<int:network_id>/schedules"): "host_view",
    ("POST", "networks/<int:network_id>/schedules"): "host_operate",
    ("PATCH", "schedules/<int:schedule_id>"): "host_operate",
    ("DELETE", "schedules/<int:schedule_id>"): "host_operate",
    ("GET", "devices/<int:device_id>"): "host_view",
    ("GET", "alerts"): "authenticated",
    ("GET", "alerts/metrics"): "authenticated",
    ("GET", "alerts/<int:alert_id>"): "host_view",
    ("POST", "alerts/<int:alert_id>/ack"): "host_operate",
    ("GET", "alert-rules"): "authenticated",
    ("POST", "alert-rules"): "alert_manager",
    ("GET", "alert-rules/<int:rule_id>"): "host_view",
    ("PATCH", "alert-rules/<int:rule_id>"): "host_operate",
    ("DELETE", "alert-rules/<int:rule_id>"): "host_operate",
    ("GET", "silences"): "authenticated",
    ("POST", "silences"): "alert_manager",
    ("GET", "silences/<int:silence_id>"): "host_view",
    ("PATCH", "silences/<int:silence_id>"): "host_operate",
    ("DELETE", "silences/<int:silence_id>"): "host_operate",
    ("GET", "notification-channels"): "admin",
    ("POST", "notification-channels"): "admin",
    ("PATCH", "notification-channels/<int:channel_id>"): "admin",
    ("DELETE", "notification-channels/<int:channel_id>"): "admin",
    ("POST", "notification-channels/<int:channel_id>/test"): "admin",
    ("GET", "mail-settings"): "admin",
    ("PUT", "mail-settings"): "admin",
    ("POST", "mail-settings/test"): "admin",
    ("GET", "notifications"): "authenticated",
    ("GET", "notifications/unread"): "authenticated",
    ("POST", "notifications/read"): "authenticated",
    ("GET", "notifications/preferences"): "authenticated",
    ("PUT", "notifications/preferences"): "authenticated",
}

USERS = ["anonymous", "outsider", "viewer_a", "operator_a", "admin", "owner"]
USERS += ["admin_read_token", "operator_a_token"]
TOKENS = {"admin_read_token": ("admin", "read"), "operator_a_token": ("operator_a", "operate")}
HOSTS = ["host_a", "host_b"]
# Path parameters that name a host, or something that belongs to one.
HOST_SCOPED = (
    "host_id", "job_id", "network_id", "schedule_id", "device_id", "alert_id", "rule_id", "silence_id"
)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def api_endpoints() -> list[tuple[str, str]]:
    found = []
    for route, callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "view_class", None)
        if not route.startswith("api/v1/") or view_class is None:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view_class, method):
                found.append((method.upper(), route.removeprefix("api/v1/")))
    return sorted(found)


def test_every_endpoint_has_an_authorization_policy() -> None:
    missing = [e for e in api_endpoints() if e not in POLICIES]
    assert not missing, f"add these endpoints to POLICIES: {missing}"
    stale = [e for e in POLICIES if e not in api_endpoints()]
    assert not stale, f"POLICIES names endpoints that no longer exist: {stale}"


def _fill(route: str, world: Any, host: str) -> str:
    from django.utils import timezone
    from everyst_hub.accounts.api_tokens import create_api_token
    from everyst_hub.alerts.models import AlertRule, Incident, NotificationChannel, Silence
    from everyst_hub.inventory.enrollment import create_enrollment_token
    from everyst_hub.inventory.models import Agent
    from everyst_hub.network.models import Device, Network, Schedule
    from everyst_hub.tools.models import ToolJob

    now = timezone.now

    def _network(host: Any) -> Any:
        return Network.objects.get_or_create(host=host, cidr="10.9.0.0/24")[0]

    target_host = getattr(world, host)

    def _rule() -> Any:
        return AlertRule.objects.create(name="matrix", metric="cpu.percent", threshold=90, host=target_host)
    values = {
        "<str:host_id>": lambda: str(target_host.id),
        "<int:user_id>": lambda: str(world.outsider.id),
        "<str:agent_id>": lambda: str(Agent.objects.create(host=target_host, secret_hash="0" * 64).id),
        "<int:token_id>": lambda: str(create_enrollment_token().token.id),
        "<int:api_token_id>": lambda: str(
            create_api_token(
                world.viewer_a, name="matrix", role="read", group_ids=[world.group_a.id], expires_in_days=1,
                ip=None,
            ).token.id
        ),
        "<str:job_id>": lambda: str(
            ToolJob.objects.create(host=target_host, tool="ping", artifact=b"pcap", status="finished").id
        ),
        "<int:group_id>": lambda: str(world.group_a.id),
        "<int:network_id>": lambda: str(_network(target_host).id),
        "<int:schedule_id>": lambda: str(
            Schedule.objects.create(
                network=_network(target_host), tool="discover", every_minutes=60, next_run_at=timezone.now()
            ).id
        ),
        "<int:device_id>": lambda: str(
            Device.objects.create(
                network=_network(target_host), ip="10.9.0.7", first_seen=now(), last_seen=now()
            ).id
        ),
        "<int:alert_id>": lambda: str(
            Incident.objects.create(
                rule=_rule(), host=target_host, severity="warning", started_at=now(), peak_value=1,
                last_value=1,
            ).id
        ),
        "<int:rule_id>": lambda: str(_rule().id),
        "<int:silence_id>": lambda: str(
            Silence.objects.create(host=target_host, starts_at=now(), ends_at=now() + timedelta(hours=1)).id
        ),
        "<int:channel_id>": lambda: str(
            NotificationChannel.objects.create(
                name=f"matrix-{NotificationChannel.objects.count()}", kind="webhook",
                config={"url": "http://127.0.0.1:9/"}, secret="s" * 16,
            ).id
        ),
    }
    for name, make in values.items():
        if name in route:
            route = route.replace(name, make())
    assert "<" not in route, f"no test value for a parameter in {route}: add one to _fill"
    return "/api/v1/" + route


def expected(policy: str, user: str, host: str, method: str = "GET") -> str:
    if policy == "public":
        return "allowed"
    if policy == "refresh_cookie":
        return "401"
    if user == "anonymous":
        return "401"
    if user in TOKENS:
        return expected_for_token(policy, TOKENS[user][1], host, method)
    if policy == "session":
        return "allowed"
    if policy == "own_api_token":
        return "allowed" if user == "viewer_a" else "404"
    if policy == "authenticated":
        return "allowed"
    if policy == "admin":
        return "allowed" if user in {"admin", "owner"} else "403"
    if policy == "host_operate":
        if user in {"admin", "owner"}:
            return "allowed"
        if host == "host_a" and user == "operator_a":
            return "allowed"
        return "403" if host == "host_a" and user == "viewer_a" else "404"
    if policy == "alert_manager":
        return "allowed" if user in {"admin", "owner", "operator_a"} else "403"
    if policy == "host_view":
        if user in {"admin", "owner"}:
            return "allowed"
        return "allowed" if host == "host_a" and user in {"viewer_a", "operator_a"} else "404"
    raise AssertionError(f"unknown policy {policy}")


def expected_for_token(policy: str, role: str, host: str, method: str) -> str:
    """Any API token: limited to group A, never an admin, never a session."""
    if policy in {"admin", "session", "own_api_token"}:
        return "403"
    if role == "read" and method != "GET":
        return "403"
    if policy in {"authenticated", "alert_manager"}:
        return "allowed"
    if policy in {"host_view", "host_operate"}:
        return "allowed" if host == "host_a" else "404"
    raise AssertionError(f"unknown policy {policy}")


def credentials_of(world: Any, user: str) -> str:
    """A bearer credential: a session's access token, or for the token callers an API token."""
    if user not in TOKENS:
        return access_token_for(world.users()[user])
    from everyst_hub.accounts.api_tokens import create_api_token

    owner, role = TOKENS[user]
    created = create_api_token(
        world.users()[owner], name=user, role=role, group_ids=[world.group_a.id], expires_in_days=1, ip=None
    )
    return created.secret


CASES = [
    pytest.param(method, route, user, host, id=f"{method} {route} as {user} on {host}")
    for (method, route), policy in sorted(POLICIES.items())
    for user in USERS
    for host in (HOSTS if any(p in route for p in HOST_SCOPED) else HOSTS[:1])
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "route", "user", "host"), CASES)
def test_authorization(world: Any, api: Any, method: str, route: str, user: str, host: str) -> None:
    for h in (world.host_a, world.host_b):
        store_batches(
            [IncomingBatch(h.id, agent_pb2.MetricBatch(seq=1, samples=[agent_pb2.Sample(ts_ms=1000)]))]
        )
    if user != "anonymous":
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {credentials_of(world, user)}")
    response = getattr(api, method.lower())(_fill(route, world, host), {}, format="json")
    want = expected(POLICIES[(method, route)], user, host, method)
    status = response.status_code
    assert status < 500, f"{method} {route} answered {status}"
    if want == "allowed":
        assert status not in (401, 403, 404), f"{user} should be allowed {method} {route}, got {status}"
    else:
        assert status == int(want), f"{user} on {host}: {method} {route} should be {want}, got {status}"
