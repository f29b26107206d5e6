from __future__ import annotations

import shlex
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.audit.models import AuditEvent
from everyst_hub.core.errors import Unauthenticated
from everyst_hub.ingest.server import server_tls
from everyst_hub.inventory import enrollment
from everyst_hub.inventory.models import Agent, EnrollmentToken, HostGroup

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db

ADMINS = ["owner", "admin"]
NON_ADMINS = ["operator_a", "viewer_a", "outsider"]
SECRET = "agent-secret-value"


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


def an_agent(host) -> Agent:
    return Agent.objects.create(host=host, secret_hash=enrollment.hash_secret(SECRET))


def a_token(**kwargs) -> EnrollmentToken:
    return enrollment.create_enrollment_token(**kwargs).token


def every_endpoint(world):
    token = a_token()
    agent = an_agent(world.host_a)
    return [
        ("get", "/api/v1/enrollment-tokens", None),
        ("post", "/api/v1/enrollment-tokens", {}),
        ("delete", f"/api/v1/enrollment-tokens/{token.id}", None),
        ("get", "/api/v1/agents", None),
        ("post", f"/api/v1/agents/{agent.id}/revoke", None),
    ]


@pytest.mark.parametrize("name", NON_ADMINS)
def test_non_admins_get_403_on_every_enrollment_endpoint(world, api, name):
    as_user(api, world.users()[name])
    for method, url, body in every_endpoint(world):
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json()["error"]["code"] == "permission_denied"
    assert EnrollmentToken.objects.count() == 1
    assert not Agent.objects.filter(revoked_at__isnull=False).exists()
    assert not AuditEvent.objects.exists()


def test_anonymous_gets_401_on_every_enrollment_endpoint(world, api):
    for method, url, body in every_endpoint(world):
        assert getattr(api, method)(url, body, format="json").status_code == 401, (method, url)


@pytest.mark.parametrize("name", ADMINS)
def test_admins_create_a_token_that_is_shown_once_and_stored_hashed(world, api, name):
    user = world.users()[name]
    response = as_user(api, user).post(
        "/api/v1/enrollment-tokens",
        {"description": "web servers", "expires_minutes": 30, "uses": 3, "group_id": world.group_a.id},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("evt_")
    stored = EnrollmentToken.objects.get(id=body["id"])
    assert stored.token_hash == enrollment.hash_secret(raw)
    assert raw not in stored.token_hash
    assert body["description"] == "web servers"
    assert body["uses_left"] == 3
    assert body["group"] == {"id": world.group_a.id, "name": "group-a"}
    assert body["created_by"] == name
    assert body["expired"] is False
    assert abs(stored.expires_at - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=30)
    assert body["ca_fingerprint"] == server_tls().ca_fingerprint
    assert body["hub_url"] == "http://testserver"

    listed = api.get("/api/v1/enrollment-tokens")
    assert listed.status_code == 200
    assert raw not in listed.content.decode()
    assert "token" not in listed.json()[0]
    assert listed.json()[0]["id"] == body["id"]


def test_a_created_token_defaults_to_one_use_for_an_hour(world, api):
    body = as_user(api, world.admin).post("/api/v1/enrollment-tokens", {}, format="json").json()
    stored = EnrollmentToken.objects.get(id=body["id"])
    assert stored.uses_left == 1
    assert body["group"] is None
    assert abs(stored.expires_at - (timezone.now() + timedelta(minutes=60))) < timedelta(seconds=30)


def test_the_install_command_is_one_line_that_pipes_the_hubs_script_with_token_and_fingerprint(
    world, api, settings
):
    settings.PUBLIC_URL = "https://hub.example.com"
    settings.PUBLIC_GRPC_ADDRESS = ""
    settings.GRPC_PORT = 50051
    body = as_user(api, world.owner).post("/api/v1/enrollment-tokens", {}, format="json").json()
    assert body["install_command"] == (
        "curl -fsSL https://hub.example.com/install.sh | sudo sh -s -- "
        f"--token {shlex.quote(body['token'])} --ca-fingerprint {body['ca_fingerprint']}"
    )
    assert body["hub_url"] == "https://hub.example.com"
    assert body["grpc_address"] == "hub.example.com:50051"
    assert body["install_warnings"] == []


def test_without_a_public_url_the_command_uses_the_request_host_and_says_so(world, api, settings):
    settings.PUBLIC_URL = ""
    settings.PUBLIC_GRPC_ADDRESS = ""
    settings.GRPC_PORT = 50123
    body = as_user(api, world.owner).post("/api/v1/enrollment-tokens", {}, format="json").json()
    assert body["grpc_address"] == "testserver:50123"
    assert body["install_command"].startswith("curl -fsSL http://testserver/install.sh | sudo sh -s -- ")
    warnings = " ".join(body["install_warnings"])
    assert "EVERYST_PUBLIC_URL is not set" in warnings and "plain HTTP" in warnings


def test_a_loopback_public_url_is_warned_about(world, api, settings):
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    body = as_user(api, world.owner).post("/api/v1/enrollment-tokens", {}, format="json").json()
    assert any("loopback" in w for w in body["install_warnings"])


def test_a_hostile_grpc_address_is_refused_before_any_token_exists(world, api, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_GRPC_ADDRESS = "hub;touch /tmp/pwned:50051"
    response = as_user(api, world.owner).post("/api/v1/enrollment-tokens", {}, format="json")
    assert response.status_code == 400
    assert not EnrollmentToken.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"expires_minutes": 0}, "expires_minutes"),
        ({"expires_minutes": 43201}, "expires_minutes"),
        ({"uses": 0}, "uses"),
        ({"uses": 1001}, "uses"),
        ({"group_id": 999999}, "group_id"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_invalid_token_requests_get_400_naming_the_field(world, api, payload, field):
    response = as_user(api, world.admin).post("/api/v1/enrollment-tokens", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert not EnrollmentToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_group_id_and_group_name_together_get_400(world, api):
    response = as_user(api, world.admin).post(
        "/api/v1/enrollment-tokens", {"group_id": world.group_a.id, "group_name": "web"}, format="json"
    )
    assert response.status_code == 400
    assert "group_name" in response.json()["error"]["fields"]
    assert not HostGroup.objects.filter(name="web").exists()


def test_a_group_name_joins_or_creates_that_host_group(world, api):
    as_user(api, world.admin)
    existing = api.post("/api/v1/enrollment-tokens", {"group_name": "group-b"}, format="json").json()
    assert existing["group"] == {"id": world.group_b.id, "name": "group-b"}
    new = api.post("/api/v1/enrollment-tokens", {"group_name": "  databases "}, format="json").json()
    assert new["group"]["name"] == "databases"
    assert HostGroup.objects.filter(name="databases").count() == 1


def test_tokens_are_listed_newest_first_with_expired_ones_marked(world, api):
    old = a_token(description="old", ttl=timedelta(minutes=-5))
    new = a_token(description="new", created_by=world.owner, group=world.group_a)
    EnrollmentToken.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=1))
    listed = as_user(api, world.admin).get("/api/v1/enrollment-tokens").json()
    assert [t["id"] for t in listed] == [new.id, old.id]
    assert [t["expired"] for t in listed] == [False, True]
    assert listed[0]["created_by"] == "owner"
    assert listed[0]["group"] == {"id": world.group_a.id, "name": "group-a"}
    assert listed[1]["created_by"] is None
    assert set(listed[0]) == {
        "id",
        "description",
        "expires_at",
        "uses_left",
        "group",
        "host",
        "created_by",
        "created_at",
        "expired",
        "enrolled_hosts",
    }


@pytest.mark.parametrize("name", ADMINS)
def test_admins_delete_a_token_which_then_cannot_enroll(world, api, name):
    created = enrollment.create_enrollment_token()
    response = as_user(api, world.users()[name]).delete(f"/api/v1/enrollment-tokens/{created.token.id}")
    assert response.status_code == 204
    assert not EnrollmentToken.objects.exists()
    with pytest.raises(Unauthenticated):
        enrollment.enroll_agent(created.raw, agent_pb2.HostFacts(hostname="late"))


def test_deleting_an_unknown_token_is_404(world, api):
    assert as_user(api, world.admin).delete("/api/v1/enrollment-tokens/424242").status_code == 404


def test_token_creation_and_deletion_are_audited(world, api):
    as_user(api, world.admin)
    body = api.post("/api/v1/enrollment-tokens", {"description": "db", "uses": 2}, format="json").json()
    created = AuditEvent.objects.get(action="enrollment_token.created")
    assert created.actor == world.admin
    assert created.target_type == "enrollmenttoken"
    assert created.target_id == str(body["id"])
    assert created.target_name == "db"
    assert created.ip == "127.0.0.1"
    assert created.details["uses"] == 2
    assert body["token"] not in str(created.details)

    assert api.delete(f"/api/v1/enrollment-tokens/{body['id']}").status_code == 204
    deleted = AuditEvent.objects.get(action="enrollment_token.deleted")
    assert deleted.actor == world.admin
    assert deleted.target_id == str(body["id"])


def test_agents_are_listed_with_their_host_and_state(world, api):
    world.host_a.connected = True
    world.host_a.last_seen = timezone.now()
    world.host_a.save()
    agent = an_agent(world.host_a)
    listed = as_user(api, world.owner).get("/api/v1/agents").json()
    assert listed == [
        {
            "id": str(agent.id),
            "host": {"id": str(world.host_a.id), "hostname": "host-a"},
            "created_at": agent.created_at.isoformat().replace("+00:00", "Z"),
            "revoked_at": None,
            "connected": True,
            "last_seen": world.host_a.last_seen.isoformat().replace("+00:00", "Z"),
        }
    ]


@pytest.mark.parametrize("name", ADMINS)
def test_admins_revoke_an_agent_which_then_fails_to_authenticate(world, api, name):
    agent = an_agent(world.host_a)
    assert enrollment.authenticate_agent(str(agent.id), SECRET) == agent
    response = as_user(api, world.users()[name]).post(f"/api/v1/agents/{agent.id}/revoke")
    assert response.status_code == 200
    assert response.json()["id"] == str(agent.id)
    assert response.json()["revoked_at"] is not None
    with pytest.raises(Unauthenticated):
        enrollment.authenticate_agent(str(agent.id), SECRET)
    event = AuditEvent.objects.get(action="agent.revoked")
    assert event.actor == world.users()[name]
    assert event.target_id == str(agent.id)
    assert event.details["hostname"] == "host-a"


def test_revoking_twice_keeps_the_first_revocation_and_one_audit_event(world, api):
    agent = an_agent(world.host_a)
    as_user(api, world.admin)
    first = api.post(f"/api/v1/agents/{agent.id}/revoke").json()["revoked_at"]
    second = api.post(f"/api/v1/agents/{agent.id}/revoke").json()["revoked_at"]
    assert first == second
    assert AuditEvent.objects.filter(action="agent.revoked").count() == 1


@pytest.mark.parametrize("agent_id", ["not-a-uuid", str(uuid.uuid4())])
def test_revoking_an_unknown_agent_is_404(world, api, agent_id):
    assert as_user(api, world.admin).post(f"/api/v1/agents/{agent_id}/revoke").status_code == 404
