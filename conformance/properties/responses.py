"""The Responses endpoint as the properties see it: its schemas, its requests and its invariants."""

from __future__ import annotations

from conformance.checks.responses.shape import PATH
from conformance.properties.responses_judge import RESPONSE, judge_invalid, judge_valid
from conformance.properties.responses_requests import REQUEST, invalid_examples, seeds, valid_examples
from conformance.properties.spec import EndpointSpec

SPEC = EndpointSpec(
    name="responses",
    path=PATH,
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=valid_examples,
    invalid=invalid_examples,
    seeds=seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
)
