from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from everyst_hub.inventory.models import HostGroup
from everyst_hub.inventory.services import create_enrollment_token


class Command(BaseCommand):
    help = "Create an enrollment token for new agents and print it (shown once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--uses", type=int, default=1, help="how many agents may enroll with it")
        parser.add_argument("--minutes", type=int, default=60, help="how long it stays valid")
        parser.add_argument("--group", default="", help="host group new hosts join (created if missing)")
        parser.add_argument("--description", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["uses"] < 1 or options["minutes"] < 1:
            raise CommandError("--uses and --minutes must be at least 1.")
        group = HostGroup.objects.get_or_create(name=options["group"])[0] if options["group"] else None
        created = create_enrollment_token(
            ttl=timedelta(minutes=options["minutes"]),
            uses=options["uses"],
            group=group,
            description=options["description"],
        )
        self.stdout.write(created.raw)
