"""The embeddings endpoint as the properties see it: its schemas, its requests (model: --embedding-model), its judge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.checks.embeddings.vectors import NO_MODEL, PATH
from conformance.model import Target
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.embeddings_judge import RESPONSE, judge_valid
from conformance.properties.spec import Budget, EndpointSpec, Example

if TYPE_CHECKING:
    from hypothesis import strategies as st

REQUEST = "CreateEmbeddingRequest"


# The generators import Hypothesis: only a run that draws examples needs them, not a replay.
def _valid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.embedding_requests import valid_examples

    return valid_examples(model, budget)


def _invalid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.embedding_requests import invalid_examples

    return invalid_examples(model, budget)


def _seeds(model: str) -> list[Example]:
    from conformance.properties.embedding_requests import seeds

    return seeds(model)


def embedding_model(target: Target) -> str | None:
    """The embedding model under test (--embedding-model)."""
    return target.embedding_model


SPEC = EndpointSpec(
    name="embeddings",
    path=PATH,
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_valid,
    invalid=_invalid,
    seeds=_seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
    model=embedding_model,
    no_model=NO_MODEL,
)
