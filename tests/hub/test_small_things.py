"""Small things that read as broken (issue #12 item 6), on the server: a login records when it
happened, and nobody locks themselves (or the hub) out of administration."""

from __future__ import annotations

import pytest
from everyst_hub.accounts import sessions
from everyst_hub.accounts.models import User

from tests.conftest import PASSWORD, access_token_for

pytestmark = pytest.mark.django_db


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


def test_a_login_sets_last_login_and_the_users_list_shows_it(world, api):
    assert world.owner.last_login is None
    response = api.post("/api/v1/auth/login", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["last_login"] is not None
    world.owner.refresh_from_db()
    assert world.owner.last_login is not None
    listed = {u["username"]: u for u in as_user(api, world.owner).get("/api/v1/users").json()}
    assert listed["owner"]["last_login"] is not None
    assert listed["viewer_a"]["last_login"] is None


def test_a_failed_login_does_not_set_last_login(world, api):
    response = api.post("/api/v1/auth/login", {"username": "owner", "password": "wrong"}, format="json")
    assert response.status_code == 401
    world.owner.refresh_from_db()
    assert world.owner.last_login is None


def test_creating_the_first_owner_from_the_setup_page_counts_as_a_login(api):
    body = {"username": "founder", "password": "a-new-strong-passphrase-42"}
    created = api.post("/api/v1/setup", body, format="json")
    assert created.status_code == 201
    assert created.json()["user"]["last_login"] is not None


@pytest.mark.parametrize("name", ["owner", "admin"])
def test_you_cannot_disable_demote_or_delete_yourself(world, api, name):
    me = world.users()[name]
    as_user(api, me)
    assert api.patch(f"/api/v1/users/{me.id}", {"is_active": False}, format="json").status_code == 403
    assert api.patch(f"/api/v1/users/{me.id}", {"role": "member"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/users/{me.id}").status_code == 403
    me.refresh_from_db()
    assert me.is_active and me.role == name


def test_an_owner_may_still_edit_their_own_details_from_the_users_page(world, api):
    as_user(api, world.owner)
    body = {"email": "owner@example.com", "role": "owner", "is_active": True}
    response = api.patch(f"/api/v1/users/{world.owner.id}", body, format="json")
    assert response.status_code == 200 and response.json()["email"] == "owner@example.com"


def test_a_second_owner_may_demote_the_first_but_not_the_last_one(world, api):
    second = User(username="second_owner", role=User.Role.OWNER)
    second.set_password(PASSWORD)
    second.save()
    as_user(api, second)
    assert api.patch(f"/api/v1/users/{world.owner.id}", {"role": "admin"}, format="json").status_code == 200
    world.owner.refresh_from_db()  # the demotion ended its sessions: a new one, as an admin
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {sessions.issue_tokens(world.owner).access}")
    assert api.patch(f"/api/v1/users/{second.id}", {"role": "admin"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/users/{second.id}").status_code == 403
    second.refresh_from_db()
    assert second.role == User.Role.OWNER and second.is_active


def test_a_disabled_owner_does_not_count_as_the_remaining_owner(world, api):
    dormant = User(username="dormant_owner", role=User.Role.OWNER, is_active=False)
    dormant.set_password(PASSWORD)
    dormant.save()
    second = User(username="second_owner", role=User.Role.OWNER)
    second.set_password(PASSWORD)
    second.save()
    as_user(api, second)
    disabled = api.patch(f"/api/v1/users/{world.owner.id}", {"is_active": False}, format="json")
    assert disabled.status_code == 200
    # second is now the only active owner; the dormant one cannot take over administration.
    assert api.delete(f"/api/v1/users/{second.id}").status_code == 403
