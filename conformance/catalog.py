"""The features and request fields the checklist lists, in the order server projects publish them."""

from __future__ import annotations

from dataclasses import dataclass

CHAT = "/v1/chat/completions"
MODELS = "/v1/models"
COMPLETIONS = "/v1/completions"
EMBEDDINGS = "/v1/embeddings"
RESPONSES = "/v1/responses"
SPEECH = "/v1/audio/speech"
TRANSCRIPTIONS = "/v1/audio/transcriptions"
IMAGES = "/v1/images/generations"
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
    # Each endpoint's block stands alone: one endpoint's edits never touch another's lines.
    *_features(
        COMPLETIONS,
        [
            "Completions",
            "Streaming",
            "Batch prompts",
            "Token prompts",
            "Logprobs",
            "Echo",
            "Suffix",
            "Multiple choices",
            "Reproducible outputs",
            "Stream usage",
            "Input validation",
            "Generated requests",
        ],
    ),
    *_features(
        EMBEDDINGS,
        [
            "Embeddings",
            "Batch input",
            "Token input",
            "Base64 encoding",
            "Dimensions",
            "Input validation",
            "Generated requests",
        ],
    ),
    *_features(
        RESPONSES,
        [
            "Responses",
            "Streaming",
            "Instructions",
            "JSON mode",
            "Structured outputs",
            "Function calling",
            "Conversation state",
            "Input validation",
            "Generated requests",
        ],
    ),
    *_features(SPEECH, ["Speech", "Audio formats", "Voices", "Speed", "Streaming", "Input validation",
                        "Generated requests"]),
    *_features(
        TRANSCRIPTIONS,
        ["Transcription", "Response formats", "Timestamps", "Language", "Prompt", "Input validation"],
    ),
    *_features(
        IMAGES, ["Image generation", "Sizes", "Multiple images", "Response formats", "Output formats", "Quality",
                 "Transparent background", "Input validation", "Generated requests"],
    ),
]


def _field(key: str, label: str | None = None, parent: str | None = None, endpoint: str = CHAT) -> Item:
    return Item(endpoint, key, label or f"`{key}`", parent)


def _fields(endpoint: str, rows: list[str | tuple[str, str, str]]) -> list[Item]:
    """Fields of one endpoint: a key, or (key, label, parent) for a variant shown under its field."""
    return [_field(r, endpoint=endpoint) if isinstance(r, str) else _field(*r, endpoint=endpoint) for r in rows]


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
    # CreateCompletionRequest.
    *_fields(COMPLETIONS, [
        "model", "prompt",
        ("prompt.string", "a string", "prompt"),
        ("prompt.strings", "a list of strings (one choice per prompt)", "prompt"),
        ("prompt.tokens", "token ids", "prompt"),
        ("prompt.token_lists", "a list of token-id lists", "prompt"),
        "max_tokens", "stop", "n", "best_of", "echo", "suffix", "seed", "temperature", "top_p",
        "frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "stream", "stream_options", "user",
    ]),
    # CreateEmbeddingRequest.
    *_fields(EMBEDDINGS, [
        "model", "input",
        ("input.string", "a string", "input"),
        ("input.strings", "a list of strings", "input"),
        ("input.tokens", "token ids", "input"),
        ("input.token_lists", "a list of token-id lists", "input"),
        "encoding_format",
        ("encoding_format.float", "`float`", "encoding_format"),
        ("encoding_format.base64", "`base64`", "encoding_format"),
        "dimensions", "user",
    ]),
    # CreateResponse.
    *_fields(RESPONSES, [
        "model", "input",
        ("input.string", "a string", "input"),
        ("input.items", "message items", "input"),
        ("input.function_call_output", "`function_call_output` items", "input"),
        "instructions", "max_output_tokens", "temperature", "top_p", "text",
        ("text.format.json_object", "`json_object`", "text"),
        ("text.format.json_schema", "`json_schema`", "text"),
        "tools", "tool_choice", "parallel_tool_calls", "previous_response_id", "store", "stream", "metadata",
        "reasoning", "truncation", "include", "user",
    ]),
    # CreateSpeechRequest.
    *_fields(SPEECH, [
        "model", "input", "voice", "instructions", "response_format",
        *((f"response_format.{f}", f"`{f}`", "response_format") for f in ("mp3", "opus", "aac", "flac", "wav", "pcm")),
        "speed", "stream_format",
    ]),
    # CreateTranscriptionRequest (multipart form fields).
    *_fields(TRANSCRIPTIONS, [
        "file", "model", "language", "prompt", "response_format",
        *((f"response_format.{f}", f"`{f}`", "response_format")
          for f in ("json", "text", "srt", "verbose_json", "vtt")),
        "temperature", "timestamp_granularities", "stream", "include",
    ]),
    # CreateImageRequest.
    *_fields(IMAGES, [
        "model", "prompt", "n", "size", "response_format",
        ("response_format.url", "`url`", "response_format"),
        ("response_format.b64_json", "`b64_json`", "response_format"),
        "quality", "style", "output_format", "output_compression", "background", "moderation", "user",
    ]),
]

# The checklist's order: the model list, then the endpoints server READMEs list first.
ENDPOINT_ORDER = [MODELS, CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES, SPEECH, TRANSCRIPTIONS, IMAGES, HTTP]


def feature_names() -> set[str]:
    """Every feature name a check may declare."""
    return {f.key for f in FEATURES}


def field_keys(endpoint: str | None = None) -> set[str]:
    """Every request field key a check may declare (of one endpoint, when given)."""
    return {f.key for f in FIELDS if endpoint is None or f.endpoint == endpoint}
