"""Accounts: first owner, lockout, user administration, passwords, profile, audit."""

from __future__ import annotations

import pytest
from django.conf import settings
from everyst_hub.accounts.models import User
from everyst_hub.audit.models import AuditEvent

from tests.conftest import PASSWORD, access_token_for

pytestmark = pytest.mark.django_db

STRONG = "a-new-strong-passphrase-42"


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


def login(api, username="viewer_a", password=PASSWORD, ip="198.51.100.7"):
    return api.post(
        "/api/v1/auth/login", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


# ---------------------------------------------------------------------------------- first run


def test_first_visit_creates_the_owner_once(api):
    assert api.get("/api/v1/setup").json() == {"needs_owner": True}
    created = api.post("/api/v1/setup", {"username": "founder", "password": STRONG}, format="json")
    assert created.status_code == 201 and created.json()["user"]["role"] == "owner"
    assert created.json()["access"]
    assert api.get("/api/v1/setup").json() == {"needs_owner": False}
    again = api.post("/api/v1/setup", {"username": "intruder", "password": STRONG}, format="json")
    assert again.status_code == 409
    assert not User.objects.filter(username="intruder").exists()


def test_first_owner_needs_a_strong_password(api):
    response = api.post("/api/v1/setup", {"username": "founder", "password": "123"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weak_password"


# ---------------------------------------------------------------------------------- lockout


def test_repeated_failures_lock_the_account_with_429_and_it_shows_in_the_audit_log(world, api):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert login(api, password="wrong-password").status_code == 401
    locked = login(api)  # even the right password is refused while locked
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked"
    assert int(locked["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action="login.locked", actor_name="viewer_a").exists()
    assert AuditEvent.objects.filter(action="login.failed").count() == settings.LOGIN_MAX_FAILURES


def test_a_locked_account_does_not_lock_other_accounts_from_other_addresses(world, api):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(api, password="wrong-password")
    assert login(api, username="operator_a", ip="203.0.113.9").status_code == 200


def test_one_address_failing_on_many_accounts_is_locked(world, api, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    for name in ("a", "b", "c"):
        login(api, username=f"nobody-{name}", password="x", ip="192.0.2.66")
    assert login(api, username="viewer_a", ip="192.0.2.66").status_code == 429
    assert login(api, username="viewer_a", ip="192.0.2.67").status_code == 200


def test_successful_login_is_audited_and_clears_earlier_failures(world, api):
    login(api, password="wrong-password")
    assert login(api).status_code == 200
    event = AuditEvent.objects.filter(action="login.succeeded").get()
    assert event.actor == world.viewer_a and event.ip == "198.51.100.7"
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(api, password="wrong-password")
    assert login(api).status_code == 200


# ---------------------------------------------------------------------------------- administration


@pytest.mark.parametrize("name", ["operator_a", "viewer_a", "outsider"])
def test_members_cannot_manage_users(world, api, name):
    as_user(api, world.users()[name])
    assert api.get("/api/v1/users").status_code == 403
    assert api.post("/api/v1/users", {"username": "x", "password": STRONG}, format="json").status_code == 403
    assert (
        api.patch(f"/api/v1/users/{world.viewer_a.id}", {"is_active": False}, format="json").status_code
        == 403
    )


def test_admin_creates_a_member_and_it_is_audited(world, api):
    response = as_user(api, world.admin).post(
        "/api/v1/users", {"username": "newbie", "password": STRONG, "email": "n@example.com"}, format="json"
    )
    assert response.status_code == 201 and response.json()["role"] == "member"
    assert AuditEvent.objects.filter(action="user.created", actor=world.admin, target_name="newbie").exists()


def test_admin_cannot_create_or_change_admins_but_the_owner_can(world, api):
    as_user(api, world.admin)
    assert (
        api.post(
            "/api/v1/users", {"username": "boss", "password": STRONG, "role": "admin"}, format="json"
        ).status_code
        == 403
    )
    assert (
        api.patch(f"/api/v1/users/{world.viewer_a.id}", {"role": "admin"}, format="json").status_code == 403
    )
    as_user(api, world.owner)
    assert (
        api.patch(f"/api/v1/users/{world.viewer_a.id}", {"role": "admin"}, format="json").status_code == 200
    )


def test_the_last_owner_cannot_be_removed_or_demoted(world, api):
    as_user(api, world.owner)
    assert api.patch(f"/api/v1/users/{world.owner.id}", {"role": "member"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/users/{world.owner.id}").status_code == 403


def test_disabling_a_user_revokes_their_refresh_tokens(world, api):
    from rest_framework.test import APIClient

    victim = APIClient()
    assert login(victim).status_code == 200
    response = as_user(api, world.admin).patch(
        f"/api/v1/users/{world.viewer_a.id}", {"is_active": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert victim.post("/api/v1/auth/refresh").status_code == 401
    assert login(APIClient()).status_code == 401


def test_role_changes_take_effect_on_the_next_request(world, api):
    as_user(api, world.viewer_a)
    assert len(api.get("/api/v1/hosts").json()) == 1
    admin = as_user(type(api)(), world.admin)
    response = admin.put(
        f"/api/v1/users/{world.viewer_a.id}/access",
        {"access": [{"group_id": world.group_b.id, "role": "viewer"}]},
        format="json",
    )
    assert response.status_code == 200
    assert [h["hostname"] for h in api.get("/api/v1/hosts").json()] == ["host-b"]
    assert AuditEvent.objects.filter(action="access.changed", target_id=str(world.viewer_a.id)).exists()


def test_access_to_an_unknown_group_is_a_400(world, api):
    response = as_user(api, world.admin).put(
        f"/api/v1/users/{world.viewer_a.id}/access",
        {"access": [{"group_id": 9999, "role": "viewer"}]},
        format="json",
    )
    assert response.status_code == 400


def test_admin_resets_a_password_and_old_sessions_end(world, api):
    from rest_framework.test import APIClient

    victim = APIClient()
    login(victim)
    response = as_user(api, world.admin).post(
        f"/api/v1/users/{world.viewer_a.id}/password", {"password": STRONG}, format="json"
    )
    assert response.status_code == 204
    assert victim.post("/api/v1/auth/refresh").status_code == 401
    assert login(APIClient(), password=STRONG).status_code == 200


# ---------------------------------------------------------------------------------- self service


def test_changing_your_password_ends_other_sessions_and_keeps_this_one(world, api):
    from rest_framework.test import APIClient

    other = APIClient()
    login(other)
    me = APIClient()
    login(me)
    access = me.post(
        "/api/v1/auth/login", {"username": "viewer_a", "password": PASSWORD}, format="json"
    ).json()["access"]
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    wrong = me.post(
        "/api/v1/auth/password", {"current_password": "nope", "new_password": STRONG}, format="json"
    )
    assert wrong.status_code == 400
    changed = me.post(
        "/api/v1/auth/password", {"current_password": PASSWORD, "new_password": STRONG}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["access"]
    assert other.post("/api/v1/auth/refresh").status_code == 401
    assert me.post("/api/v1/auth/refresh").status_code == 200


def test_users_update_their_profile_and_theme(world, api):
    response = as_user(api, world.viewer_a).patch(
        "/api/v1/auth/me", {"theme": "light", "email": "v@example.com"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["theme"] == "light" and response.json()["email"] == "v@example.com"
    assert api.patch("/api/v1/auth/me", {"theme": "neon"}, format="json").status_code == 400


def test_the_audit_log_is_admin_only_and_read_only(world, api):
    login(type(api)())
    as_user(api, world.viewer_a)
    assert api.get("/api/v1/audit").status_code == 403
    as_user(api, world.admin)
    events = api.get("/api/v1/audit?action=login").json()["results"]
    assert events and events[0]["action"] == "login.succeeded"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)("/api/v1/audit").status_code == 405
