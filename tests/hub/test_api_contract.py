"""The REST contract has one source: the serializers. The schema they make validates without a
warning, and the dashboard's generated types (frontend/src/types/api.gen.ts) are what that schema
makes today."""

from __future__ import annotations

import difflib
from pathlib import Path

from django.core.management import call_command
from everyst_hub.core.api_types import TYPES_FILE, render_api_types

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_the_api_schema_validates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_committed_frontend_types_are_those_of_the_schema() -> None:
    committed = (FRONTEND / TYPES_FILE).read_text()
    generated = render_api_types(FRONTEND)
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(True), generated.splitlines(True), "committed", "schema"
                )
            )[:60]
        )
        raise AssertionError(f"frontend/{TYPES_FILE} differs from the API schema: run `make gen`.\n{diff}")
