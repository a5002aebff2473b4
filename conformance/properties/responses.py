"""The Responses endpoint as the properties see it: its schemas, its requests and its invariants."""

from __future__ import annotations

from conformance.checks.responses.shape import PATH
from conformance.properties.responses_judge import RESPONSE, judge_invalid, judge_valid
from conformance.properties.spec import EndpointSpec, LazyGenerators

REQUEST = "CreateResponse"


# Imported on first use: the generators import Hypothesis, which a replay never needs.
_GENERATORS = LazyGenerators("conformance.properties.responses_requests")


SPEC = EndpointSpec(
    name="responses",
    path=PATH,
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_GENERATORS.valid,
    invalid=_GENERATORS.invalid,
    seeds=_GENERATORS.seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
)
