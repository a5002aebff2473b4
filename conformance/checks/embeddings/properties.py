"""Embeddings requests generated from CreateEmbeddingRequest: valid ones answered in shape, one defect rejected."""

from __future__ import annotations

from conformance import catalog
from conformance.context import CheckContext
from conformance.properties import conclude, embeddings
from conformance.registry import check

VALID = "prop.embeddings.valid_requests"
INVALID = "prop.embeddings.invalid_requests"


@check(VALID, feature="Generated requests", endpoint=catalog.EMBEDDINGS, many_requests=True,
       behavior="Requests generated from the CreateEmbeddingRequest schema (input as a string, strings, token ids or "
                "token-id lists; encoding_format, dimensions, user) get a 2xx with one flat finite vector per input "
                "in index order, of one length, valid against CreateEmbeddingResponse, or a clear 4xx")
def valid_requests(ctx: CheckContext) -> str:
    return conclude.valid_requests(ctx, embeddings.SPEC, VALID)


@check(INVALID, feature="Input validation", endpoint=catalog.EMBEDDINGS, many_requests=True,
       behavior="Embeddings requests generated with one schema defect (wrong type, out-of-range dimensions, empty "
                "list, missing model or input, unknown encoding_format) are rejected with a 4xx and the error "
                "envelope, never a 2xx or a 5xx")
def invalid_requests(ctx: CheckContext) -> str:
    return conclude.invalid_requests(ctx, embeddings.SPEC, INVALID)
