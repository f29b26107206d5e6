"""Hardening: tokens, headers, hosts, CORS, secrets from files, enrollment token expiry."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from everyst.agent.v1 import agent_pb2
from everyst_hub.config.env import ConfigError, env_str
from everyst_hub.core.errors import Unauthenticated
from everyst_hub.inventory.enrollment import create_enrollment_token, enroll_agent
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def me(api, token):
    return api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_token_blacklist_app_is_installed():
    assert "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] and settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"]


def test_jwts_are_signed_with_a_key_of_their_own():
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY


def test_debug_is_off_by_default():
    assert settings.DEBUG is False


def test_an_unsigned_alg_none_token_is_refused(world, api):
    claims = {"token_type": "access", "user_id": str(world.owner.id), "exp": 9999999999, "jti": "x"}
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert me(api, token).status_code == 401


def test_an_expired_access_token_is_refused(world, api):
    token = AccessToken.for_user(world.owner)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert me(api, str(token)).status_code == 401


def test_a_refresh_token_cannot_be_used_as_an_access_token(world, api):
    assert me(api, str(RefreshToken.for_user(world.owner))).status_code == 401


def test_a_token_of_a_disabled_user_is_refused(world, api):
    token = str(AccessToken.for_user(world.viewer_a))
    world.viewer_a.is_active = False
    world.viewer_a.save()
    assert me(api, token).status_code == 401


def test_security_headers_are_set_on_api_answers(world, api):
    response = api.get("/api/v1/setup")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_dashboard_page_has_a_strict_content_security_policy(client, tmp_path, settings):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    settings.FRONTEND_DIST = tmp_path
    response = client.get("/hosts/123")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def test_unknown_host_headers_are_refused(client):
    assert client.get("/api/v1/setup", HTTP_HOST="evil.example").status_code == 400


def test_cors_is_closed_unless_origins_are_configured(client):
    preflight = {"HTTP_ORIGIN": "https://elsewhere.example", "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}
    response = client.options("/api/v1/hosts", **preflight)
    assert "access-control-allow-origin" not in {k.lower() for k in response.headers}
    with override_settings(CORS_ALLOWED_ORIGINS=["https://elsewhere.example"]):
        allowed = client.options("/api/v1/hosts", **preflight)
    assert allowed["Access-Control-Allow-Origin"] == "https://elsewhere.example"


def test_secrets_can_come_from_files(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("EVERYST_TEST_SECRET_FILE", str(secret))
    assert env_str("EVERYST_TEST_SECRET", "") == "from-a-file"
    monkeypatch.setenv("EVERYST_TEST_SECRET", "both")
    with pytest.raises(ConfigError, match="both set"):
        env_str("EVERYST_TEST_SECRET", "")


def test_an_expired_enrollment_token_is_refused(world):
    created = create_enrollment_token(ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthenticated, match="expired"):
        enroll_agent(created.raw, agent_pb2.HostFacts(hostname="late", machine_id="c" * 32))


def test_an_enrollment_token_with_several_uses_is_exhausted_after_them(world):
    created = create_enrollment_token(uses=2)
    for name in ("one", "two"):
        enroll_agent(created.raw, agent_pb2.HostFacts(hostname=name, machine_id=name * 16))
    with pytest.raises(Unauthenticated, match="used up"):
        enroll_agent(created.raw, agent_pb2.HostFacts(hostname="three", machine_id="t" * 32))


def test_the_refresh_cookie_is_secure_when_served_over_tls(world, api):
    response = api.post(
        "/api/v1/auth/login", {"username": "owner", "password": PASSWORD}, format="json", secure=True
    )
    assert response.cookies[settings.REFRESH_COOKIE_NAME]["secure"] is True
    plain = api.post("/api/v1/auth/login", {"username": "owner", "password": PASSWORD}, format="json")
    assert not plain.cookies[settings.REFRESH_COOKIE_NAME]["secure"]
