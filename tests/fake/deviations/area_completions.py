"""/v1/completions deviations: what real servers do differently on the legacy text completions endpoint."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from tests.fake.endpoints import completions as _endpoint  # noqa: F401 - defines the hook points used here
from tests.fake.errors import ACCEPT, ApiError, Halt
from tests.fake.registry import deviation
from tests.fake.streaming import frame
from tests.fake.text_completion import TextChoice, TextRequest
from tests.fake.wire import HttpCtx, Reply, text_reply

PATH = "/v1/completions"


def _here(ctx: HttpCtx) -> bool:
    return ctx.path == PATH


# --- the body ---------------------------------------------------------------------------------------------

@deviation("completions.object_wrong", "object is 'chat.completion' instead of 'text_completion'",
           on="completions_body")
def _object(body: dict[str, Any], req: TextRequest) -> dict[str, Any]:
    return {**body, "object": "chat.completion"}


@deviation("completions.index_from_one", "choice indexes count from 1", on="completions_body")
def _index(body: dict[str, Any], req: TextRequest) -> dict[str, Any]:
    return {**body, "choices": [{**c, "index": c["index"] + 1} for c in body["choices"]]}


@deviation("completions.usage_sum_wrong", "usage.total_tokens is one more than the sum", on="completions_usage")
def _usage_sum(usage: dict[str, int], req: TextRequest, choices: list[TextChoice]) -> dict[str, int]:
    return {**usage, "total_tokens": usage["total_tokens"] + 1}


@deviation("completions.usage_one_choice", "usage.completion_tokens counts the first choice only (llama-server)",
           on="completions_usage")
def _usage_one(usage: dict[str, int], req: TextRequest, choices: list[TextChoice]) -> dict[str, int]:
    first = len(choices[0].tokens) if choices else 0
    return {**usage, "completion_tokens": first, "total_tokens": usage["prompt_tokens"] + first}


@deviation("completions.logprobs_chat_shape", "logprobs come in the chat shape {content: [...]} (llama-server)",
           on="completions_body")
def _chat_shape(body: dict[str, Any], req: TextRequest) -> dict[str, Any]:
    def chat(lp: Any) -> Any:
        if not isinstance(lp, dict):
            return lp
        return {"content": [{"token": t, "logprob": v, "top_logprobs": [{"token": k, "logprob": x}
                                                                         for k, x in (top or {}).items()]}
                            for t, v, top in zip(lp["tokens"], lp["token_logprobs"], lp["top_logprobs"])]}
    return {**body, "choices": [{**c, "logprobs": chat(c["logprobs"])} for c in body["choices"]]}


# --- what the server reads ----------------------------------------------------------------------------------

def _ignoring(name: str, description: str, **defaults: Any) -> None:
    @deviation(name, description, on="completions_request")
    def _ignore(req: TextRequest) -> TextRequest:
        return replace(req, **defaults)


_ignoring("completions.max_tokens_ignored", "max_tokens is ignored", max_tokens=None)
_ignoring("completions.stop_ignored", "stop is ignored", stop=())
_ignoring("completions.logprobs_ignored", "logprobs is ignored (null)", logprobs=None)
_ignoring("completions.echo_ignored", "echo is ignored (llama-server)", echo=False)
_ignoring("completions.suffix_ignored", "suffix is ignored (llama-server)", suffix=None)
_ignoring("completions.seed_ignored", "seed is ignored", seed=None)
_ignoring("completions.n_ignored", "n is ignored: one choice per prompt", n=1)
_ignoring("completions.temperature_ignored", "temperature is ignored: always greedy", temperature=0.0)


_ignoring("completions.stop_included", "the output stops on the stop string and keeps it (transformers serve)",
          include_stop=True)


@deviation("completions.suffix_appended", "the suffix is pasted onto the end of the output text, not put after the "
           "insertion point (transformers serve: text + suffix)", on="completions_body")
def _suffix_appended(body: dict[str, Any], req: TextRequest) -> dict[str, Any]:
    if not req.suffix:
        return body
    return {**body, "choices": [{**c, "text": c["text"] + req.suffix} for c in body["choices"]]}


@deviation("completions.greedy_random", "temperature 0 still samples", on="completions_request")
def _greedy_random(req: TextRequest) -> TextRequest:
    return replace(req, temperature=1.0, seed=None) if req.temperature <= 0 else req


@deviation("completions.batch_first_only", "a list of prompts is answered for the first prompt only",
           on="completions_request")
def _first_only(req: TextRequest) -> TextRequest:
    return replace(req, prompts=req.prompts[:1], prompt_counts=req.prompt_counts[:1])


@deviation("completions.batch_order_reversed", "a list of prompts is answered in reverse index order",
           on="completions_choices")
def _reversed(choices: list[TextChoice], req: TextRequest) -> list[TextChoice]:
    last = len(choices) - 1
    return [replace(c, index=last - c.index) for c in choices] if len(req.prompts) > 1 else choices


def _token_prompt(req: TextRequest) -> bool:
    raw = req.raw_prompt
    return isinstance(raw, list) and bool(raw) and not isinstance(raw[0], str)


@deviation("completions.token_ids_as_prompts", "each token id of a token prompt is taken for a prompt of its own",
           on="completions_request")
def _ids_as_prompts(req: TextRequest) -> TextRequest:
    raw = req.raw_prompt
    if not (_token_prompt(req) and isinstance(raw[0], int)):
        return req
    return replace(req, prompts=tuple(str(i) for i in raw), prompt_counts=tuple(1 for _ in raw))


@deviation("completions.token_prompts_rejected", "token-id prompts are rejected with 400", on="completions_request")
def _tokens_rejected(req: TextRequest) -> TextRequest:
    if _token_prompt(req):
        raise Halt(ApiError(400, "prompt must be a string or a list of strings", param="prompt"))
    return req


# --- validation -------------------------------------------------------------------------------------------

@deviation("completions.missing_prompt_500", "a request without prompt gets a 500 (llama-cpp-python)",
           on="map_error")
def _missing_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    return text_reply(500, "Internal Server Error") if _here(ctx) and err.param == "prompt" else err


@deviation("completions.unknown_model_200", "an unknown model is answered by the default model", on="map_error")
def _unknown_model(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if _here(ctx) and err.kind == "model" else err


@deviation("completions.best_of_unchecked", "best_of smaller than n (or with stream) is accepted", on="map_error")
def _best_of(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if _here(ctx) and err.param == "best_of" else err


@deviation("completions.validation_off", "out-of-range and wrong-typed values are accepted", on="map_error")
def _validation_off(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if _here(ctx) and err.kind == "range" and err.param != "best_of" else err


# --- streaming ----------------------------------------------------------------------------------------------

@deviation("completions.stream_object_chat", "stream chunks have object 'chat.completion.chunk'",
           on="completions_chunks")
def _chunk_object(chunks: list[Any], req: TextRequest) -> list[Any]:
    return [{**c, "object": "chat.completion.chunk"} if isinstance(c, dict) else c for c in chunks]


@deviation("completions.stream_no_done", "the stream ends without data: [DONE]", on="completions_frames")
def _no_done(frames: tuple[str, ...], req: TextRequest) -> tuple[str, ...]:
    return frames[:-1]


@deviation("completions.stream_text_differs", "the streamed text drops its second token", on="completions_chunks")
def _text_differs(chunks: list[Any], req: TextRequest) -> list[Any]:
    texts = [pos for pos, c in enumerate(chunks) if isinstance(c, dict) and c["choices"] and c["choices"][0]["text"]]
    return [c for pos, c in enumerate(chunks) if len(texts) < 2 or pos != texts[1]]


@deviation("completions.stream_usage_on_content", "usage rides on the last content chunk, never in a chunk with "
           "choices [] (llama-server)", on="completions_chunks")
def _usage_on_content(chunks: list[Any], req: TextRequest) -> list[Any]:
    if not req.include_usage or len(chunks) < 2:
        return chunks
    return [*chunks[:-2], {**chunks[-2], "usage": chunks[-1]["usage"]}]


@deviation("completions.stream_usage_unasked", "a usage chunk with choices [] is sent although not asked for",
           on="completions_chunks")
def _usage_unasked(chunks: list[Any], req: TextRequest) -> list[Any]:
    if req.include_usage or not chunks:
        return chunks
    extra = {**chunks[-1], "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    return [*chunks, extra]


@deviation("completions.stream_null_chunk", "a stream of several prompts starts with data: null (llama-server)",
           on="completions_frames")
def _null_chunk(frames: tuple[str, ...], req: TextRequest) -> tuple[str, ...]:
    return (frame(json.dumps(None)), *frames) if len(req.prompts) > 1 else frames
