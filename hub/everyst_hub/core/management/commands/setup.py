from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from everyst_hub.accounts.services import ensure_owner
from everyst_hub.config.env import env_str
from everyst_hub.core.errors import EverystError
from everyst_hub.ingest.server import server_tls
from everyst_hub.inventory.access import owners


class Command(BaseCommand):
    help = "Prepare the hub: migrate the database, create the first owner if none, create the TLS CA."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            created = ensure_owner(
                env_str("EVERYST_OWNER_USERNAME", "admin"),
                env_str("EVERYST_OWNER_PASSWORD", ""),
                env_str("EVERYST_OWNER_EMAIL", ""),
            )
        except EverystError as exc:
            raise CommandError(exc.message) from exc
        if created is not None:
            line = "=" * 72
            password = created.generated_password or "(the one in EVERYST_OWNER_PASSWORD)"
            self.stdout.write(
                f"{line}\n  Everyst owner account created.\n"
                f"  username: {created.user.username}\n  password: {password}\n"
                + (
                    "  This password is shown once: keep it, or set EVERYST_OWNER_PASSWORD.\n"
                    if created.generated_password
                    else ""
                )
                + f"{line}"
            )
        else:
            names = ", ".join(owners().values_list("username", flat=True))
            self.stdout.write(
                f"Log in with your owner account ({names}). Lost the password? "
                f"`.venv/bin/everyst-hub changepassword <username>`."
            )
        if settings.GRPC_TLS:
            tls = server_tls()
            self.stdout.write(f"hub CA fingerprint (sha256): {tls.ca_fingerprint}")
