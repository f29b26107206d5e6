"""Host groups: admins manage them and their hosts; members see only the groups they are granted,
and a membership change moves hosts in and out of their view (REST at once, live sockets too)."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from everyst_hub.audit.models import AuditEvent
from everyst_hub.config.asgi import application
from everyst_hub.inventory.models import Host, HostGroup

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db

ADMINS = ["owner", "admin"]
NON_ADMINS = ["operator_a", "viewer_a", "outsider"]


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


def visible_hostnames(api) -> set[str]:
    response = api.get("/api/v1/hosts")
    assert response.status_code == 200
    return {h["hostname"] for h in response.json()}


def groups_by_name(api) -> dict[str, dict]:
    response = api.get("/api/v1/host-groups")
    assert response.status_code == 200
    return {g["name"]: g for g in response.json()}


@pytest.mark.parametrize("name", ADMINS)
def test_admins_list_every_group_with_its_hosts_and_access(world, api, name):
    groups = groups_by_name(as_user(api, world.users()[name]))
    assert set(groups) == {"group-a", "group-b"}
    a = groups["group-a"]
    assert a["id"] == world.group_a.id
    assert a["host_count"] == 1
    assert a["host_ids"] == [str(world.host_a.id)]
    assert a["my_role"] == "admin"
    assert a["access"] == [
        {"user_id": world.operator_a.id, "username": "operator_a", "role": "operator"},
        {"user_id": world.viewer_a.id, "username": "viewer_a", "role": "viewer"},
    ]
    assert groups["group-b"]["access"] == []


@pytest.mark.parametrize(("name", "role"), [("operator_a", "operator"), ("viewer_a", "viewer")])
def test_members_see_only_their_groups_and_their_role_without_the_access_list(world, api, name, role):
    groups = groups_by_name(as_user(api, world.users()[name]))
    assert set(groups) == {"group-a"}
    assert groups["group-a"]["my_role"] == role
    assert groups["group-a"]["host_ids"] == [str(world.host_a.id)]
    assert "access" not in groups["group-a"]


def test_an_outsider_sees_no_group(world, api):
    assert groups_by_name(as_user(api, world.outsider)) == {}


def test_anonymous_gets_401_on_host_groups(world, api):
    assert api.get("/api/v1/host-groups").status_code == 401


def test_admin_creates_renames_and_deletes_a_group(world, api):
    as_user(api, world.admin)
    created = api.post("/api/v1/host-groups", {"name": "  web  ", "description": "Front ends"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "web"
    assert body["description"] == "Front ends"
    assert body["host_count"] == 0 and body["host_ids"] == [] and body["access"] == []

    renamed = api.patch(f"/api/v1/host-groups/{body['id']}", {"name": "web-eu"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "web-eu"
    assert renamed.json()["description"] == "Front ends"
    described = api.patch(f"/api/v1/host-groups/{body['id']}", {"description": ""}, format="json")
    assert described.json()["description"] == ""

    assert api.delete(f"/api/v1/host-groups/{body['id']}").status_code == 204
    assert not HostGroup.objects.filter(id=body["id"]).exists()
    assert api.delete(f"/api/v1/host-groups/{body['id']}").status_code == 404


def test_a_duplicate_group_name_is_refused_with_409(world, api):
    as_user(api, world.admin)
    response = api.post("/api/v1/host-groups", {"name": "GROUP-A"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "group-a" in response.json()["error"]["message"].lower()
    rename = api.patch(f"/api/v1/host-groups/{world.group_b.id}", {"name": "group-a"}, format="json")
    assert rename.status_code == 409
    assert HostGroup.objects.get(id=world.group_b.id).name == "group-b"


def test_renaming_a_group_to_its_own_name_is_not_a_conflict(world, api):
    as_user(api, world.admin)
    response = api.patch(f"/api/v1/host-groups/{world.group_a.id}", {"name": "group-a"}, format="json")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="host_group.updated").exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_group_name_needs_1_to_100_characters(world, api, name):
    as_user(api, world.admin)
    assert api.post("/api/v1/host-groups", {"name": name}, format="json").status_code == 400
    assert api.post("/api/v1/host-groups", {"name": "x" * 100}, format="json").status_code == 201


@pytest.mark.parametrize("name", NON_ADMINS)
def test_members_get_403_on_every_group_write(world, api, name):
    as_user(api, world.users()[name])
    gid = world.group_a.id
    writes = [
        ("post", "/api/v1/host-groups", {"name": "mine"}),
        ("patch", f"/api/v1/host-groups/{gid}", {"name": "renamed"}),
        ("delete", f"/api/v1/host-groups/{gid}", None),
        ("put", f"/api/v1/host-groups/{gid}/hosts", {"host_ids": [str(world.host_b.id)]}),
    ]
    for method, url, body in writes:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 403, (method, url)
    assert sorted(HostGroup.objects.values_list("name", flat=True)) == ["group-a", "group-b"]
    assert list(world.group_a.hosts.all()) == [world.host_a]
    assert not AuditEvent.objects.filter(action__startswith="host_group.").exists()


def test_putting_host_b_into_group_a_shows_it_to_viewer_a_on_the_next_request(world, api):
    viewer = as_user(api, world.viewer_a)
    assert visible_hostnames(viewer) == {"host-a"}
    admin_api = type(api)()
    as_user(admin_api, world.admin)
    ids = [str(world.host_a.id), str(world.host_b.id)]
    response = admin_api.put(
        f"/api/v1/host-groups/{world.group_a.id}/hosts", {"host_ids": ids}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["host_count"] == 2
    assert visible_hostnames(viewer) == {"host-a", "host-b"}
    assert api.get(f"/api/v1/hosts/{world.host_b.id}").status_code == 200
    # A host may be in several groups: host_b stays in group B as well.
    assert set(Host.objects.get(id=world.host_b.id).groups.values_list("name", flat=True)) == {
        "group-a",
        "group-b",
    }


def test_removing_a_host_from_group_a_hides_it_from_viewer_a(world, api):
    as_user(api, world.admin)
    response = api.put(f"/api/v1/host-groups/{world.group_a.id}/hosts", {"host_ids": []}, format="json")
    assert response.status_code == 200
    assert response.json()["host_ids"] == []
    as_user(api, world.viewer_a)
    assert visible_hostnames(api) == set()
    assert api.get(f"/api/v1/hosts/{world.host_a.id}").status_code == 404
    assert groups_by_name(api)["group-a"]["host_count"] == 0


def test_deleting_a_group_hides_the_hosts_reachable_only_through_it(world, api):
    as_user(api, world.admin)
    assert api.delete(f"/api/v1/host-groups/{world.group_a.id}").status_code == 204
    assert Host.objects.filter(id=world.host_a.id).exists()
    as_user(api, world.viewer_a)
    assert visible_hostnames(api) == set()
    assert groups_by_name(api) == {}


def test_unknown_host_ids_are_refused_with_400_naming_them(world, api):
    as_user(api, world.admin)
    missing = str(uuid.uuid4())
    body = {"host_ids": [str(world.host_b.id), missing, "not-a-uuid"]}
    response = api.put(f"/api/v1/host-groups/{world.group_a.id}/hosts", body, format="json")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert missing in message and "not-a-uuid" in message
    assert list(world.group_a.hosts.all()) == [world.host_a]
    assert not AuditEvent.objects.filter(action="host_group.hosts_changed").exists()


def test_setting_hosts_of_an_unknown_group_is_404(world, api):
    as_user(api, world.admin)
    response = api.put("/api/v1/host-groups/999999/hosts", {"host_ids": []}, format="json")
    assert response.status_code == 404


def test_every_group_change_is_audited(world, api):
    as_user(api, world.admin)
    gid = api.post("/api/v1/host-groups", {"name": "db"}, format="json").json()["id"]
    api.patch(f"/api/v1/host-groups/{gid}", {"name": "databases", "description": "PostgreSQL"}, format="json")
    api.put(f"/api/v1/host-groups/{gid}/hosts", {"host_ids": [str(world.host_b.id)]}, format="json")
    api.delete(f"/api/v1/host-groups/{gid}")
    events = list(AuditEvent.objects.filter(action__startswith="host_group.").order_by("id"))
    assert [e.action for e in events] == [
        "host_group.created",
        "host_group.updated",
        "host_group.hosts_changed",
        "host_group.deleted",
    ]
    assert all(e.actor_name == "admin" and e.target_id == str(gid) for e in events)
    assert events[1].details["changes"]["name"] == ["db", "databases"]
    assert events[2].details["added"] == ["host-b"] and events[2].details["removed"] == []
    assert events[3].target_name == "databases"


def test_setting_the_same_hosts_again_changes_and_records_nothing(world, api):
    as_user(api, world.admin)
    body = {"host_ids": [str(world.host_a.id), str(world.host_a.id)]}
    assert api.put(f"/api/v1/host-groups/{world.group_a.id}/hosts", body, format="json").status_code == 200
    assert not AuditEvent.objects.filter(action="host_group.hosts_changed").exists()


HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


async def live_fleet_socket(user) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(access_token_for)(user)})
    assert (await ws.receive_json_from())["type"] == "auth.ok"
    await ws.send_json_to({"type": "subscribe", "topic": "fleet"})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    return ws


@pytest.mark.django_db(transaction=True)
async def test_viewer_a_live_socket_loses_host_a_when_it_leaves_group_a(world):
    from everyst_hub.inventory.groups import set_group_hosts

    from tests.support.publish import publish_samples

    ws = await live_fleet_socket(world.viewer_a)
    await sync_to_async(set_group_hosts)(world.admin, world.group_a.id, [], None)
    assert await ws.receive_json_from() == {"type": "access", "lost": [str(world.host_a.id)]}
    await publish_samples({str(world.host_a.id): {"ts": 9}})
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_viewer_a_live_socket_gains_host_b_when_it_joins_group_a(world):
    from everyst_hub.inventory.groups import set_group_hosts

    from tests.support.publish import publish_samples

    ws = await live_fleet_socket(world.viewer_a)
    ids = [str(world.host_a.id), str(world.host_b.id)]
    await sync_to_async(set_group_hosts)(world.admin, world.group_a.id, ids, None)
    assert await ws.receive_json_from() == {"type": "access", "lost": []}
    host_frame = await ws.receive_json_from()
    assert host_frame["type"] == "host" and host_frame["host"]["id"] == str(world.host_b.id)
    await publish_samples({str(world.host_b.id): {"ts": 10}})
    assert await ws.receive_json_from() == {
        "type": "sample",
        "host": str(world.host_b.id),
        "sample": {"ts": 10},
    }
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_deleting_group_a_drops_host_a_from_viewer_a_live_socket(world):
    from everyst_hub.inventory.groups import delete_host_group

    ws = await live_fleet_socket(world.viewer_a)
    await sync_to_async(delete_host_group)(world.admin, world.group_a.id, None)
    assert await ws.receive_json_from() == {"type": "access", "lost": [str(world.host_a.id)]}
    await ws.disconnect()
