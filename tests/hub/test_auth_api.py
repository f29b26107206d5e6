from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(api, username="owner", password=PASSWORD):
    return api.post("/api/v1/auth/login", {"username": username, "password": password}, format="json")


def test_login_returns_an_access_token_and_an_httponly_refresh_cookie(world, api):
    response = login(api)
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "owner"
    assert response.json()["user"]["role"] == "owner"
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/v1/auth/"
    me = api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.status_code == 200 and me.json()["username"] == "owner"


def test_wrong_password_gets_401_and_no_token(world, api):
    response = login(api, password="wrong password!")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == "invalid_credentials"
    assert "access" not in body
    assert settings.REFRESH_COOKIE_NAME not in response.cookies


def test_disabled_user_cannot_log_in(world, api):
    world.viewer_a.is_active = False
    world.viewer_a.save()
    assert login(api, "viewer_a").status_code == 401


def test_malformed_json_gets_a_clear_400(world, api):
    response = api.post("/api/v1/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_missing_fields_get_a_400_naming_them(world, api):
    response = api.post("/api/v1/auth/login", {"username": "owner"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_refresh_rotates_the_cookie_and_the_old_refresh_token_is_refused(world, api):
    login(api)
    first_refresh = api.cookies[settings.REFRESH_COOKIE_NAME].value
    response = api.post("/api/v1/auth/refresh")
    assert response.status_code == 200 and response.json()["access"]
    second_refresh = api.cookies[settings.REFRESH_COOKIE_NAME].value
    assert second_refresh != first_refresh
    api.cookies[settings.REFRESH_COOKIE_NAME] = first_refresh
    reused = api.post("/api/v1/auth/refresh")
    assert reused.status_code == 401


def test_logout_blacklists_the_refresh_token(world, api):
    login(api)
    refresh = api.cookies[settings.REFRESH_COOKIE_NAME].value
    assert api.post("/api/v1/auth/logout").status_code == 204
    api.cookies[settings.REFRESH_COOKIE_NAME] = refresh
    assert api.post("/api/v1/auth/refresh").status_code == 401


def test_refresh_without_cookie_is_401(world, api):
    response = api.post("/api/v1/auth/refresh")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "no_refresh_token"


def test_forged_access_token_is_refused(world, api):
    import jwt

    forged = jwt.encode(
        {"token_type": "access", "user_id": str(world.owner.id), "exp": 9999999999, "jti": "x"},
        "an-attacker-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    response = api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401


def test_unknown_api_path_is_a_json_404(world, api):
    response = api.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
