"""Decide which tools the fake model calls, and with what arguments."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from tests.fake.request import ChatRequest, Tool
from tests.fake.schemas import generate
from tests.fake.tokenizer import stable_hash


@dataclass(frozen=True)
class ToolCall:
    """One function call the assistant makes."""

    id: str
    name: str
    arguments: str  # a JSON text, as OpenAI sends it


def plan_calls(req: ChatRequest, key: str, choice: int) -> tuple[ToolCall, ...]:
    """The calls for one choice; empty when the answer is text."""
    if not req.tools or req.tool_choice == "none":
        return ()
    if req.tool_choice == "function":
        named = [t for t in req.tools if t.name == req.tool_name]
        return tuple(_call(t, key, choice, 0) for t in named[:1])
    if req.tool_choice == "auto" and req.messages[-1].role in ("tool", "function"):
        return ()  # the model has its tool results: it answers in text
    mentioned = [t for t in req.tools if _mentioned(t, req)]
    if req.tool_choice == "required":
        chosen = mentioned + [t for t in req.tools if t not in mentioned]
        chosen = chosen[:2] if req.parallel_tool_calls else chosen[:1]
    else:
        chosen = mentioned if req.parallel_tool_calls else mentioned[:1]
    return tuple(_call(t, key, choice, i) for i, t in enumerate(chosen))


def arguments_for(tool: Tool, key: str, choice: int = 0) -> str:
    """Arguments valid for the tool's parameters schema, as a compact JSON text."""
    rng = random.Random(stable_hash("args", key, tool.name, choice))
    value = generate(tool.parameters, rng) if tool.parameters else {}
    return json.dumps(value, separators=(",", ":"))


def _mentioned(tool: Tool, req: ChatRequest) -> bool:
    user = next((m.text.lower() for m in reversed(req.messages) if m.role == "user"), "")
    name = tool.name.lower()
    return name in user or name.replace("_", " ") in user


def _call(tool: Tool, key: str, choice: int, position: int) -> ToolCall:
    call_id = f"call_{stable_hash('call', key, choice, position, tool.name):016x}{position:08x}"
    return ToolCall(call_id, tool.name, arguments_for(tool, key, choice))
