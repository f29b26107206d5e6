"""A tool's parameters, declared once as its `Params` dataclass: parsed from a command's JSON here,
and exported as JSON Schema (`make gen`) for the hub's checks and the dashboard's forms.

A field's type says what JSON it takes; `Annotated[..., Param(...)]` adds what people call it
and its bounds. `validate()` on the dataclass checks what a schema cannot say (a port list's
syntax, one field depending on another).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from typing import Any

from everyst_agent.tools.base import ParamsError, Tool, in_range


@dataclass(frozen=True)
class Param:
    """How people call a field, and its bounds (of each item, for a list)."""

    title: str
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    description: str = ""
    # JSON Schema `format`, for fields whose text has a syntax of their own ("port-list").
    format: str | None = None


def parse_params(cls: type, params_json: str) -> Any:
    """Build the params dataclass `cls` from JSON, checking names, types and bounds; then its
    `validate()`."""
    try:
        raw = json.loads(params_json) if params_json.strip() else {}
    except json.JSONDecodeError as exc:
        raise ParamsError(f"params_json is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"params_json must be a JSON object, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ParamsError(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    values = {}
    for name, value in raw.items():
        hint, param = _unwrap(hints[name])
        values[name] = _coerce(name, value, hint, param)
    try:
        params = cls(**values)
    except TypeError as exc:
        missing = [n for n, f in fields.items() if n not in values and _required(f)]
        raise ParamsError(f"missing parameter(s) {', '.join(missing) or '?'} ({exc})") from None
    validate = getattr(params, "validate", None)
    if validate is not None:
        validate()
    return params


def _unwrap(hint: Any) -> tuple[Any, Param | None]:
    if typing.get_origin(hint) is typing.Annotated:
        base, *extras = typing.get_args(hint)
        return base, next((e for e in extras if isinstance(e, Param)), None)
    return hint, None


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _coerce(name: str, value: Any, hint: Any, param: Param | None) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(name, value, arg, param)
            except ParamsError as exc:
                errors.append(str(exc))
        raise ParamsError(errors[0] if errors else f"{name} has an unsupported value {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ParamsError(f"{name} must be one of {', '.join(map(str, args))}, got {value!r}")
        return value
    if origin in (list, tuple):
        if isinstance(value, str):
            value = [item for item in value.replace(",", " ").split() if item]
        if not isinstance(value, list):
            raise ParamsError(f"{name} must be a list, got {value!r}")
        return [_coerce(name, item, args[0], param) for item in value]
    if hint is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{name} must be true or false, got {value!r}")
        return value
    if hint is int or hint is float:
        if isinstance(value, bool) or not isinstance(value, int if hint is int else int | float):
            raise ParamsError(f"{name} must be {'an integer' if hint is int else 'a number'}, got {value!r}")
        if param is not None and (param.minimum is not None or param.maximum is not None):
            low = param.minimum if param.minimum is not None else float("-inf")
            in_range(name, value, low, param.maximum if param.maximum is not None else float("inf"))
        return hint(value)
    if hint is str:
        if not isinstance(value, str):
            raise ParamsError(f"{name} must be a string, got {value!r}")
        if param is not None and param.max_length is not None and len(value) > param.max_length:
            raise ParamsError(f"{name} is longer than {param.max_length} characters")
        return value
    raise ParamsError(f"{name}: unsupported parameter type {hint!r}")


# ---------------------------------------------------------------------------- JSON Schema


def tool_schema(tool: Tool) -> dict[str, Any]:
    """The JSON Schema of `tool`'s params: what the hub accepts and the dashboard's form offers."""
    cls = tool.params
    hints = typing.get_type_hints(cls, include_extras=True)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        hint, param = _unwrap(hints[f.name])
        if param is None:
            raise TypeError(f"{cls.__module__}.{f.name}: annotate it with Param(title, ...)")
        prop: dict[str, Any] = {"title": param.title}
        if param.description:
            prop["description"] = param.description
        prop.update(_type_schema(hint, param))
        if _required(f):
            required.append(f.name)
        else:
            factory = f.default_factory
            prop["default"] = factory() if factory is not dataclasses.MISSING else f.default
        properties[f.name] = prop
    schema: dict[str, Any] = {
        "title": tool.title,
        "description": " ".join((cls.__doc__ or "").split()),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        # Whether the agent checks the job's targets against its scope (packets leave the host).
        "x-scoped": tool.needs_targets,
    }
    return schema


def _type_schema(hint: Any, param: Param) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"unsupported union {hint!r}")
        inner = _type_schema(options[0], param)
        if "type" in inner and isinstance(inner["type"], str):
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is typing.Literal:
        return {"type": "string", "enum": list(args)}
    if origin in (list, tuple):
        items = _type_schema(args[0], param)
        listed: dict[str, Any] = {"type": "array", "items": items}
        if items.get("type") == "string" and "enum" not in items:
            # The agent also takes one string of comma- or space-separated items.
            return {"anyOf": [listed, {"type": "string"}]}
        return listed
    if hint is bool:
        return {"type": "boolean"}
    if hint is int or hint is float:
        out: dict[str, Any] = {"type": "integer" if hint is int else "number"}
        if param.minimum is not None:
            out["minimum"] = param.minimum
        if param.maximum is not None:
            out["maximum"] = param.maximum
        return out
    if hint is str:
        out = {"type": "string"}
        if param.max_length is not None:
            out["maxLength"] = param.max_length
        if param.format:
            out["format"] = param.format
        return out
    raise TypeError(f"unsupported parameter type {hint!r}")


def tools_schema() -> dict[str, Any]:
    """Every tool's params schema, by tool name (the committed tools.schema.json)."""
    from everyst_agent.tools.registry import TOOL_NAMES, load

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Everyst agent tools",
        "description": "Generated by `make gen` from the agent's Params dataclasses; do not edit.",
        "tools": {name: tool_schema(load(name)) for name in TOOL_NAMES},
    }

