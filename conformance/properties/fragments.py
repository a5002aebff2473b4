"""Hand-written pieces of chat requests the schema alone would generate badly: turns, parts, an image, a tool."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.checks.chat.vision import data_url, png
from conformance.context import DEFAULT_PROMPT
from conformance.properties.fromschema import enum_of

REQUEST = "CreateChatCompletionRequest"
IMAGE_URL = data_url(png(4, 4, (0, 0, 255)))
TOOL_NAME = "get_weather"
TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Get the current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CALL_ID = "call_1"
JSON_SCHEMA: dict[str, Any] = {
    "name": "answer",
    "schema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
               "additionalProperties": False},
    "strict": True,
}
Messages = list[dict[str, Any]]


def _user(content: Any = DEFAULT_PROMPT) -> dict[str, Any]:
    return {"role": "user", "content": content}


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _tool_turns() -> Messages:
    call = {"id": CALL_ID, "type": "function", "function": {"name": TOOL_NAME, "arguments": '{"city": "Paris"}'}}
    return [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": CALL_ID, "content": "Sunny, 21 C."},
    ]


# Name -> messages; the first is the plainest request there is (shrinking ends there).
CONVERSATIONS: dict[str, Messages] = {
    "user": [_user()],
    "system": [{"role": "system", "content": "You are terse."}, _user()],
    "developer": [{"role": "developer", "content": "You are terse."}, _user()],
    "history": [_user("My name is Ada."), {"role": "assistant", "content": "Hello Ada."}, _user("What is my name?")],
    "text parts": [_user([_text_part("Say hello"), _text_part(" in one short sentence.")])],
    "tool result": _tool_turns(),
}
PLAIN = "user"
NEEDS_TOOLS = frozenset({"tool result"})


@st.composite
def conversation(draw: st.DrawFn) -> tuple[str, Messages]:
    """A conversation fragment and its name; images carry a detail drawn from the schema's enum (or none)."""
    name = draw(st.sampled_from([*CONVERSATIONS, "image"]))
    if name != "image":
        return name, CONVERSATIONS[name]
    detail = draw(st.none() | st.sampled_from(enum_of(REQUEST, "ChatCompletionRequestMessageContentPartImage",
                                                      "image_url", "detail")))
    image: dict[str, Any] = {"url": IMAGE_URL} if detail is None else {"url": IMAGE_URL, "detail": detail}
    return name, [_user([_text_part("What color is this image?"), {"type": "image_url", "image_url": image}])]


def tool_choices() -> st.SearchStrategy[Any]:
    """tool_choice: absent (None), a mode from the schema's enum, or the declared function by name."""
    root_modes = enum_of(REQUEST, "ChatCompletionToolChoiceOption")
    named = {"type": "function", "function": {"name": TOOL_NAME}}
    return st.none() | st.sampled_from(root_modes) | st.just(named)


def response_formats() -> st.SearchStrategy[dict[str, Any]]:
    """response_format: one of the types the schema lists, json_schema with a tiny strict schema."""
    kinds = [enum_of(REQUEST, d, "type")[0] for d in ("ResponseFormatText", "ResponseFormatJsonObject",
                                                        "ResponseFormatJsonSchema")]
    return st.sampled_from(kinds).map(
        lambda k: {"type": k, "json_schema": JSON_SCHEMA} if k == "json_schema" else {"type": k})
