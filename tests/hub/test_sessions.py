"""Sessions end when they should (issue #10, item 6): password change, deactivation and role
loss end access tokens and live sockets at once; a reused rotated refresh token revokes its
family; refresh and logout check Origin; token answers are not cached; /api/docs has a CSP."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone
from everyst_hub.config.asgi import application
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

STRONG = "a-new-strong-passphrase-42"
WS_HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
OWN_ORIGIN = "http://testserver"


def log_in(username: str, password: str = PASSWORD) -> tuple[APIClient, str]:
    """A browser-like client holding the refresh cookie, and its access token."""
    client = APIClient()
    response = client.post(
        "/api/v1/auth/login",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 200, response.content
    return client, response.json()["access"]


def me(token: str) -> int:
    return APIClient().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def refresh(client: APIClient, **headers: str) -> int:
    return client.post("/api/v1/auth/refresh", **headers).status_code


def as_admin(world, actor=None) -> APIClient:
    client, token = log_in((actor or world.owner).username)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


async def live_socket(token: str) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, "/ws/live/", headers=WS_HEADERS)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "auth", "token": token})
    assert (await ws.receive_json_from())["type"] == "auth.ok"
    return ws


async def assert_closed_as_ended(ws: WebsocketCommunicator) -> None:
    assert (await ws.receive_json_from(timeout=2))["code"] == "unauthenticated"
    assert (await ws.receive_output(timeout=2))["code"] in {4401, 4403}


# ---------------------------------------------------------------------------------- password change


def test_a_password_change_ends_the_users_other_access_tokens_at_once(world):
    _, other_tab = log_in("viewer_a")
    this_tab, token = log_in("viewer_a")
    this_tab.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    changed = this_tab.post(
        "/api/v1/auth/password", {"current_password": PASSWORD, "new_password": STRONG}, format="json"
    )
    assert changed.status_code == 200
    assert me(other_tab) == 401
    assert me(token) == 401
    assert me(changed.json()["access"]) == 200


async def test_a_password_change_closes_the_users_open_sockets(world):
    from everyst_hub.accounts.services import change_own_password

    _, token = await sync_to_async(log_in)("viewer_a")
    ws = await live_socket(token)
    await sync_to_async(change_own_password)(world.viewer_a, PASSWORD, STRONG, None)
    await assert_closed_as_ended(ws)


async def test_a_socket_cannot_authenticate_with_a_token_from_before_a_password_change(world):
    from everyst_hub.accounts.services import reset_password

    _, token = await sync_to_async(log_in)("viewer_a")
    await sync_to_async(reset_password)(world.admin, world.viewer_a, STRONG, None)
    ws = WebsocketCommunicator(application, "/ws/live/", headers=WS_HEADERS)
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "auth", "token": token})
    assert (await ws.receive_json_from())["code"] == "unauthenticated"
    assert (await ws.receive_output())["code"] == 4401


# ---------------------------------------------------------------------------------- deactivation


def test_a_token_from_before_a_deactivation_stays_dead_after_reactivation(world):
    _, token = log_in("viewer_a")
    admin = as_admin(world)
    assert (
        admin.patch(f"/api/v1/users/{world.viewer_a.id}", {"is_active": False}, format="json").status_code
        == 200
    )
    assert me(token) == 401
    assert (
        admin.patch(f"/api/v1/users/{world.viewer_a.id}", {"is_active": True}, format="json").status_code
        == 200
    )
    assert me(token) == 401
    assert me(log_in("viewer_a")[1]) == 200


# ---------------------------------------------------------------------------------- role removal


def test_losing_the_admin_role_ends_the_users_access_and_refresh_tokens_at_once(world):
    admin_tab, token = log_in("admin")
    assert me(token) == 200
    owner = as_admin(world)
    assert (
        owner.patch(f"/api/v1/users/{world.admin.id}", {"role": "member"}, format="json").status_code == 200
    )
    assert me(token) == 401
    assert refresh(admin_tab) == 401


async def test_losing_the_admin_role_closes_the_users_open_sockets(world):
    from everyst_hub.accounts.services import update_user

    _, token = await sync_to_async(log_in)("admin")
    ws = await live_socket(token)
    await sync_to_async(update_user)(world.owner, world.admin, {"role": "member"}, None)
    await assert_closed_as_ended(ws)


def test_gaining_a_role_keeps_the_session(world):
    _, token = log_in("viewer_a")
    owner = as_admin(world)
    assert (
        owner.patch(f"/api/v1/users/{world.viewer_a.id}", {"role": "admin"}, format="json").status_code == 200
    )
    assert me(token) == 200


# ---------------------------------------------------------------------------------- refresh families


def rotated_long_ago() -> None:
    """Move every rotation out of the grace window that covers tabs refreshing at once."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    earlier = timezone.now() - timedelta(seconds=301)  # longer than the longest grace allowed
    BlacklistedToken.objects.update(blacklisted_at=earlier)


def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(world):
    victim, _ = log_in("viewer_a")
    stolen = victim.cookies[settings.REFRESH_COOKIE_NAME].value
    assert refresh(victim) == 200  # the victim rotates; the thief still holds the old token
    _, other_session = log_in("viewer_a")
    rotated_long_ago()
    thief = APIClient()
    thief.cookies[settings.REFRESH_COOKIE_NAME] = stolen
    assert refresh(thief) == 401
    assert refresh(victim) == 401  # the family's newest token is revoked too
    assert me(other_session) == 200  # another login of the same user is another family

    from everyst_hub.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="session.reuse_detected", actor=world.viewer_a).exists()


def test_two_tabs_refreshing_at_once_do_not_end_the_session(world):
    first_tab, _ = log_in("viewer_a")
    second_tab = APIClient()
    second_tab.cookies[settings.REFRESH_COOKIE_NAME] = first_tab.cookies[settings.REFRESH_COOKIE_NAME].value
    assert refresh(first_tab) == 200
    assert refresh(second_tab) == 401  # the loser of the race is refused...
    assert refresh(first_tab) == 200  # ...and the winner's session goes on


def test_a_refresh_keeps_the_family_so_a_later_reuse_still_revokes_it(world):
    victim, _ = log_in("viewer_a")
    stolen = victim.cookies[settings.REFRESH_COOKIE_NAME].value
    assert refresh(victim) == 200
    assert refresh(victim) == 200
    rotated_long_ago()
    thief = APIClient()
    thief.cookies[settings.REFRESH_COOKIE_NAME] = stolen
    assert refresh(thief) == 401
    assert refresh(victim) == 401


# ---------------------------------------------------------------------------------- origin


def test_a_refresh_from_another_origin_is_refused(world):
    client, _ = log_in("viewer_a")
    refused = client.post("/api/v1/auth/refresh", HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "cross_origin"
    assert refresh(client, HTTP_ORIGIN="null") == 403
    assert refresh(client, HTTP_ORIGIN=OWN_ORIGIN) == 200
    assert refresh(client) == 200  # no Origin: not a browser carrying someone's cookie


def test_a_logout_from_another_origin_is_refused_and_the_session_survives(world):
    client, _ = log_in("viewer_a")
    assert client.post("/api/v1/auth/logout", HTTP_ORIGIN="https://evil.example").status_code == 403
    assert refresh(client) == 200
    assert client.post("/api/v1/auth/logout", HTTP_ORIGIN=OWN_ORIGIN).status_code == 204
    assert refresh(client) == 401


def test_a_configured_origin_may_refresh(world, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.example"]
    client, _ = log_in("viewer_a")
    assert refresh(client, HTTP_ORIGIN="https://console.example") == 200


# ---------------------------------------------------------------------------------- caching, CSP


def test_token_answers_are_never_cached(db):
    client = APIClient()
    setup = client.post("/api/v1/setup", {"username": "founder", "password": STRONG}, format="json")
    assert setup.status_code == 201
    login = client.post("/api/v1/auth/login", {"username": "founder", "password": STRONG}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    refreshed = client.post("/api/v1/auth/refresh")
    changed = client.post(
        "/api/v1/auth/password", {"current_password": STRONG, "new_password": STRONG + "!"}, format="json"
    )
    for response in (setup, login, refreshed, changed):
        assert response.status_code in {200, 201}
        assert "no-store" in response["Cache-Control"]


def test_the_api_docs_page_has_a_content_security_policy_that_it_keeps_to(db, client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert not body.strip(), "an inline script would be blocked by script-src 'self'"
        src = re.search(r'src="([^"]+)"', attributes)
        assert src and src.group(1).startswith("/"), "scripts must come from the hub itself"
        served = client.get(src.group(1).replace("&amp;", "&"))
        assert served.status_code == 200
        assert "javascript" in served["Content-Type"]
    init = client.get("/api/docs?script=").content.decode()
    assert "SwaggerUIBundle" in init and "/api/schema" in init


def test_a_password_changed_from_the_command_line_ends_the_users_tokens(world, monkeypatch):
    from django.contrib.auth.management.commands.changepassword import Command
    from django.core.management import call_command

    client, token = log_in("viewer_a")
    monkeypatch.setattr(Command, "_get_pass", lambda self, prompt="": STRONG)
    call_command("changepassword", "viewer_a", stdout=io.StringIO())
    assert me(token) == 401
    assert refresh(client) == 401
    assert me(log_in("viewer_a", STRONG)[1]) == 200


def test_a_login_that_upgrades_the_password_hash_keeps_other_sessions(world, settings):
    from django.contrib.auth.hashers import make_password
    from everyst_hub.accounts.models import User

    from tests.conftest import access_token_for

    User.objects.filter(pk=world.viewer_a.pk).update(password=make_password(PASSWORD, hasher="md5"))
    other_session = access_token_for(world.viewer_a)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    log_in("viewer_a")  # re-hashes the password with the preferred hasher
    assert User.objects.get(pk=world.viewer_a.pk).password.startswith("pbkdf2_sha256$")
    assert me(other_session) == 200
