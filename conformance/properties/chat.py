"""The chat completions endpoint as the properties see it: its schemas, its requests and its invariants."""

from __future__ import annotations

from conformance.context import CHAT
from conformance.properties.chat_judge import RESPONSE, judge_invalid, judge_valid
from conformance.properties.spec import EndpointSpec, LazyGenerators

REQUEST = "CreateChatCompletionRequest"


# Imported on first use: the generators import Hypothesis, which a replay never needs.
_GENERATORS = LazyGenerators("conformance.properties.chat_requests")


SPEC = EndpointSpec(
    name="chat",
    path=CHAT,
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_GENERATORS.valid,
    invalid=_GENERATORS.invalid,
    seeds=_GENERATORS.seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
)
