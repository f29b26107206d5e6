"""Build a database as a released hub left it: migrate a fresh database to that release's
migration leaf nodes and fill it through the ORM of that state (historical models, so no code of
today's models runs). `python -m tests.support.release_db 0.1.0` against the database of the
environment (EVERYST_DATA_DIR, DATABASE_URL); prints what it stored as JSON.

Add each release's leaf nodes to RELEASES when it is cut: the upgrade test then guards every
later migration against the data of every release still supported. They keep the names the
release gave them: migrations squashed since are found through their `replaces`, and a squash
that the release's databases hold only part of (which Django cannot migrate without the deleted
files) is refused."""

from __future__ import annotations

import base64
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

# Our apps' newest migration in each release (None: the app did not exist yet); other apps
# (Django's, simplejwt's) come from the installed packages and are migrated to their own leaves.
# 0.1.0 is what main held at ce4ba63, the last landing before alerts, API tokens and the
# enrollment and session fixes: the databases deployed hubs have today.
RELEASES: dict[str, dict[str, str | None]] = {
    "0.1.0": {
        "accounts": "0002_login_lockout_and_theme",
        "alerts": None,
        "audit": "0001_initial",
        "inventory": "0001_initial",
        "metrics": "0004_natural_primary_keys",
        "network": "0002_device_hostname_source",
        "tools": "0002_job_last_event_at",
    },
}

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def holder(loader: Any, app: str, name: str) -> tuple[str, str]:
    """Today's migration that holds a release's leaf (app, name): that migration itself, or the
    squashed one that replaces it. A release's databases must hold all of it: Django marks a
    squashed migration applied only when every migration it replaces is."""
    key = (app, name)
    squashes = [migration for migration in loader.replacements.values() if key in migration.replaces]
    if not squashes and key not in loader.disk_migrations:
        raise LookupError(f"no migration of today is or replaces {app}.{name}")
    migration = squashes[0] if squashes else loader.disk_migrations[key]
    if migration.replaces and migration.replaces[-1] != key:
        raise AssertionError(
            f"{app}.{migration.name} squashes {name} and migrations after it: the databases of a "
            "release that stopped at it could not be upgraded (squash up to the release's leaf only)"
        )
    return (app, migration.name)


def migrate_to_release(release: str) -> Any:
    """Migrate the (empty) database to `release`; the historical apps registry of that state."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    ours = RELEASES[release]
    executor = MigrationExecutor(connection)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ours]
    leaves = [holder(executor.loader, app, name) if name else (app, None) for app, name in ours.items()]
    targets = [*others, *leaves]
    executor.migrate(targets)
    nodes = [(app, name) for app, name in targets if name is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def fill(apps: Any) -> dict[str, Any]:
    """Representative rows of every app, as the release's hub would have written them."""
    from django.contrib.auth.hashers import make_password

    def model(label: str) -> Any:
        return apps.get_model(*label.split("."))

    user_model = model("accounts.User")
    owner = user_model.objects.create(
        username="Owner",
        role="owner",
        password=make_password("release owner password"),
        date_joined=T0,
    )
    member = user_model.objects.create(
        username="viewer",
        role="member",
        password=make_password("release viewer password"),
        theme="dark",
        date_joined=T0,
    )
    group = model("inventory.HostGroup").objects.create(name="web", description="front ends")
    host = model("inventory.Host").objects.create(
        id=uuid.UUID("11111111-2222-3333-4444-555555555555"),
        hostname="web-1",
        machine_id="m" * 32,
        os="Debian GNU/Linux 12 (bookworm)",
        agent_version="0.1.0",
    )
    host.groups.add(group)
    model("inventory.HostGroupAccess").objects.create(user=member, group=group, role="viewer")
    agent = model("inventory.Agent").objects.create(host=host, secret_hash="a" * 64)
    model("inventory.EnrollmentToken").objects.create(token_hash="e" * 64, expires_at=T0 + timedelta(days=1))
    sample = b"\x08\x01\x12\x04data"
    model("metrics.Sample").objects.create(host=host, ts=1_700_000_000_000, data=sample)
    model("metrics.Rollup").objects.create(host=host, tier=1, ts=1_700_000_000_000, n=60, data=b"r" * 9)
    job = model("tools.ToolJob").objects.create(
        host=host, tool="discover", status="finished", params={"cidr": "10.0.0.0/24"}, requested_by=owner
    )
    network = model("network.Network").objects.create(host=host, cidr="10.0.0.0/24")
    device = model("network.Device").objects.create(
        network=network, ip="10.0.0.7", mac="02:00:00:00:00:07", first_seen=T0, last_seen=T0
    )
    model("audit.AuditEvent").objects.create(actor=owner, actor_name="Owner", action="user.created")
    return {
        "owner": owner.id,
        "owner_password": owner.password,
        "member": member.id,
        "group": group.id,
        "host": host.id.hex,
        "agent": str(agent.id),
        "sample": base64.b64encode(sample).decode(),
        "job": str(job.id),
        "device": device.id,
    }


def main(release: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everyst_hub.config.settings")
    import django

    django.setup()
    print(json.dumps(fill(migrate_to_release(release))))


if __name__ == "__main__":
    main(sys.argv[1])
