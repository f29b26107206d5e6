"""inventory/access.py, where every role check of the hub lives: who administers the fleet and
its users, and who sees and operates which host; and no role check anywhere else."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from everyst_hub.accounts.api_tokens import create_api_token
from everyst_hub.accounts.models import ApiToken, User
from everyst_hub.core.errors import Forbidden
from everyst_hub.inventory import access

from tests.support.imports import HUB

pytestmark = pytest.mark.django_db


def through_token(user: Any, role: str, groups: list[Any]) -> Any:
    """The user as a request made with one of their API tokens sees it (accounts/authentication.py)."""
    created = create_api_token(
        user, name=role, role=role, group_ids=[g.id for g in groups], expires_in_days=1, ip=None
    )
    as_token = User.objects.get(pk=user.pk)
    as_token.api_token = created.token
    return as_token


def test_owners_and_admins_see_everything_on_a_session_but_not_through_an_api_token(world: Any) -> None:
    assert [access.sees_everything(u) for u in (world.owner, world.admin, world.operator_a)] == [
        True,
        True,
        False,
    ]
    admin_token = through_token(world.admin, ApiToken.Role.READ, [world.group_a])
    assert access.holds_fleet_role(admin_token) and not access.sees_everything(admin_token)
    assert access.visible_host_ids(admin_token) == {str(world.host_a.id)}
    assert world.owner.sees_everything and not world.viewer_a.sees_everything


def test_only_active_owners_and_admins_administer_the_fleet(world: Any) -> None:
    access.require_fleet_admin(world.admin, "no")
    for actor in (world.operator_a, None):
        with pytest.raises(Forbidden, match="only admins here"):
            access.require_fleet_admin(actor, "only admins here")
    world.admin.is_active = False
    world.admin.save(update_fields=["is_active"])
    with pytest.raises(Forbidden):
        access.require_fleet_admin(world.admin, "no")
    assert set(access.fleet_admins()) == {world.owner}


def test_only_an_owner_manages_owners_and_admins(world: Any) -> None:
    access.require_may_manage_user(world.owner, User.Role.ADMIN, world.admin)
    access.require_may_manage_user(world.admin, User.Role.MEMBER, world.viewer_a)
    with pytest.raises(Forbidden, match="Only an owner"):
        access.require_may_manage_user(world.admin, User.Role.ADMIN)  # making an admin
    with pytest.raises(Forbidden, match="Only an owner"):
        access.require_may_manage_user(world.admin, User.Role.MEMBER, world.owner)  # demoting an owner
    with pytest.raises(Forbidden, match="Only owners and admins"):
        access.require_may_manage_user(world.operator_a, User.Role.MEMBER, world.viewer_a)


def test_an_owner_stops_being_one_when_demoted_or_disabled_and_a_demotion_is_told_from_a_promotion(
    world: Any,
) -> None:
    assert access.ends_ownership(world.owner, {"role": User.Role.ADMIN})
    assert access.ends_ownership(world.owner, {"is_active": False})
    assert not access.ends_ownership(world.owner, {"email": "o@example.org"})
    assert not access.ends_ownership(world.admin, {"role": User.Role.MEMBER})
    assert access.demoted(User.Role.OWNER, User.Role.ADMIN) and access.demoted(
        User.Role.ADMIN, User.Role.MEMBER
    )
    assert not access.demoted(User.Role.MEMBER, User.Role.ADMIN)


def test_a_read_only_token_operates_nothing_and_an_operator_token_only_what_its_user_operates(
    world: Any,
) -> None:
    assert not access.token_operates(ApiToken.Role.READ) and access.token_operates(ApiToken.Role.OPERATE)
    reader = through_token(world.operator_a, ApiToken.Role.READ, [world.group_a])
    assert access.operated_group_ids(reader) == set()
    operator = through_token(world.operator_a, ApiToken.Role.OPERATE, [world.group_a])
    assert access.operated_group_ids(operator) == {world.group_a.id}
    with pytest.raises(Forbidden):
        access.get_operable_host(
            through_token(world.viewer_a, ApiToken.Role.READ, [world.group_a]), world.host_a.id
        )


def test_who_sees_a_host_one_at_a_time_and_many_at_once_agree(world: Any) -> None:
    one = {u.username for u in access.users_who_see_host(world.host_a.id)}
    assert one == {"owner", "admin", "operator_a", "viewer_a"}
    many = access.users_who_see_hosts(
        {world.host_a.id: {world.group_a.id}, world.host_b.id: {world.group_b.id}}
    )
    assert {u.username for u in many[world.host_a.id]} == one
    assert {u.username for u in many[world.host_b.id]} == {"owner", "admin"}


def _role_checks(path: Path) -> list[str]:
    """Comparisons with a role constant (User.Role.OWNER, HostGroupAccess.Role.OPERATOR, "admin"…)
    of anything's role: the checks that belong in access.py."""

    def constant(node: ast.expr) -> bool:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            return node.value.attr == "Role" and node.attr.isupper()
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return any(constant(e) for e in node.elts)
        return isinstance(node, ast.Name) and node.id.endswith("ROLES")

    def role(node: ast.expr) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr in ("role", "my_role")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr":
            return any(isinstance(a, ast.Constant) and a.value == "role" for a in node.args)
        return isinstance(node, ast.Name) and node.id in ("role", "my_role")

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(map(role, operands)) and any(map(constant, operands)):
                found.append(f"{path.relative_to(HUB)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_role_is_checked_outside_access_py() -> None:
    checks = [
        check
        for path in sorted(HUB.rglob("*.py"))
        if "migrations" not in path.parts and path != HUB / "inventory" / "access.py"
        for check in _role_checks(path)
    ]
    assert checks == []
    assert _role_checks(HUB / "inventory" / "access.py")  # the check itself sees role checks
