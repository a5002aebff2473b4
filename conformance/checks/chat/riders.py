"""One plain request carrying the fields whose checks need only a normal answer to it, sent once for all."""

from __future__ import annotations

from typing import Any

from conformance.context import STATUS_MAX_TOKENS, CheckContext

# chat.request.unknown_field, logprobs.request.off_is_null and stream.usage.without_stream each judge a plain
# answer to a request with their field. Where this request is answered normally (2xx, a JSON object with a
# choice) all three are judged from it, sent once; otherwise each sends its own field alone, so a rejection or a
# broken answer is pinned on the field that caused it (OpenAI rejects the unknown field and stream_options
# without stream: one request more there, two fewer where all three are taken, as on llama.cpp).
RIDERS: dict[str, Any] = {
    "x_oai_conformance_probe": True,
    "logprobs": False,
    "stream": False,
    "stream_options": {"include_usage": True},
}
WITH = "in one request with an unknown field, logprobs false and stream_options without stream"


def normal_answer(ctx: CheckContext) -> dict[str, Any] | None:
    """The JSON answer to the request with every rider when it is a normal one, else None."""
    ex = ctx.chat(max_tokens=STATUS_MAX_TOKENS, **RIDERS)
    body = ex.response_body
    if not 200 <= (ex.status or 0) < 300 or not isinstance(body, dict):
        return None
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    return ctx.expect_ok(ex, f"a plain request {WITH}")
