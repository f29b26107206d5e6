"""The tools agents run and the params each takes, as the agent declares them: its Params
dataclasses, exported by `make gen` to everyst_common/tools.schema.json, which hub and agent both
install. A job or schedule whose params do not fit is refused here with a 400 naming the param,
before any agent is asked; the agent still checks what a schema cannot say (a port list's syntax,
its scope).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from everyst_hub.core.errors import InvalidInput


@cache
def tool_schemas() -> dict[str, dict[str, Any]]:
    text = resources.files("everyst_common").joinpath("tools.schema.json").read_text()
    tools: dict[str, dict[str, Any]] = json.loads(text)["tools"]
    return tools


TOOLS: tuple[str, ...] = tuple(tool_schemas())


@cache
def _validator(tool: str, without: frozenset[str]) -> Draft202012Validator:
    schema = tool_schemas()[tool]
    if without:
        schema = {
            **schema,
            "properties": {k: v for k, v in schema["properties"].items() if k not in without},
            "required": [k for k in schema["required"] if k not in without],
        }
    return Draft202012Validator(schema)


def check_params(tool: str, params: dict[str, Any], without: frozenset[str] = frozenset()) -> None:
    """InvalidInput naming the first param of `params` that `tool` does not take as given.
    `without`: params the caller fills in itself (a schedule's target), which `params` must not set."""
    errors = _validator(tool, without).iter_errors(params)
    first = min(errors, key=lambda e: (len(e.path), str(list(e.path)), str(e.validator)), default=None)
    if first is not None:
        raise InvalidInput(f"params: {_describe(tool, first)}")


def _describe(tool: str, error: ValidationError) -> str:
    """The agent's own wording (agent/everyst_agent/tools/params.py) where it has one."""
    name = ".".join(str(p) for p in error.path if not isinstance(p, int)) or "params"
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    match error.validator:
        case "required":
            missing = [p for p in error.validator_value if p not in value]
            return f"{tool} needs {', '.join(missing)}."
        case "additionalProperties":
            known = list(schema.get("properties", {}))
            unknown = sorted(set(value) - set(known))
            return f"unknown parameter(s) {', '.join(unknown)}; {tool} takes {', '.join(known)}."
        case "minimum" | "maximum":
            low, high = schema.get("minimum", float("-inf")), schema.get("maximum", float("inf"))
            return f"{name} must be between {low:g} and {high:g}, got {value:g}."
        case "enum":
            return f"{name} must be one of {', '.join(map(str, error.validator_value))}, got {value!r}."
        case "maxLength":
            return f"{name} is longer than {error.validator_value} characters."
        case "type":
            return f"{name} must be {_kind(error.validator_value)}, got {json.dumps(value)[:40]}."
        case "anyOf":
            return f"{name} must be a list of strings or one string of them, got {json.dumps(value)[:40]}."
    return f"{name}: {error.message[:200]}."


def _kind(types: str | list[str]) -> str:
    words = {
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "array": "a list",
        "object": "an object",
        "null": "null",
    }
    return " or ".join(words.get(t, t) for t in ([types] if isinstance(types, str) else types))
