"""Small accessors that turn a malformed response into a clear failure instead of a KeyError."""

from __future__ import annotations

from typing import Any

from conformance.verdict import Fail, Ignored, Skip

FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})


def choices(body: dict[str, Any], where: str = "response") -> list[dict[str, Any]]:
    """The non-empty list of choice objects."""
    ch = body.get("choices")
    if not isinstance(ch, list) or not ch or not all(isinstance(c, dict) for c in ch):
        raise Fail(f"{where}: `choices` is not a non-empty list of objects: {str(ch)[:200]}")
    return ch


def message(body: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """The message of one choice."""
    msg = choices(body)[index].get("message")
    if not isinstance(msg, dict):
        raise Fail(f"choices[{index}].message is not an object: {str(msg)[:200]}")
    return msg


def text(body: dict[str, Any], index: int = 0) -> str:
    """The text content of one choice (a string, as the spec requires for a text answer)."""
    content = message(body, index).get("content")
    if not isinstance(content, str):
        raise Fail(f"choices[{index}].message.content is not a string: {content!r}")
    return content


def finish_reason(body: dict[str, Any], index: int = 0) -> Any:
    """The finish_reason of one choice, as sent."""
    return choices(body)[index].get("finish_reason")


def usage(body: dict[str, Any], where: str = "response") -> dict[str, int]:
    """The usage object, with integer counts."""
    u = body.get("usage")
    if not isinstance(u, dict):
        raise Fail(f"{where}: `usage` missing or not an object: {u!r}")
    for k in ("prompt_tokens", "completion_tokens", "total_tokens"):
        if not isinstance(u.get(k), int) or isinstance(u.get(k), bool):
            raise Fail(f"{where}: usage.{k} is not an integer: {u.get(k)!r}")
    return u


def usage_count(body: Any, key: str) -> int | None:
    """usage[key] when the answer (any JSON value) reports it as an integer."""
    usage = body.get("usage") if isinstance(body, dict) else None
    tokens = usage.get(key) if isinstance(usage, dict) else None
    return tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None


def prompt_tokens(body: Any) -> int | None:
    """usage.prompt_tokens when the answer reports it as an integer."""
    return usage_count(body, "prompt_tokens")


def completion_tokens(body: Any) -> int | None:
    """usage.completion_tokens when the answer reports it as an integer."""
    return usage_count(body, "completion_tokens")


def reaches_prompt(with_body: dict[str, Any], plain_body: dict[str, Any], what: str, ignored_tail: str = "") -> str:
    """Whether declarations (tools, functions) reach the prompt: more prompt tokens than the same request without."""
    with_them, without = prompt_tokens(with_body), prompt_tokens(plain_body)
    if with_them is None or without is None:
        raise Skip(f"no usage.prompt_tokens to tell whether the {what} reach the prompt")
    counts = f"{with_them} prompt tokens with them, {without} without"
    if with_them > without:
        return f"the {what} reach the prompt: {counts}"
    raise Ignored(f"{what} accepted but they never reach the prompt: {counts}{ignored_tail}")


def kept_stop(out: str, base: str, word: str) -> bool:
    """Whether an output stopped on the stop string but kept it: it ends right after the word, where the
    unstopped answer has it (transformers serve does this), rather than running past it."""
    cut = base.find(word)
    return cut >= 0 and out.rstrip().endswith(word) and len(out.rstrip()) <= cut + len(word)
