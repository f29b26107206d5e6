"""Frames checked against protos/ws-frames.schema.json, the one description of the live socket."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "protos" / "ws-frames.schema.json"


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


@cache
def _validator(side: str, kind: str) -> Draft202012Validator:
    return Draft202012Validator({**_schema(), "$ref": f"#/{side}/{kind}"})


def frame_problems(frame: Any, side: str = "x-hub") -> list[str]:
    """Why `frame` is not a frame the schema describes (hub → browser by default); [] if it is."""
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return [f"not a frame object with a string type: {str(frame)[:200]}"]
    if frame["type"] not in _schema()[side]:
        return [f"frame type {frame['type']!r} is not in the schema's {side}"]
    errors = _validator(side, frame["type"]).iter_errors(frame)
    return [f"{frame['type']} frame at {list(e.absolute_path)}: {e.message[:300]}" for e in errors]


def check_hub_text(text: str) -> list[str]:
    """The problems of one WebSocket text message the hub sent (a frame as JSON)."""
    try:
        return frame_problems(json.loads(text))
    except ValueError:
        return [f"not JSON: {text[:200]}"]
