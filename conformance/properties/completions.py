"""The completions endpoint as the properties see it: its schemas, its requests and its invariants."""

from __future__ import annotations

from conformance.properties.chat_judge import judge_invalid
from conformance.properties.completions_judge import RESPONSE, judge_valid
from conformance.properties.spec import EndpointSpec, LazyGenerators

REQUEST = "CreateCompletionRequest"


# Imported on first use: the generators import Hypothesis, which a replay never needs.
_GENERATORS = LazyGenerators("conformance.properties.completions_requests")


SPEC = EndpointSpec(
    name="completions",
    path="/completions",
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_GENERATORS.valid,
    invalid=_GENERATORS.invalid,
    seeds=_GENERATORS.seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,  # a 4xx with the envelope: the same rule for every endpoint
)
