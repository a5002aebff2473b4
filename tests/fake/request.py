"""The validated chat request: what generation and rendering work from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """One validated message, reduced to what the fake model reads."""

    role: str
    text: str  # all text parts joined
    images: tuple[str, ...] = ()  # digests of the images the message carries
    parts: bool = False  # content was given as an array of parts
    tool_call_ids: tuple[str, ...] = ()  # ids of the assistant's tool calls
    tool_call_id: str | None = None  # for role "tool"
    image_tokens: int = 0  # prompt tokens the images cost (their detail and size decide)
    call_tokens: int = 0  # prompt tokens the assistant's tool calls (names and arguments) cost when rendered


@dataclass(frozen=True)
class Tool:
    """A declared function tool."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] | None = None
    strict: bool = False


@dataclass(frozen=True)
class ResponseFormat:
    """response_format reduced to its type and, for json_schema, the schema."""

    type: str  # "text", "json_object" or "json_schema"
    name: str | None = None
    schema: Mapping[str, Any] | None = None
    strict: bool = False


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion request after validation, with OpenAI's defaults filled in."""

    model: str
    messages: tuple[Message, ...]
    temperature: float = 1.0
    top_p: float = 1.0
    n: int = 1
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    logit_bias: Mapping[int, float] = field(default_factory=dict)  # vocabulary id -> bias
    logprobs: bool = False
    top_logprobs: int = 0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    stream: bool = False
    include_usage: bool = False
    response_format: ResponseFormat | None = None
    tools: tuple[Tool, ...] = ()
    tool_choice: str = "none"  # "none", "auto", "required" or "function" (see tool_name)
    tool_name: str | None = None
    parallel_tool_calls: bool = True
    legacy_functions: bool = False  # tools came as the deprecated functions: answer with function_call
    raw: Mapping[str, Any] = field(default_factory=dict)  # the body as received

    @property
    def limit(self) -> int | None:
        """The completion token limit; max_completion_tokens wins over the legacy max_tokens."""
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens

    @property
    def json_type(self) -> str | None:
        """"json_object" or "json_schema" when a JSON response is asked for, else None."""
        rf = self.response_format
        return rf.type if rf is not None and rf.type != "text" else None
