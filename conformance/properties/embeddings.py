"""The embeddings endpoint as the properties see it: its schemas, its requests (model: --embedding-model), its judge."""

from __future__ import annotations

from conformance.checks.embeddings.vectors import NO_MODEL, PATH
from conformance.model import Target
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.embeddings_judge import RESPONSE, judge_valid
from conformance.properties.spec import EndpointSpec, LazyGenerators

REQUEST = "CreateEmbeddingRequest"


# Imported on first use: the generators import Hypothesis, which a replay never needs.
_GENERATORS = LazyGenerators("conformance.properties.embedding_requests")


def embedding_model(target: Target) -> str | None:
    """The embedding model under test (--embedding-model)."""
    return target.embedding_model


SPEC = EndpointSpec(
    name="embeddings",
    path=PATH,
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_GENERATORS.valid,
    invalid=_GENERATORS.invalid,
    seeds=_GENERATORS.seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
    model=embedding_model,
    no_model=NO_MODEL,
)
