"""The REST contract has one source: the serializers. Every JSON answer has one, the schema they
make validates without a warning, and the dashboard's generated types (frontend/src/types/api.gen.ts)
are what that schema makes today."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from django.core.management import call_command
from everyst_hub.core.api_types import TYPES_FILE, openapi_schema, render_api_types

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


def _untyped(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return _untyped(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if schema.get("type") == "array":
        return _untyped(schema["items"], components)
    # OpenApiTypes.OBJECT: any object at all ({"type": "object", "additionalProperties": {}}).
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and not schema.get("additionalProperties")
    )


def test_every_json_answer_has_a_typed_schema() -> None:
    schema = openapi_schema()
    components = schema["components"]["schemas"]
    untyped = [
        f"{method.upper()} {path} -> {status}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation.get("responses", {}).items()
        for media, content in response.get("content", {}).items()
        if media == "application/json" and _untyped(content["schema"], components)
    ]
    assert untyped == [], f"answers declared as a bare object, give them a serializer: {untyped}"
