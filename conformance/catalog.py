"""The features and request fields the checklist lists, in the order server projects publish them."""

from __future__ import annotations

from dataclasses import dataclass

CHAT = "/v1/chat/completions"
MODELS = "/v1/models"
HTTP = "HTTP and errors"


@dataclass(frozen=True)
class Item:
    """A checklist row: a feature or a request field of one endpoint."""

    endpoint: str
    key: str
    label: str
    parent: str | None = None


def _features(endpoint: str, names: list[str]) -> list[Item]:
    return [Item(endpoint, n, n) for n in names]


# The first seven chat features are the names users already know from server READMEs; keep them first.
FEATURES: list[Item] = [
    *_features(HTTP, ["Error envelope", "Routing", "Authentication", "Robustness"]),
    *_features(MODELS, ["List models", "Retrieve model"]),
    *_features(
        CHAT,
        [
            "Chat completions",
            "Streaming",
            "JSON mode",
            "Reproducible outputs",
            "Vision",
            "Function calling",
            "Logprobs",
            "Structured outputs",
            "Stream usage",
            "Parallel tool calls",
            "Multiple choices",
            "Streamed tool calls",
            "Input validation",
            "Legacy functions",
            "Optional request fields",
            "Generated requests",
        ],
    ),
]


def _field(key: str, label: str | None = None, parent: str | None = None) -> Item:
    return Item(CHAT, key, label or f"`{key}`", parent)


# Every request field of CreateChatCompletionRequest, plus the message variants clients rely on.
FIELDS: list[Item] = [
    _field("model"),
    _field("messages"),
    _field("messages.content.text", "Text `content`", "messages"),
    _field("messages.content.parts", "Array of `content` parts", "messages"),
    _field("messages.content.image_url", "`image_url` content parts", "messages"),
    _field("messages.role.system", "`system` role", "messages"),
    _field("messages.role.developer", "`developer` role", "messages"),
    _field("messages.role.assistant", "`assistant` turns (multi-turn history, prefill)", "messages"),
    _field("messages.role.tool", "`tool` role (tool results)", "messages"),
    _field("frequency_penalty"),
    _field("presence_penalty"),
    _field("logit_bias"),
    _field("logprobs"),
    _field("top_logprobs"),
    _field("max_tokens"),
    _field("max_completion_tokens"),
    _field("n"),
    _field("stop"),
    _field("seed"),
    _field("stream"),
    _field("stream_options"),
    _field("temperature"),
    _field("top_p"),
    _field("response_format"),
    _field("response_format.json_object", "`json_object`", "response_format"),
    _field("response_format.json_schema", "`json_schema`", "response_format"),
    _field("tools"),
    _field("tool_choice"),
    _field("parallel_tool_calls"),
    _field("user"),
    _field("safety_identifier"),
    _field("prompt_cache_key"),
    _field("metadata"),
    _field("store"),
    _field("service_tier"),
    _field("modalities"),
    _field("prediction"),
    _field("reasoning_effort"),
    _field("verbosity"),
    _field("web_search_options"),
    _field("functions", "`functions` (deprecated)"),
    _field("function_call", "`function_call` (deprecated)"),
]

ENDPOINT_ORDER = [MODELS, CHAT, HTTP]


def feature_names() -> set[str]:
    """Every feature name a check may declare."""
    return {f.key for f in FEATURES}


def field_keys() -> set[str]:
    """Every request field key a check may declare."""
    return {f.key for f in FIELDS}
