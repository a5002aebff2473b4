"""The completions endpoint as the properties see it: its schemas, its requests and its invariants."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.properties.chat_judge import judge_invalid
from conformance.properties.completions_judge import RESPONSE, judge_valid
from conformance.properties.spec import Budget, EndpointSpec, Example

if TYPE_CHECKING:
    from hypothesis import strategies as st

REQUEST = "CreateCompletionRequest"


# The generators import Hypothesis (about a second): only a run that draws examples needs them, not a replay.
def _valid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.completions_requests import valid_examples

    return valid_examples(model, budget)


def _invalid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.completions_requests import invalid_examples

    return invalid_examples(model, budget)


def _seeds(model: str) -> list[Example]:
    from conformance.properties.completions_requests import seeds

    return seeds(model)


SPEC = EndpointSpec(
    name="completions",
    path="/completions",
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_valid,
    invalid=_invalid,
    seeds=_seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,  # a 4xx with the envelope: the same rule for every endpoint
)
