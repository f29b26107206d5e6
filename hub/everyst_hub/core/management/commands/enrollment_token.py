from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from everyst_hub.deploy.packages import install_command, public_addresses
from everyst_hub.ingest.server import server_tls
from everyst_hub.inventory.enrollment import create_enrollment_token
from everyst_hub.inventory.models import HostGroup


class Command(BaseCommand):
    help = "Create an enrollment token for new agents and print it (shown once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--uses", type=int, default=1, help="how many agents may enroll with it")
        parser.add_argument("--minutes", type=int, default=60, help="how long it stays valid")
        parser.add_argument("--group", default="", help="host group new hosts join (created if missing)")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--install-command",
            action="store_true",
            help="print the one-line install command for the new host (EVERYST_PUBLIC_URL names the hub)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["uses"] < 1 or options["minutes"] < 1:
            raise CommandError("--uses and --minutes must be at least 1.")
        addresses, fingerprint = None, ""
        if options["install_command"]:
            # Before the token exists: a bad address or TLS setup leaves no orphan token behind.
            addresses = public_addresses(scheme="http", host=f"{settings.HTTP_HOST}:{settings.HTTP_PORT}")
            fingerprint = server_tls().ca_fingerprint
        group = HostGroup.objects.get_or_create(name=options["group"])[0] if options["group"] else None
        created = create_enrollment_token(
            ttl=timedelta(minutes=options["minutes"]),
            uses=options["uses"],
            group=group,
            description=options["description"],
        )
        if addresses is None:
            self.stdout.write(created.raw)
            return
        for warning in addresses.warnings:
            self.stderr.write(f"warning: {warning}")
        line = install_command(hub_url=addresses.hub_url, token=created.raw, fingerprint=fingerprint)
        self.stdout.write(line)
