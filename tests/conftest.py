"""Shared fixtures: the named users every hub test reuses, and their hosts.

- owner, admin: see and manage everything
- operator_a, viewer_a: operator / viewer of host group A
- outsider: a user with no group at all
- host_a in group A, host_b in group B
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    owner: Any
    admin: Any
    operator_a: Any
    viewer_a: Any
    outsider: Any
    group_a: Any
    group_b: Any
    host_a: Any
    host_b: Any

    def users(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "admin": self.admin,
            "operator_a": self.operator_a,
            "viewer_a": self.viewer_a,
            "outsider": self.outsider,
        }


@pytest.fixture
def world(db: Any) -> World:
    from everyst_hub.accounts.models import User
    from everyst_hub.inventory.models import Host, HostGroup, HostGroupAccess

    def user(name: str, role: str = User.Role.MEMBER) -> User:
        u = User(username=name, role=role)
        u.set_password(PASSWORD)
        u.save()
        return u

    group_a = HostGroup.objects.create(name="group-a")
    group_b = HostGroup.objects.create(name="group-b")
    host_a = Host.objects.create(hostname="host-a", machine_id="a" * 32)
    host_b = Host.objects.create(hostname="host-b", machine_id="b" * 32)
    host_a.groups.add(group_a)
    host_b.groups.add(group_b)
    w = World(
        owner=user("owner", User.Role.OWNER),
        admin=user("admin", User.Role.ADMIN),
        operator_a=user("operator_a"),
        viewer_a=user("viewer_a"),
        outsider=user("outsider"),
        group_a=group_a,
        group_b=group_b,
        host_a=host_a,
        host_b=host_b,
    )
    HostGroupAccess.objects.create(user=w.operator_a, group=group_a, role=HostGroupAccess.Role.OPERATOR)
    HostGroupAccess.objects.create(user=w.viewer_a, group=group_a, role=HostGroupAccess.Role.VIEWER)
    return w


@pytest.fixture
def api() -> Any:
    from rest_framework.test import APIClient

    return APIClient()


def access_token_for(user: Any) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)
