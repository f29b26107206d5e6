"""Weight and caching (issue #12 item 7): the dashboard's hashed files are served compressed by
Accept-Encoding and cached for good, index.html is revalidated, and large JSON answers to GET
are gzipped while answers that may carry a secret never are."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory
from everyst_hub.core.compression import MIN_COMPRESSED_BYTES, JsonCompressionMiddleware
from everyst_hub.inventory.models import Host

from tests.conftest import access_token_for

ASSET = "/assets/index-BXViR1_a.js"
SCRIPT = b"console.log('everyst');\n" * 400


@pytest.fixture
def built_frontend(tmp_path: Path, settings) -> Path:
    """A build as vite writes it: hashed files with .br and .gz beside them, and index.html."""
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "index-BXViR1_a.js").write_bytes(SCRIPT)
    (assets / "index-BXViR1_a.js.gz").write_bytes(gzip.compress(SCRIPT))
    (assets / "index-BXViR1_a.js.br").write_bytes(b"pretend-brotli")
    (tmp_path / "index.html").write_text('<!doctype html><script src="/assets/index-BXViR1_a.js"></script>')
    settings.WHITENOISE_ROOT = tmp_path
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def test_a_hashed_asset_is_served_as_brotli_to_a_browser_that_accepts_it(built_frontend, client):
    response = client.get(ASSET, HTTP_ACCEPT_ENCODING="gzip, deflate, br, zstd")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert b"".join(response.streaming_content) == b"pretend-brotli"
    assert "Accept-Encoding" in response["Vary"]


def test_a_hashed_asset_is_served_gzipped_without_brotli_and_plain_without_either(built_frontend, client):
    gzipped = client.get(ASSET, HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(gzipped.streaming_content)) == SCRIPT
    plain = client.get(ASSET)
    assert "Content-Encoding" not in plain
    assert b"".join(plain.streaming_content) == SCRIPT


def test_a_hashed_asset_is_cached_as_immutable_for_at_least_a_year(built_frontend, client):
    cache_control = client.get(ASSET, HTTP_ACCEPT_ENCODING="br")["Cache-Control"]
    directives = {d.strip().split("=")[0]: d.strip() for d in cache_control.split(",")}
    assert "public" in directives and "immutable" in directives
    assert int(directives["max-age"].split("=")[1]) >= 31_536_000


def test_index_html_is_revalidated_on_every_visit_at_the_root_and_by_its_name(built_frontend, client):
    for path in ("/", "/fleet-or-any-route", "/index.html"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-cache", path
        assert "script-src 'self'" in response["Content-Security-Policy"], path
        assert "immutable" not in response["Cache-Control"]


@pytest.mark.django_db
def test_a_large_json_answer_is_gzipped(world, api):
    Host.objects.bulk_create(
        [Host(hostname=f"web-{n:03}.example.internal", machine_id=f"{n:032x}") for n in range(60)]
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.owner)}")
    plain = api.get("/api/v1/hosts")
    assert "Content-Encoding" not in plain and len(plain.content) > 4 * MIN_COMPRESSED_BYTES
    compressed = api.get("/api/v1/hosts", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) < len(plain.content) / 3
    assert gzip.decompress(compressed.content) == plain.content


@pytest.mark.django_db
def test_a_small_json_answer_is_left_as_it_is(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.viewer_a)}")
    response = api.get("/api/v1/auth/me", HTTP_ACCEPT_ENCODING="gzip")
    assert len(response.content) < MIN_COMPRESSED_BYTES
    assert "Content-Encoding" not in response


SECRET = "evt_" + "s3cr3t" * 10
REFLECTED = "attacker-chosen " * 200


def compressed_by_middleware(method: str, response: HttpResponse) -> bool:
    request = RequestFactory().generic(method, "/api/v1/anything", HTTP_ACCEPT_ENCODING="gzip")
    answered = JsonCompressionMiddleware(lambda _request: response)(request)
    return answered.get("Content-Encoding") == "gzip"


def test_an_answer_to_a_post_is_never_compressed_whatever_it_carries():
    # A new enrollment token next to a description the caller chose: the shape BREACH needs.
    answer = JsonResponse({"token": SECRET, "description": REFLECTED})
    assert not compressed_by_middleware("POST", answer)
    assert compressed_by_middleware("GET", JsonResponse({"token": SECRET, "description": REFLECTED}))


def test_an_answer_that_says_no_store_is_never_compressed():
    answer = JsonResponse({"access": SECRET, "echo": REFLECTED})
    answer["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    assert not compressed_by_middleware("GET", answer)


def test_a_token_answer_from_the_login_endpoint_is_not_compressed(world, api):
    response = api.post(
        "/api/v1/auth/login",
        {"username": "owner", "password": "correct horse battery staple"},
        format="json",
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert response.status_code == 200 and "Content-Encoding" not in response
