"""Robustness deviations: valid but unusual chat input that crashes the server with a 500."""

from __future__ import annotations

from tests.fake.errors import ApiError, server_error
from tests.fake.registry import deviation
from tests.fake.request import ChatRequest

# Above every prompt of the suite but http.robustness.long_prompt's ~2,000 characters.
_BATCH_CHARS = 1_200


@deviation("chat.empty_content_500", "a user message with empty content '' gets a 500 (an empty prompt "
           "crashes the tokenizer)", on="check")
def _empty_content_500(req: ChatRequest) -> ApiError | None:
    if any(m.role == "user" and not m.text and not m.images for m in req.messages):
        return server_error("Prompt is empty")
    return None


@deviation("chat.long_prompt_500", f"a prompt over {_BATCH_CHARS} characters gets a 500 (llama.cpp's batch "
           "size error)", on="check")
def _long_prompt_500(req: ChatRequest) -> ApiError | None:
    if sum(len(m.text) for m in req.messages) > _BATCH_CHARS:
        return server_error("input is too large to process. increase the physical batch size")
    return None


@deviation("chat.non_ascii_500", "a prompt with characters outside ASCII gets a 500 (the body is decoded as "
           "ASCII)", on="check")
def _non_ascii_500(req: ChatRequest) -> ApiError | None:
    if any(not m.text.isascii() for m in req.messages):
        return server_error("'ascii' codec can't decode byte 0xc3 in position 0: ordinal not in range(128)")
    return None
