"""Error-shape deviations: envelopes, codes, params and statuses of error answers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.fake.errors import ACCEPT, VALIDATION_KINDS, ApiError, envelope
from tests.fake.registry import deviation
from tests.fake.wire import HttpCtx, Reply, json_reply, text_reply


@deviation("errors.detail_envelope", "errors come as FastAPI's {\"detail\": \"...\"}", on="render_error")
def _detail(reply: Reply, err: ApiError) -> Reply:
    return json_reply(reply.status, {"detail": err.message}, reply.headers)


@deviation("errors.string_envelope", "errors come as {\"error\": \"message\"}", on="render_error")
def _string(reply: Reply, err: ApiError) -> Reply:
    return json_reply(reply.status, {"error": err.message}, reply.headers)


@deviation("errors.integer_code", "error.code is the integer status instead of a string", on="render_error")
def _integer_code(reply: Reply, err: ApiError) -> Reply:
    return json_reply(reply.status, envelope(replace(err, code=err.status)), reply.headers)


@deviation("errors.no_param", "error.param is always null", on="render_error")
def _no_param(reply: Reply, err: ApiError) -> Reply:
    return json_reply(reply.status, envelope(replace(err, param=None)), reply.headers)


@deviation("errors.plain_text", "errors come as a text/plain body", on="render_error")
def _plain_text(reply: Reply, err: ApiError) -> Reply:
    return replace(text_reply(reply.status, err.message), headers=reply.headers)


@deviation("errors.validation_500", "out-of-range values get a 500 instead of a 400", on="map_error")
def _validation_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    return text_reply(500, "Internal Server Error") if err.kind == "range" else err


@deviation("errors.validation_200", "out-of-range values are accepted with a 200", on="map_error")
def _validation_200(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "range" else err


@deviation("errors.shape_200", "an unknown message role and a missing model are accepted with a 200 (read as a "
           "user turn, served by the default model)", on="map_error")
def _shape_200(err: ApiError, ctx: HttpCtx) -> Any:
    role = (err.param or "").endswith(".role") and err.code == "invalid_value"
    model = err.param == "model" and err.code == "missing_required_parameter"
    return ACCEPT if role or model else err


@deviation("errors.wrong_status", "validation errors use status 422 (FastAPI style) with the envelope",
           on="map_error")
def _wrong_status(err: ApiError, ctx: HttpCtx) -> ApiError:
    if err.status == 400 and (err.kind in VALIDATION_KINDS or err.kind == "malformed_json"):
        return replace(err, status=422)
    return err
