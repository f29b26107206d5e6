from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from everyst_hub.core.api_types import TYPES_FILE, render_api_types


class Command(BaseCommand):
    help = "Write the frontend's REST types (src/types/api.gen.ts) from the hub's OpenAPI schema."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--frontend", type=Path, default=Path("frontend"), help="the frontend folder")

    def handle(self, *args: Any, **options: Any) -> None:
        frontend: Path = options["frontend"]
        target = frontend / TYPES_FILE
        target.write_text(render_api_types(frontend))
        self.stdout.write(f"wrote {target}")
