"""The tool and WebSocket contracts are written once; what `make gen` derives from them is current."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import pytest
from everyst_agent.tools import ping
from everyst_agent.tools.params import Param, tool_schema

from scripts import contracts


def test_every_generated_contract_file_is_what_its_source_gives_now():
    assert contracts.stale() == [], "run `make gen`"


def test_a_changed_bound_in_an_agent_params_class_makes_the_committed_schema_stale(monkeypatch):
    @dataclasses.dataclass
    class Params(ping.Params):
        count: Annotated[int, Param("Count", 1, 50)] = 4

    monkeypatch.setattr(ping, "TOOL", dataclasses.replace(ping.TOOL, params=Params))
    stale = "\n".join(contracts.stale())
    assert "common/everyst_common/tools.schema.json" in stale
    assert "frontend/src/types/tools.gen.ts" in stale
    assert '"maximum": 50' in stale


def test_the_tools_schema_holds_each_params_bounds_defaults_and_required_fields():
    schema = json.loads(contracts.TOOLS_SCHEMA.read_text())["tools"]
    count = schema["ping"]["properties"]["count"]
    assert count == {"title": "Count", "type": "integer", "minimum": 1, "maximum": 1000, "default": 4}
    assert schema["ping"]["required"] == ["target"]
    assert schema["ping"]["additionalProperties"] is False
    assert schema["dns"]["properties"]["types"]["items"]["enum"][:3] == ["A", "AAAA", "MX"]
    assert schema["listening"]["x-scoped"] is False and schema["ping"]["x-scoped"] is True


def test_a_frame_type_added_to_the_schema_shows_in_the_docs_and_the_frontend_types():
    frames = json.loads(contracts.FRAMES_SCHEMA.read_text())
    frames["x-hub"]["bye"] = {
        "description": "the hub is going away",
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"const": "bye"}},
    }
    docs = contracts.frames_markdown(frames)
    assert '| `{"type": "bye"}` | the hub is going away |' in docs
    ts = contracts.frames_ts(frames)
    assert "export interface ByeFrame {\n  type: 'bye';\n}" in ts
    assert "  | ByeFrame;" in ts


def test_a_params_field_without_a_title_cannot_be_exported():
    @dataclasses.dataclass
    class Params:
        count: int = 1

    tool = dataclasses.replace(ping.TOOL, params=Params)
    with pytest.raises(TypeError, match="annotate it with Param"):
        tool_schema(tool)
