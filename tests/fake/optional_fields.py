"""The optional chat fields with an effect a client can see: validated as OpenAI does, then honoured."""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from typing import Any

from tests.fake.errors import ApiError, Halt, bad_type, invalid
from tests.fake.registry import State

ENUMS = {
    "service_tier": ("auto", "default", "flex", "scale", "priority"),
    "reasoning_effort": ("none", "minimal", "low", "medium", "high"),
    "verbosity": ("low", "medium", "high"),
}
MODALITIES = ("text", "audio")
SEARCH_SIZES = ("low", "medium", "high")
METADATA_KEYS = 16
TIER = "default"
REASONING_TOKENS = {"none": 0, "minimal": 2, "low": 4, "medium": 8, "high": 16}
# 8 samples of silence: enough bytes for a client to see that audio came back.
WAV = base64.b64encode(b"RIFF" + (44).to_bytes(4, "little") + b"WAVEfmt " + bytes(36)).decode()
CITATION = {"type": "url_citation",
            "url_citation": {"url": "https://example.com/news", "title": "News", "start_index": 0, "end_index": 4}}


def validate(raw: Mapping[str, Any]) -> None:
    """Reject what OpenAI rejects in the optional fields; raises Halt with the error envelope."""
    if (store := raw.get("store")) is not None and not isinstance(store, bool):
        raise Halt(bad_type("store", "a boolean", store))
    for name, allowed in ENUMS.items():
        value = raw.get(name)
        if value is not None and value not in allowed:
            raise Halt(invalid(name, f"Invalid value for '{name}': {value!r}. Supported values are: "
                               + ", ".join(repr(a) for a in allowed) + "."))
    _metadata(raw.get("metadata"))
    if (mods := raw.get("modalities")) is not None:
        if not isinstance(mods, list) or any(m not in MODALITIES for m in mods):
            raise Halt(invalid("modalities", f"Invalid value for 'modalities': {mods!r}."))
    if (pred := raw.get("prediction")) is not None:
        if not isinstance(pred, dict) or pred.get("type") != "content":
            raise Halt(invalid("prediction.type", "Invalid value for 'prediction.type': expected 'content'."))
    if (web := raw.get("web_search_options")) is not None:
        if not isinstance(web, dict) or web.get("search_context_size", "medium") not in SEARCH_SIZES:
            raise Halt(invalid("web_search_options.search_context_size",
                               "Invalid value for 'web_search_options.search_context_size'."))


def _metadata(meta: Any) -> None:
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise Halt(bad_type("metadata", "an object", meta))
    if len(meta) > METADATA_KEYS:
        raise Halt(invalid("metadata", f"Invalid 'metadata': too many keys ({len(meta)} > {METADATA_KEYS})."))
    if any(not isinstance(v, str) for v in meta.values()):
        raise Halt(invalid("metadata", "Invalid 'metadata': values must be strings."))


def apply(raw: Mapping[str, Any], body: dict[str, Any], state: State) -> dict[str, Any]:
    """The non-streamed body with the effects of the optional fields; stored completions are kept."""
    usage = body["usage"]
    details: dict[str, int] = {}
    if raw.get("service_tier") is not None:
        body["service_tier"] = TIER
    if isinstance(pred := raw.get("prediction"), dict):
        predicted = set(str(pred.get("content", "")).split())
        said = [w for c in body["choices"] for w in str(c["message"].get("content") or "").split()]
        details["accepted_prediction_tokens"] = sum(1 for w in said if w in predicted)
        details["rejected_prediction_tokens"] = sum(1 for w in said if w not in predicted)
    if (effort := raw.get("reasoning_effort")) is not None:
        details["reasoning_tokens"] = REASONING_TOKENS[effort]
    if details:
        usage["completion_tokens_details"] = details
    if raw.get("verbosity") == "low":
        _shorten(body)
    for choice in body["choices"]:
        message = choice["message"]
        if "audio" in (raw.get("modalities") or ()):
            message["audio"] = {"id": "audio_" + body["id"][-12:], "data": WAV, "expires_at": body["created"] + 3600,
                                "transcript": message.get("content") or ""}
        if raw.get("web_search_options") is not None:
            message["annotations"] = [CITATION]
    if raw.get("store") is True:
        state.put("stored:" + body["id"], {**copy.deepcopy(body), "metadata": raw.get("metadata") or {}})
    return body


def _shorten(body: dict[str, Any]) -> None:
    """verbosity 'low': half the words of each answer, and usage to match."""
    cut = 0
    for choice in body["choices"]:
        content = choice["message"].get("content")
        if isinstance(content, str) and len(words := content.split(" ")) > 1:
            keep = max(1, len(words) // 2)
            choice["message"]["content"] = " ".join(words[:keep])
            cut += len(words) - keep
    usage = body["usage"]
    usage["completion_tokens"] = max(1, usage["completion_tokens"] - cut)
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]


def stored(state: State, completion_id: str) -> dict[str, Any]:
    """A completion kept by store: true, or a 404 in the envelope."""
    found = state.peek("stored:" + completion_id)
    if found is None:
        raise Halt(ApiError(404, f"No chat completion found with id '{completion_id}'.", param="completion_id",
                            code="not_found", kind="route"))
    return found
