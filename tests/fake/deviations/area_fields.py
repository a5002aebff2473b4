"""Request-field deviations: sampling and length fields ignored, mis-applied or rejected."""

from __future__ import annotations

from collections.abc import Callable

from dataclasses import replace
from typing import Any

from tests.fake.completions import Completion, Knobs
from tests.fake.errors import ApiError, invalid
from tests.fake.registry import State, deviation
from tests.fake.request import ChatRequest
from tests.fake.wire import HttpCtx


@deviation("fields.max_tokens_ignored", "max_tokens does not cut the output", on="request")
def _max_tokens_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, max_tokens=None)


@deviation("fields.max_tokens_off_by_one", "the output has one token more than the limit", on="request")
def _off_by_one(req: ChatRequest) -> ChatRequest:
    return replace(req, max_tokens=req.max_tokens and req.max_tokens + 1,
                   max_completion_tokens=req.max_completion_tokens and req.max_completion_tokens + 1)


@deviation("fields.max_completion_tokens_ignored", "max_completion_tokens does not cut the output", on="request")
def _max_completion_tokens_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, max_completion_tokens=None)


@deviation("fields.finish_reason_stop_on_length", "output cut by the limit reports finish_reason 'stop'",
           on="outputs")
def _stop_on_length(comps: tuple[Completion, ...], req: ChatRequest) -> tuple[Completion, ...]:
    return tuple(replace(c, finish_reason="stop") if c.finish_reason == "length" else c for c in comps)


@deviation("fields.stop_ignored", "stop sequences have no effect", on="request")
def _stop_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, stop=())


@deviation("fields.stop_included", "the output is cut after the stop sequence, which it includes", on="knobs")
def _stop_included(knobs: Knobs, req: ChatRequest) -> Knobs:
    return replace(knobs, include_stop=True)


@deviation("fields.stop_list_rejected", "stop given as a list gets a 400", on="check")
def _stop_list_rejected(req: ChatRequest) -> ApiError | None:
    if isinstance(req.raw.get("stop"), list):
        return invalid("stop", "Invalid type for 'stop': expected a string, but got an array instead.",
                       "invalid_type")
    return None


@deviation("fields.seed_ignored", "seed has no effect: sampled outputs differ run to run", on="request")
def _seed_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, seed=None)


@deviation("fields.temperature_ignored", "any temperature behaves like 0", on="request")
def _temperature_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, temperature=0.0)


@deviation("fields.temperature_zero_sampled", "temperature 0 falls back to the default 1.0 (read as unset: "
           "`temperature or 1.0`)", on="request")
def _temperature_zero_sampled(req: ChatRequest) -> ChatRequest:
    return replace(req, temperature=1.0) if req.temperature == 0 else req


@deviation("fields.top_p_ignored", "top_p has no effect", on="request")
def _top_p_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, top_p=1.0)


@deviation("fields.n_ignored", "n is ignored: always one choice", on="request")
def _n_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, n=1)


@deviation("fields.n_rejected", "n > 1 gets a 400", on="check")
def _n_rejected(req: ChatRequest) -> ApiError | None:
    if req.n > 1:
        return invalid("n", "Only n=1 is supported.", "unsupported_value")
    return None


@deviation("fields.penalties_ignored", "frequency_penalty and presence_penalty have no effect", on="request")
def _penalties_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, frequency_penalty=0.0, presence_penalty=0.0)


@deviation("fields.logit_bias_ignored", "logit_bias has no effect", on="request")
def _logit_bias_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, logit_bias={})


def _rejects(field: str) -> Callable[[ChatRequest], ApiError | None]:
    def hook(req: ChatRequest) -> ApiError | None:
        return invalid(field, f"Unrecognized request argument supplied: {field}") if field in req.raw else None

    return hook


def _ignores(field: str) -> Callable[[ChatRequest], ChatRequest]:
    def hook(req: ChatRequest) -> ChatRequest:
        # Dropped before validation and effects: any value is taken with 200 and changes nothing.
        return replace(req, raw={k: v for k, v in req.raw.items() if k != field})

    return hook


for _field in ("user", "safety_identifier", "prompt_cache_key"):
    deviation(f"fields.{_field}_rejected", f"the {_field} field gets a 400", on="check")(_rejects(_field))
for _field in ("store", "metadata", "service_tier", "modalities", "prediction", "reasoning_effort", "verbosity",
               "web_search_options"):
    deviation(f"fields.{_field}_ignored", f"{_field} is accepted with any value and has no effect",
              on="request")(_ignores(_field))


@deviation("fields.usage_wrong_when_n_gt_1", "with n > 1, usage.total_tokens counts the first choice only",
           on="chat_body")
def _usage_wrong_when_n_gt_1(body: dict[str, Any], req: ChatRequest) -> dict[str, Any]:
    if req.n > 1:
        u = body["usage"]
        u["total_tokens"] = u["prompt_tokens"] + u["completion_tokens"] // req.n
    return body


_NUMERIC = ("temperature", "top_p", "n", "max_tokens", "presence_penalty", "frequency_penalty", "seed", "top_logprobs")


@deviation("fields.numeric_strings_accepted", "numbers sent as strings (\"0.5\") are coerced, as pydantic's lax "
           "mode does, instead of rejected", on="intercept")
def _numeric_strings(ctx: HttpCtx, state: State) -> None:
    # Validation runs before every other hook, so coercing means rewriting the parsed body in place.
    if isinstance(ctx.body, dict):
        for name in _NUMERIC:
            value = ctx.body.get(name)
            if isinstance(value, str):
                try:
                    ctx.body[name] = int(value) if value.strip().lstrip("-").isdigit() else float(value)
                except ValueError:
                    pass
    return None


@deviation("fields.n_capped", "n above 2 (the server's parallel slots) gets a 400", on="check")
def _n_capped(req: ChatRequest) -> ApiError | None:
    if req.n > 2:
        return invalid("n", f"Field 'n': Value must be between 1 <= value <= 2, but got {req.n}")
    return None


@deviation("fields.n_greedy_rejected", "n above 1 at temperature 0 gets a 400, as vLLM rejects several greedy "
           "samples", on="check")
def _n_greedy_rejected(req: ChatRequest) -> ApiError | None:
    if req.n > 1 and req.temperature == 0:
        return invalid("n", "n must be 1 when using greedy sampling")
    return None
