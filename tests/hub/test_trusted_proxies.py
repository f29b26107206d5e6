"""Behind a reverse proxy every request comes from the proxy's address: the client's own address
is believed from X-Forwarded-For only when a trusted proxy appended it, so the audit log and the
login throttle see real clients and a client cannot pick the address it is judged by."""

from __future__ import annotations

import ipaddress

import pytest
from django.conf import settings
from everyst_hub.audit.models import AuditEvent
from everyst_hub.config.env import ConfigError, env_networks
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
OWNER_HOME = "127.0.0.20"
STRANGER = "127.0.0.66"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network(PROXY)]


def login(password: str, forwarded_for: str, peer: str = PROXY):
    return APIClient().post(
        "/api/v1/auth/login",
        {"username": "owner", "password": password},
        format="json",
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def last_login_ip() -> str | None:
    return AuditEvent.objects.filter(action__startswith="login").latest("id").ip


def test_forwarded_for_is_ignored_when_no_proxy_is_trusted(world):
    assert login(PASSWORD, forwarded_for=OWNER_HOME, peer=STRANGER).status_code == 200
    assert last_login_ip() == STRANGER


def test_the_audit_log_records_the_client_a_trusted_proxy_forwarded(world, behind_proxy):
    assert login(PASSWORD, forwarded_for=OWNER_HOME).status_code == 200
    assert last_login_ip() == OWNER_HOME


def test_a_client_cannot_choose_its_address_by_writing_the_header_itself(world, behind_proxy):
    # The client wrote the first entry; the proxy appended the address it really came from.
    assert login(PASSWORD, forwarded_for=f"{OWNER_HOME}, {STRANGER}").status_code == 200
    assert last_login_ip() == STRANGER


def test_a_request_from_an_untrusted_peer_is_judged_by_the_peer(world, behind_proxy):
    assert login(PASSWORD, forwarded_for=OWNER_HOME, peer=STRANGER).status_code == 200
    assert last_login_ip() == STRANGER


def test_the_owner_behind_the_proxy_logs_in_while_a_stranger_behind_it_hammers(world, behind_proxy):
    for _ in range(3 * settings.LOGIN_MAX_FAILURES):
        assert login("wrong-password", forwarded_for=STRANGER).status_code in {401, 429}
    assert login(PASSWORD, forwarded_for=STRANGER).status_code == 429
    assert login(PASSWORD, forwarded_for=OWNER_HOME).status_code == 200


def test_a_trusted_proxy_setting_that_is_not_an_address_fails_at_start(monkeypatch):
    monkeypatch.setenv("EVERYST_TRUSTED_PROXIES", "127.0.0.1, nginx")
    with pytest.raises(ConfigError, match="EVERYST_TRUSTED_PROXIES: 'nginx' is not an IP address"):
        env_networks("EVERYST_TRUSTED_PROXIES", [])
