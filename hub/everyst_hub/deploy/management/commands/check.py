"""`everyst-hub check`: Django's system checks plus the hub's own deployment checks, each problem
with how to fix it; exit status 1 when any is an error."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from everyst_hub.deploy.checks import run_checks

LABELS = {"ok": "ok", "warning": "WARNING", "error": "ERROR"}


class Command(BaseCommand):
    help = (
        "Check the hub's configuration (environment, data dir, TLS, database, public URL, Redis) "
        "and say how to fix what is wrong."
    )
    # It runs Django's checks itself, as findings; failing them first would hide the rest.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="print only problems")

    def handle(self, *args: Any, **options: Any) -> None:
        findings = run_checks()
        for finding in findings:
            if options["quiet"] and finding.level == "ok":
                continue
            self.stdout.write(f"{LABELS[finding.level]:<8}{finding.topic}: {finding.message}")
            if finding.fix:
                self.stdout.write(f"{'':<8}fix: {finding.fix}")
        errors = sum(f.level == "error" for f in findings)
        warnings = sum(f.level == "warning" for f in findings)
        summary = f"{errors} problem{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        if errors:
            raise CommandError(f"the configuration has {summary}", returncode=1)
        self.stdout.write(f"configuration usable: {summary}")
