"""POST /v1/completions: the legacy text completions endpoint, conformant by default, with hook points."""

from __future__ import annotations

import json
from typing import Any

from conformance.schemas import validator
from tests.fake import text_completion as tc
from tests.fake.errors import ApiError, Halt
from tests.fake.registry import add_point
from tests.fake.render import ResponseIds
from tests.fake.routes import route
from tests.fake.streaming import DONE, frame
from tests.fake.wire import HttpCtx, StreamReply, json_reply

REQUEST = "CreateCompletionRequest"
add_point("completions_request", "(req) -> TextRequest: change what the server makes of a completions request")
add_point("completions_choices", "(choices, req) -> list[TextChoice]: change the generated choices")
add_point("completions_usage", "(usage, req, choices) -> dict: change the usage of a completions answer")
add_point("completions_body", "(body, req) -> dict: reshape a non-streamed text_completion")
add_point("completions_chunks", "(chunks, req) -> list: reshape the stream's chunks (None is sent as null)")
add_point("completions_frames", "(frames, req) -> tuple[str, ...]: change the raw SSE frames of a completions stream")


def _schema_error(body: dict[str, Any]) -> ApiError | None:
    err = next(iter(sorted(validator(REQUEST).iter_errors(body), key=lambda e: list(e.absolute_path))), None)
    if err is None:
        return None
    if err.validator == "required":
        name = str(err.message).split("'")[1]
        return ApiError(400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")
    param = ".".join(str(p) for p in err.absolute_path) or None
    return ApiError(400, f"Invalid value for '{param}': {err.message[:200]}", param=param, code="invalid_value",
                    kind="range")


def _num(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _int(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def parse(app: Any, ctx: HttpCtx) -> tc.TextRequest:
    """Validate a completions request as OpenAI does (a deviation may accept what it rejects) and read it."""
    body = ctx.body
    if not isinstance(body, dict):
        raise Halt(ApiError(400, "We could not parse the JSON body of your request.", kind="malformed_json"))
    soft = app.soft(ctx)
    if (err := _schema_error(body)) is not None:
        soft(err)
    model = body.get("model")
    if model != app.config.model:
        soft(ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                      param="model", code="model_not_found", kind="model"))
        model = app.config.model  # a deviation answered with the default model
    n, best_of = _int(body.get("n"), 1) or 1, _int(body.get("best_of"), None)
    if best_of is not None and best_of < n:
        soft(ApiError(400, "best_of must be greater than or equal to n.", param="best_of", kind="range"))
    stream = body.get("stream") is True
    if stream and (best_of or 1) > 1:
        soft(ApiError(400, "best_of cannot be used with stream.", param="best_of", kind="range"))
    pairs = [tc.prompt_text(p) for p in tc.prompts_of(body.get("prompt"))]
    stop = body.get("stop")
    options = body.get("stream_options")
    return tc.TextRequest(
        model=model, prompts=tuple(p for p, _ in pairs), prompt_counts=tuple(c for _, c in pairs),
        max_tokens=_int(body.get("max_tokens"), tc.DEFAULT_MAX_TOKENS), n=max(1, n),
        best_of=max(n, best_of or 1), echo=body.get("echo") is True,
        suffix=body.get("suffix") if isinstance(body.get("suffix"), str) else None,
        logprobs=_int(body.get("logprobs"), None), temperature=_num(body.get("temperature"), 1.0),
        top_p=_num(body.get("top_p"), 1.0), seed=_int(body.get("seed"), None),
        stop=(stop,) if isinstance(stop, str) else tuple(s for s in stop if isinstance(s, str))
        if isinstance(stop, list) else (),
        stream=stream, include_usage=stream and isinstance(options, dict) and options.get("include_usage") is True,
        raw_prompt=body.get("prompt"))


@route(r"^/v1/completions$", "POST")
def completions(app: Any, ctx: HttpCtx) -> Any:
    """POST /v1/completions."""
    req = app.hooks.pipe("completions_request", parse(app, ctx))
    choices, spent = tc.generate(req)
    choices = app.hooks.pipe("completions_choices", choices, req)
    ids = ResponseIds.fresh()
    if req.stream:
        chunks = tc.chunks(req, choices, spent, ids)
        if req.include_usage:
            chunks[-1] = {**chunks[-1], "usage": app.hooks.pipe("completions_usage", chunks[-1]["usage"], req, choices)}
        chunks = app.hooks.pipe("completions_chunks", chunks, req)
        frames = tuple(frame(json.dumps(c)) for c in chunks) + (frame(DONE),)
        return StreamReply(200, app.hooks.pipe("completions_frames", frames, req))
    body = tc.body(req, choices, spent, ids)
    body["usage"] = app.hooks.pipe("completions_usage", body["usage"], req, choices)
    return json_reply(200, app.hooks.pipe("completions_body", body, req))
