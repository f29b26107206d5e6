"""Lockout cannot be turned against the owner (issue #10, item 7): failed logins slow down the
(username, source) pair and a source failing across usernames, with growing delays, never the
account itself; an admin can unlock; usernames are normalised and look-alikes refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from everyst_hub.accounts.models import LoginFailure, User
from everyst_hub.audit.models import AuditEvent
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, access_token_for

pytestmark = pytest.mark.django_db

OWNER_HOME = "127.0.0.1"
STRANGER = "127.0.0.66"
STRONG = "a-new-strong-passphrase-42"


def login(username: str = "owner", password: str = PASSWORD, ip: str = OWNER_HOME):
    return APIClient().post(
        "/api/v1/auth/login", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def fail(times: int, username: str = "owner", ip: str = STRANGER) -> None:
    for _ in range(times):
        assert login(username, "wrong-password", ip).status_code in {401, 429}


def time_passes(seconds: float) -> None:
    LoginFailure.objects.update(ts=timezone.now() - timedelta(seconds=seconds))


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


# ---------------------------------------------------------------------------------- throttling


def test_the_owner_logs_in_from_their_own_address_while_a_stranger_hammers_from_another(world):
    fail(3 * settings.LOGIN_MAX_FAILURES)
    assert login("owner", ip=STRANGER).status_code == 429  # the stranger's address waits...
    assert login("owner", ip=OWNER_HOME).status_code == 200  # ...the owner's does not


def test_a_throttled_pair_answers_429_with_retry_after_even_for_the_right_password(world):
    fail(settings.LOGIN_MAX_FAILURES, ip=OWNER_HOME)
    refused = login("owner", ip=OWNER_HOME)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "locked"
    retry_after = int(refused["Retry-After"])
    assert 0 < retry_after <= settings.LOGIN_FIRST_DELAY_SECONDS
    assert refused.json()["error"]["retry_after"] == retry_after


def test_each_failure_past_the_allowance_doubles_the_wait(world):
    fail(settings.LOGIN_MAX_FAILURES)
    first = int(login(ip=STRANGER)["Retry-After"])
    time_passes(first + 1)
    assert login("owner", "wrong-password", STRANGER).status_code == 401  # allowed again, and wrong
    second = int(login(ip=STRANGER)["Retry-After"])
    assert first < second <= 2 * settings.LOGIN_FIRST_DELAY_SECONDS
    assert second > 1.5 * settings.LOGIN_FIRST_DELAY_SECONDS


def test_the_wait_never_grows_past_the_longest_delay(world):
    LoginFailure.objects.bulk_create(
        [LoginFailure(username="owner", ip=STRANGER) for _ in range(settings.LOGIN_MAX_FAILURES + 40)]
    )
    assert int(login(ip=STRANGER)["Retry-After"]) <= settings.LOGIN_MAX_DELAY_MINUTES * 60


def test_one_source_failing_across_many_usernames_waits_on_every_username(world, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 6
    for n in range(6):
        login(f"nobody-{n}", "x", STRANGER)
    assert login("viewer_a", ip=STRANGER).status_code == 429
    assert login("viewer_a", ip=OWNER_HOME).status_code == 200


def test_an_ipv6_source_is_throttled_as_its_64(world):
    fail(settings.LOGIN_MAX_FAILURES, ip="::1")
    assert login("owner", ip="0:0:0:0:ffff::1").status_code == 429  # same /64 as ::1
    assert login("owner", ip="0:0:0:1::1").status_code == 200  # another /64


def test_a_success_clears_the_failures_of_its_own_pair_only(world):
    fail(settings.LOGIN_MAX_FAILURES - 1, ip=OWNER_HOME)
    fail(settings.LOGIN_MAX_FAILURES)
    assert login(ip=OWNER_HOME).status_code == 200
    assert not LoginFailure.objects.filter(ip=OWNER_HOME).exists()
    assert login(ip=STRANGER).status_code == 429


def test_failures_older_than_the_window_are_forgotten_and_dropped(world):
    fail(settings.LOGIN_MAX_FAILURES)
    time_passes(settings.LOGIN_WINDOW_MINUTES * 60 + 1)
    assert login(ip=STRANGER).status_code == 200
    fail(1, username="viewer_a")
    assert LoginFailure.objects.count() == 1


# ---------------------------------------------------------------------------------- unlock


def test_an_admin_unlocks_a_throttled_user_and_it_is_audited(world):
    fail(settings.LOGIN_MAX_FAILURES, username="viewer_a")
    admin = as_user(world.admin)
    listed = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert listed["viewer_a"]["login_failures"] == settings.LOGIN_MAX_FAILURES
    assert listed["owner"]["login_failures"] == 0
    unlocked = admin.post(f"/api/v1/users/{world.viewer_a.id}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["login_failures"] == 0
    assert login("viewer_a", ip=STRANGER).status_code == 200
    event = AuditEvent.objects.get(action="login.unlocked")
    assert event.actor == world.admin and event.target_id == str(world.viewer_a.id)
    assert event.details["cleared"] == settings.LOGIN_MAX_FAILURES


def test_an_admin_may_unlock_the_owner(world):
    fail(settings.LOGIN_MAX_FAILURES)
    assert as_user(world.admin).post(f"/api/v1/users/{world.owner.id}/unlock").status_code == 200
    assert login(ip=STRANGER).status_code == 200


@pytest.mark.parametrize("name", ["operator_a", "viewer_a", "outsider"])
def test_members_cannot_unlock(world, name):
    fail(settings.LOGIN_MAX_FAILURES)
    response = as_user(getattr(world, name)).post(f"/api/v1/users/{world.owner.id}/unlock")
    assert response.status_code == 403
    assert LoginFailure.objects.count() == settings.LOGIN_MAX_FAILURES


# ---------------------------------------------------------------------------------- usernames


def test_login_matches_the_username_whatever_its_case_or_width(world):
    assert login("OWNER").status_code == 200
    assert login("ｏｗｎｅｒ").status_code == 200  # full-width


def test_failures_under_another_spelling_count_for_the_same_username(world):
    for spelling in ("OWNER", "Owner", "ｏｗｎｅｒ", "owner", "oWnEr"):
        login(spelling, "wrong-password", STRANGER)
    assert login("owner", ip=STRANGER).status_code == 429


@pytest.mark.parametrize(
    "lookalike",
    [
        "оwner",  # Cyrillic о
        "οwner",  # Greek ο
        "ｏｗｎｅｒ",  # full-width
        "OWNER",
        "0wner",
        "owner\u200d",  # zero-width joiner is refused by the name rule or as a look-alike
        "оwnеr",  # Cyrillic о and е
    ],
)
def test_a_lookalike_of_an_existing_username_cannot_be_created(world, lookalike):
    response = as_user(world.owner).post(
        "/api/v1/users", {"username": lookalike, "password": STRONG, "role": "member"}, format="json"
    )
    assert response.status_code in {400, 409}, response.json()
    assert User.objects.count() == 5


def test_new_usernames_are_stored_normalised(world):
    response = as_user(world.owner).post(
        "/api/v1/users", {"username": "Ｃarol", "password": STRONG, "role": "member"}, format="json"
    )
    assert response.status_code == 201 and response.json()["username"] == "carol"
    assert login("CAROL", STRONG).status_code == 200


def test_a_plain_cyrillic_username_can_still_be_created(world):
    response = as_user(world.owner).post(
        "/api/v1/users", {"username": "дмитрий", "password": STRONG, "role": "member"}, format="json"
    )
    assert response.status_code == 201
    assert login("ДМИТРИЙ", STRONG).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_accounts_from_before_normalisation_keep_logging_in_after_the_migration():
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target: str | None) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        leaf = executor.loader.graph.leaf_nodes("accounts")
        executor.migrate(leaf if target is None else [("accounts", target)])

    try:
        migrate("0001_initial")  # accounts as release 0.1.0 left them, before normalisation
        with connection.cursor() as cursor:
            for name in ("Legacy_Bob", "legacy_bob"):  # twins by case, allowed back then
                cursor.execute(
                    "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
                    " email, is_staff, is_active, date_joined, role, theme)"
                    " VALUES (%s, false, %s, '', '', '', false, true, %s, 'member', 'system')",
                    [make_password(PASSWORD), name, timezone.now()],
                )
    finally:
        migrate(None)
    assert User.objects.get(username="Legacy_Bob").username_key == "legacy_bob"
    assert login("Legacy_Bob").json()["user"]["username"] == "Legacy_Bob"
    assert login("legacy_bob").json()["user"]["username"] == "legacy_bob"
    assert login("LEGACY_BOB").status_code == 401  # ambiguous between the twins: exact spelling only
