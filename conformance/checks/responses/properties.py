"""Property-based checks of /v1/responses: generated requests held to properties, failures shrunk to a curl."""

from __future__ import annotations

from conformance import catalog
from conformance.context import CheckContext
from conformance.properties import conclude, responses
from conformance.registry import check

VALID = "prop.responses.valid_requests"
INVALID = "prop.responses.invalid_requests"


@check(VALID, feature="Generated requests", endpoint=catalog.RESPONSES, many_requests=True,
       behavior="Requests generated from the CreateResponse schema (string and item input, history, tool results, "
                "instructions, sampling fields, store, text.format, tools, stream) get a 2xx valid against the "
                "Response schema with status, usage and stream events intact, or a clear 4xx")
def valid_requests(ctx: CheckContext) -> str:
    return conclude.valid_requests(ctx, responses.SPEC, VALID)


@check(INVALID, feature="Input validation", endpoint=catalog.RESPONSES, many_requests=True,
       behavior="Requests generated with one CreateResponse defect (out-of-range number, wrong type, unknown enum "
                "value, malformed input item or tool) are rejected with a 4xx and the error envelope, never a 2xx "
                "or a 5xx")
def invalid_requests(ctx: CheckContext) -> str:
    return conclude.invalid_requests(ctx, responses.SPEC, INVALID)
