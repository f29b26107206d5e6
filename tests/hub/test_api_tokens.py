"""Personal API tokens (issue #13 item 4): scoped to chosen host groups, read-only or operator,
expiring, revocable, hashed at rest, audited, and refused where credentials and users are managed."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.utils import timezone
from everyst_hub.accounts.models import ApiToken
from everyst_hub.audit.models import AuditEvent
from rest_framework.test import APIClient

from tests.conftest import access_token_for


def session(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def new_token(user: Any, groups: list[Any], role: str = "read", days: int = 30) -> dict[str, Any]:
    response = session(user).post(
        "/api/v1/auth/api-tokens",
        {"name": f"{role} script", "role": role, "groups": [g.id for g in groups], "expires_in_days": days},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def host_ids(client: APIClient) -> set[str]:
    response = client.get("/api/v1/hosts")
    assert response.status_code == 200, response.content
    return {h["id"] for h in response.json()}


@pytest.mark.django_db
def test_a_new_token_reads_the_hosts_of_its_group_over_rest(world: Any) -> None:
    token = new_token(world.viewer_a, [world.group_a])
    assert token["secret"].startswith("eva_") and token["prefix"] == token["secret"][:10]
    assert host_ids(bearer(token["secret"])) == {str(world.host_a.id)}
    detail = bearer(token["secret"]).get(f"/api/v1/hosts/{world.host_a.id}")
    assert detail.status_code == 200


@pytest.mark.django_db
def test_the_secret_is_shown_once_and_stored_only_as_its_sha256(world: Any) -> None:
    token = new_token(world.admin, [world.group_a])
    listed = session(world.admin).get("/api/v1/auth/api-tokens").json()
    assert [t["id"] for t in listed] == [token["id"]] and "secret" not in listed[0]
    stored = ApiToken.objects.get(id=token["id"])
    assert stored.secret_hash == hashlib.sha256(token["secret"].encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows and not any(token["secret"] in str(value) for row in rows for value in row)
    assert not any(token["secret"][4:] in str(value) for row in rows for value in row)


@pytest.mark.django_db
def test_a_token_limited_to_group_a_does_not_see_host_b_although_its_admin_does(world: Any) -> None:
    token = new_token(world.admin, [world.group_a])
    client = bearer(token["secret"])
    assert host_ids(session(world.admin)) == {str(world.host_a.id), str(world.host_b.id)}
    assert host_ids(client) == {str(world.host_a.id)}
    assert client.get(f"/api/v1/hosts/{world.host_b.id}").status_code == 404
    assert client.get(f"/api/v1/hosts/{world.host_b.id}/latest").status_code == 404


@pytest.mark.django_db
def test_a_token_never_sees_more_than_its_user(world: Any) -> None:
    refused = session(world.viewer_a).post(
        "/api/v1/auth/api-tokens", {"name": "b", "groups": [world.group_b.id]}, format="json"
    )
    assert refused.status_code == 400 and "group" in refused.json()["error"]["message"]
    token = new_token(world.operator_a, [world.group_a], role="operate")
    from everyst_hub.inventory.models import HostGroupAccess

    HostGroupAccess.objects.filter(user=world.operator_a).delete()
    assert host_ids(bearer(token["secret"])) == set()


@pytest.mark.django_db
def test_a_viewer_cannot_make_an_operator_token(world: Any) -> None:
    refused = session(world.viewer_a).post(
        "/api/v1/auth/api-tokens",
        {"name": "x", "role": "operate", "groups": [world.group_a.id]},
        format="json",
    )
    assert refused.status_code == 400


@pytest.mark.django_db
def test_an_expired_token_gets_401_with_a_plain_message(world: Any) -> None:
    token = new_token(world.viewer_a, [world.group_a])
    ApiToken.objects.filter(id=token["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(token["secret"]).get("/api/v1/hosts")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token has expired."


@pytest.mark.django_db
def test_a_revoked_token_gets_401_with_a_plain_message(world: Any) -> None:
    token = new_token(world.viewer_a, [world.group_a])
    assert session(world.viewer_a).delete(f"/api/v1/auth/api-tokens/{token['id']}").status_code == 204
    response = bearer(token["secret"]).get("/api/v1/hosts")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token was revoked."
    listed = session(world.viewer_a).get("/api/v1/auth/api-tokens").json()
    assert listed[0]["state"] == "revoked"


@pytest.mark.django_db
def test_an_unknown_token_gets_401(world: Any) -> None:
    response = bearer("eva_" + "x" * 43).get("/api/v1/hosts")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid API token."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_nobody_revokes_another_users_token(world: Any) -> None:
    token = new_token(world.viewer_a, [world.group_a])
    assert session(world.admin).delete(f"/api/v1/auth/api-tokens/{token['id']}").status_code == 404
    assert host_ids(bearer(token["secret"])) == {str(world.host_a.id)}


@pytest.mark.django_db
def test_a_deactivated_users_token_gets_401(world: Any) -> None:
    token = new_token(world.operator_a, [world.group_a])
    response = session(world.owner).patch(
        f"/api/v1/users/{world.operator_a.id}", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    response = bearer(token["secret"]).get("/api/v1/hosts")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The user of this API token is disabled."


@pytest.mark.django_db
def test_a_password_change_keeps_the_users_tokens(world: Any) -> None:
    from tests.conftest import PASSWORD

    token = new_token(world.viewer_a, [world.group_a])
    response = session(world.viewer_a).post(
        "/api/v1/auth/password",
        {"current_password": PASSWORD, "new_password": "another horse battery staple"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert host_ids(bearer(token["secret"])) == {str(world.host_a.id)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/auth/api-tokens"),
        ("post", "/api/v1/auth/api-tokens"),
        ("delete", "/api/v1/auth/api-tokens/{token}"),
        ("post", "/api/v1/auth/password"),
        ("patch", "/api/v1/auth/me"),
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/users/{user}"),
        ("patch", "/api/v1/users/{user}"),
        ("delete", "/api/v1/users/{user}"),
        ("post", "/api/v1/users/{user}/password"),
        ("put", "/api/v1/users/{user}/access"),
        ("post", "/api/v1/users/{user}/unlock"),
        ("get", "/api/v1/audit"),
        ("get", "/api/v1/enrollment-tokens"),
    ],
)
def test_an_operator_token_is_refused_where_credentials_and_users_are_managed(
    world: Any, method: str, path: str
) -> None:
    token = new_token(world.owner, [world.group_a], role="operate")
    url = path.format(token=token["id"], user=world.outsider.id)
    response = getattr(bearer(token["secret"]), method)(
        url,
        {"name": "more", "groups": [world.group_a.id], "role": "owner", "password": "x" * 20},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert response.json()["error"]["message"] == "API tokens cannot be used here: log in with your password."
    assert ApiToken.objects.count() == 1
    world.outsider.refresh_from_db()
    assert world.outsider.is_active and world.outsider.role == "member"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/login"])
def test_a_token_is_no_session_on_the_session_endpoints(world: Any, path: str) -> None:
    token = new_token(world.owner, [world.group_a], role="operate")
    response = bearer(token["secret"]).post(path, {}, format="json")
    assert "access" not in (response.json() if response.content else {})
    assert response.status_code in (204, 400, 401)


@pytest.mark.django_db
def test_a_token_may_ask_whose_it_is(world: Any) -> None:
    token = new_token(world.viewer_a, [world.group_a])
    assert bearer(token["secret"]).get("/api/v1/auth/me").json()["username"] == "viewer_a"


@pytest.mark.django_db
def test_last_used_is_recorded_at_most_once_a_minute(world: Any) -> None:
    token = new_token(world.viewer_a, [world.group_a])
    assert ApiToken.objects.get(id=token["id"]).last_used_at is None
    host_ids(bearer(token["secret"]))
    first = ApiToken.objects.get(id=token["id"]).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)
    host_ids(bearer(token["secret"]))
    assert ApiToken.objects.get(id=token["id"]).last_used_at == first
    ApiToken.objects.filter(id=token["id"]).update(last_used_at=first - timedelta(seconds=61))
    host_ids(bearer(token["secret"]))
    assert ApiToken.objects.get(id=token["id"]).last_used_at > first
    listed = session(world.viewer_a).get("/api/v1/auth/api-tokens").json()
    assert listed[0]["last_used_at"] is not None and listed[0]["last_used_ip"] == "127.0.0.1"


@pytest.mark.django_db
def test_creation_and_revocation_are_audited(world: Any) -> None:
    token = new_token(world.operator_a, [world.group_a], role="operate")
    session(world.operator_a).delete(f"/api/v1/auth/api-tokens/{token['id']}")
    events = list(AuditEvent.objects.filter(action__startswith="api_token.").order_by("id"))
    assert [e.action for e in events] == ["api_token.created", "api_token.revoked"]
    assert all(e.actor_id == world.operator_a.id and e.target_id == str(token["id"]) for e in events)
    assert events[0].details["role"] == "operate" and events[0].details["groups"] == ["group-a"]
    assert token["secret"] not in str(events[0].details)


@pytest.mark.django_db
def test_a_read_only_token_changes_nothing(world: Any) -> None:
    token = new_token(world.admin, [world.group_a])
    response = bearer(token["secret"]).post("/api/v1/notifications/read", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This API token is read-only."


@pytest.mark.django_db
def test_a_token_scrapes_metrics_of_its_groups_only(world: Any) -> None:
    token = new_token(world.admin, [world.group_a])
    response = bearer(token["secret"]).get("/metrics", HTTP_ACCEPT="text/plain")
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert "host-a" in body and "host-b" not in body


@pytest.mark.django_db(transaction=True)
async def test_a_read_only_token_cannot_start_a_job_while_an_operator_token_of_the_same_user_can(
    hub: Any, world: Any
) -> None:
    from tests.support.ingest import connected_host

    creds, stream = await connected_host(hub, world)
    read = await sync_to_async(new_token)(world.operator_a, [world.group_a], "read")
    operate = await sync_to_async(new_token)(world.operator_a, [world.group_a], "operate")

    def start(secret: str) -> Any:
        return bearer(secret).post(
            f"/api/v1/hosts/{creds.host_id}/jobs",
            {"tool": "ping", "params": {"target": "127.0.0.1"}},
            format="json",
        )

    refused = await sync_to_async(start)(read["secret"])
    assert refused.status_code == 403
    started = await sync_to_async(start)(operate["secret"])
    assert started.status_code == 201, started.content
    assert started.json()["requested_by"] == "operator_a"
    await stream.close()


@pytest.mark.django_db
def test_a_token_lists_only_its_host_groups_with_the_role_it_holds(world: Any) -> None:
    from everyst_hub.inventory.models import HostGroupAccess

    HostGroupAccess.objects.create(user=world.operator_a, group=world.group_b, role="viewer")
    token = new_token(world.operator_a, [world.group_a], role="operate")
    groups = bearer(token["secret"]).get("/api/v1/host-groups").json()
    assert [(g["name"], g["my_role"]) for g in groups] == [("group-a", "operator")]
    admins = new_token(world.admin, [world.group_b])
    groups = bearer(admins["secret"]).get("/api/v1/host-groups").json()
    assert [(g["name"], g["my_role"]) for g in groups] == [("group-b", "viewer")]


@pytest.mark.django_db(transaction=True)
async def test_an_api_token_does_not_open_a_browser_socket(world: Any) -> None:
    from channels.testing import WebsocketCommunicator
    from everyst_hub.config.asgi import application

    token = await sync_to_async(new_token)(world.admin, [world.group_a])
    socket = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    await socket.connect()
    await socket.send_json_to({"type": "auth", "token": token["secret"]})
    frame = await socket.receive_json_from()
    assert frame["type"] == "error" and frame["code"] == "unauthenticated", frame
    await socket.disconnect()
