"""Property-based checks: generated requests held to properties, failures shrunk to a curl reproducer."""

from __future__ import annotations

from conformance.context import CheckContext
from conformance.properties import chat, conclude
from conformance.registry import check

GENERATED = "Generated requests"
VALID = "prop.chat.valid_requests"
INVALID = "prop.chat.invalid_requests"


@check(VALID, feature=GENERATED, many_requests=True,
       behavior="Requests generated from the CreateChatCompletionRequest schema (sampling fields, stop, n, logprobs, "
                "response_format, stream, tools, images, multi-turn) get a 2xx valid against the response schema "
                "with usage sums, finish_reason, choice count and stream framing intact, or a clear 4xx")
def valid_requests(ctx: CheckContext) -> str:
    return conclude.valid_requests(ctx, chat.SPEC, VALID)


@check(INVALID, feature="Input validation", many_requests=True,
       behavior="Requests generated with one schema defect (out-of-range number, wrong type, missing required field, "
                "unknown enum value, malformed message) are rejected with a 4xx and the error envelope, never a 2xx "
                "or a 5xx")
def invalid_requests(ctx: CheckContext) -> str:
    return conclude.invalid_requests(ctx, chat.SPEC, INVALID)
