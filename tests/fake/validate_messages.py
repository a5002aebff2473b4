"""Validation of the messages array, as strict as OpenAI's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fake.errors import ApiError, Halt, bad_type, bad_value, invalid, missing
from tests.fake.images import image_digest, image_tokens
from tests.fake.request import Message
from tests.fake.tokenizer import count_words

ROLES = ("system", "developer", "user", "assistant", "tool", "function")  # "function": deprecated, still valid
DETAILS = ("auto", "low", "high")
# Which content part types each role may send.
_PART_TYPES = {
    "system": ("text",),
    "developer": ("text",),
    "user": ("text", "image_url"),
    "assistant": ("text", "refusal"),
    "tool": ("text",),
    "function": ("text",),
}

Soft = Callable[[ApiError], None]


def parse_messages(value: Any, soft: Soft) -> tuple[Message, ...]:
    """Validate the messages array and reduce it to Message values."""
    if not isinstance(value, list):
        raise Halt(bad_type("messages", "an array of objects", value))
    if not value:
        raise Halt(invalid("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                           "but got an empty array instead.", "empty_array"))
    messages = tuple(_message(m, f"messages[{i}]", soft) for i, m in enumerate(value))
    _check_tool_sequence(messages)
    return messages


def _message(msg: Any, where: str, soft: Soft) -> Message:
    if not isinstance(msg, dict):
        raise Halt(bad_type(where, "an object", msg))
    if "role" not in msg:
        raise Halt(missing(f"{where}.role"))
    role = msg["role"]
    if not isinstance(role, str):
        raise Halt(bad_type(f"{where}.role", "a string", role))
    if role not in ROLES:
        soft(bad_value(f"{where}.role", role, ROLES))  # a deviation may read it as a user turn
        role = "user"
    if "name" in msg and msg["name"] is not None and not isinstance(msg["name"], str):
        raise Halt(bad_type(f"{where}.name", "a string", msg["name"]))
    call_ids = _tool_calls(msg.get("tool_calls"), f"{where}.tool_calls") if role == "assistant" else ()
    text, images, parts, tokens = _content(msg, role, where, bool(call_ids), soft)
    if role == "function" and not isinstance(msg.get("name"), str):
        raise Halt(missing(f"{where}.name"))
    call_id = None
    if role == "tool":
        call_id = msg.get("tool_call_id")
        if call_id is None:
            raise Halt(missing(f"{where}.tool_call_id"))
        if not isinstance(call_id, str):
            raise Halt(bad_type(f"{where}.tool_call_id", "a string", call_id))
    calls = msg.get("tool_calls") if call_ids else None
    call_tokens = sum(count_words(f"{c['function']['name']} {c['function']['arguments']}") for c in calls or [])
    return Message(role, text, images, parts, call_ids, call_id, tokens, call_tokens)


def _content(msg: dict[str, Any], role: str, where: str, has_calls: bool,
             soft: Soft) -> tuple[str, tuple[str, ...], bool, int]:
    """The text, image digests, whether it came as parts, and the prompt tokens of its images."""
    param = f"{where}.content"
    if msg.get("content") is None:
        if role == "assistant" and (has_calls or msg.get("refusal") or msg.get("function_call")):
            return "", (), False, 0
        raise Halt(missing(param) if "content" not in msg else bad_type(param, "a string or an array", None))
    content = msg["content"]
    if isinstance(content, str):
        return content, (), False, 0
    if not isinstance(content, list):
        raise Halt(bad_type(param, "one of a string or array of objects", content))
    if not content:
        raise Halt(invalid(param, f"Invalid '{param}': empty array. Expected an array with minimum length 1, "
                           "but got an empty array instead.", "empty_array"))
    texts: list[str] = []
    images: list[str] = []
    tokens = 0
    for j, part in enumerate(content):
        text, image = _part(part, role, f"{param}[{j}]", soft)
        texts.extend([text] if text is not None else [])
        if image is not None:
            images.append(image[0])
            tokens += image[1]
    return "\n".join(texts), tuple(images), True, tokens


def _part(part: Any, role: str, where: str, soft: Soft) -> tuple[str | None, tuple[str, int] | None]:
    if not isinstance(part, dict):
        raise Halt(bad_type(where, "an object", part))
    kind = part.get("type")
    if kind is None:
        raise Halt(missing(f"{where}.type"))
    if kind not in _PART_TYPES[role]:
        raise Halt(bad_value(f"{where}.type", kind, _PART_TYPES[role]))
    if kind in ("text", "refusal"):
        text = part.get(kind)
        if not isinstance(text, str):
            raise Halt(missing(f"{where}.{kind}") if text is None else bad_type(f"{where}.{kind}", "a string", text))
        return text, None
    return None, _image(part.get("image_url"), f"{where}.image_url", soft)


def _image(spec: Any, where: str, soft: Soft) -> tuple[str, int] | None:
    """The image's digest and the prompt tokens it costs, or None for one accepted undecoded."""
    if spec is None:
        raise Halt(missing(where))
    if not isinstance(spec, dict):
        raise Halt(bad_type(where, "an object", spec))
    url = spec.get("url")
    if not isinstance(url, str):
        raise Halt(missing(f"{where}.url") if url is None else bad_type(f"{where}.url", "a string", url))
    detail = spec.get("detail")
    if detail is not None and detail not in DETAILS:
        soft(bad_value(f"{where}.detail", detail, DETAILS))  # a deviation may accept it, unread
        detail = None
    try:
        return image_digest(url), image_tokens(url, detail)
    except ValueError as exc:
        # OpenAI names no finer param for undecodable images; the suite expects "messages".
        soft(invalid("messages", str(exc), "invalid_image_format", kind="image"))
        return None  # accepted anyway by a deviation: the image is ignored


def _tool_calls(calls: Any, where: str) -> tuple[str, ...]:
    if calls is None:
        return ()
    if not isinstance(calls, list):
        raise Halt(bad_type(where, "an array", calls))
    ids = []
    for k, call in enumerate(calls):
        at = f"{where}[{k}]"
        if not isinstance(call, dict):
            raise Halt(bad_type(at, "an object", call))
        for key in ("id", "type", "function"):
            if key not in call:
                raise Halt(missing(f"{at}.{key}"))
        if call["type"] != "function":
            raise Halt(bad_value(f"{at}.type", call["type"], ("function",)))
        fn = call["function"]
        if not isinstance(fn, dict):
            raise Halt(bad_type(f"{at}.function", "an object", fn))
        for key in ("name", "arguments"):
            if not isinstance(fn.get(key), str):
                raise Halt(missing(f"{at}.function.{key}") if key not in fn
                           else bad_type(f"{at}.function.{key}", "a string", fn[key]))
        if not isinstance(call["id"], str):
            raise Halt(bad_type(f"{at}.id", "a string", call["id"]))
        ids.append(call["id"])
    return tuple(ids)


def _check_tool_sequence(messages: tuple[Message, ...]) -> None:
    """Tool results must answer the preceding assistant tool calls, all of them, as OpenAI insists."""
    pending: set[str] = set()
    for i, m in enumerate(messages):
        if m.role == "tool":
            if m.tool_call_id not in pending:
                raise Halt(invalid(f"messages[{i}].role", "Invalid parameter: messages with role 'tool' must be a "
                                   "response to a preceeding message with 'tool_calls'."))
            pending.discard(m.tool_call_id)
            continue
        _no_pending(pending)
        pending = set(m.tool_call_ids)
    _no_pending(pending)


def _no_pending(pending: set[str]) -> None:
    if pending:
        raise Halt(invalid("messages", "An assistant message with 'tool_calls' must be followed by tool messages "
                           "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                           f"response messages: {', '.join(sorted(pending))}"))
