"""Property-based checks of /v1/completions: generated requests held to properties, failures shrunk to curl."""

from __future__ import annotations

from conformance import catalog
from conformance.context import CheckContext
from conformance.properties import completions, conclude
from conformance.registry import check

VALID = "prop.completions.valid_requests"
INVALID = "prop.completions.invalid_requests"


@check(VALID, endpoint=catalog.COMPLETIONS, feature="Generated requests", many_requests=True,
       behavior="Requests generated from the CreateCompletionRequest schema (every prompt form, sampling fields, "
                "stop, n, best_of, echo, suffix, logprobs, stream) get a 2xx valid against the response schema with "
                "usage sums, finish_reason, choice count and stream framing intact, or a clear 4xx")
def valid_requests(ctx: CheckContext) -> str:
    return conclude.valid_requests(ctx, completions.SPEC, VALID)


@check(INVALID, endpoint=catalog.COMPLETIONS, feature="Input validation", many_requests=True,
       behavior="Requests generated with one schema defect (out-of-range number, wrong type, missing required field, "
                "malformed prompt) are rejected with a 4xx and the error envelope, never a 2xx or a 5xx")
def invalid_requests(ctx: CheckContext) -> str:
    return conclude.invalid_requests(ctx, completions.SPEC, INVALID)
