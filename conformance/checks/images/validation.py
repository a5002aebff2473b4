"""Invalid image requests: rejected with a 4xx whose body the official client can read."""

from __future__ import annotations

from conformance.checks.images import common
from conformance.checks.images.common import ENDPOINT
from conformance.context import CheckContext, error_message, has_envelope
from conformance.judge import openai_sdk
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, Skip, SpecViolation

FEATURE = "Input validation"
BAD_SIZE = "big"  # any string is schema-valid (custom sizes): this one names no width and height


def _bad_size(ctx: CheckContext) -> Exchange:
    return common.generate(ctx, size=BAD_SIZE)


def _no_prompt(ctx: CheckContext) -> Exchange:
    return ctx.request("POST", common.PATH, {k: v for k, v in common.body(ctx).items() if k != "prompt"})


@check("images.size.invalid", feature=FEATURE, field="size", endpoint=ENDPOINT,
       behavior=f"size {BAD_SIZE!r} (no width and height) is rejected with a 4xx, not drawn at a default size")
def size_invalid(ctx: CheckContext) -> str:
    common.base(ctx)
    return ctx.expect_rejected(_bad_size(ctx), f"size {BAD_SIZE!r}")


@check("images.prompt.missing", feature=FEATURE, field="prompt", endpoint=ENDPOINT,
       behavior="A request without the required prompt is rejected with a 4xx")
def prompt_missing(ctx: CheckContext) -> str:
    common.base(ctx)
    return ctx.expect_rejected(_no_prompt(ctx), "a request without prompt")


@check("images.error.shape", feature=FEATURE, endpoint=ENDPOINT,
       behavior="An image request's 4xx carries the OpenAI error envelope, and the official client's images.generate "
                "reads its message and type from it (a plain-string error leaves them empty)")
def error_shape(ctx: CheckContext) -> str:
    common.base(ctx)
    rejected = [ex for ex in (_no_prompt(ctx), _bad_size(ctx)) if 400 <= (ex.status or 0) < 500]
    if not rejected:
        raise Skip("no invalid image request was rejected with a 4xx (see images.prompt.missing, images.size.invalid)")
    ex = rejected[0]
    what = f"{ex.status} {str(ex.response_body)[:150]}"
    sdk = _sdk_reading(ex)
    if sdk is not None and (sdk.type is None or error_message(ex.response_body) not in sdk.message):
        # except clauses read e.type / e.code / e.message: here they hold nothing of the server's answer.
        raise Fail(f"{openai_sdk.version()} images.generate on {what}: {sdk.exception} with type {sdk.type!r}, "
                   f"code {sdk.code!r} and message {sdk.message!r}: the server's error text is lost")
    if not has_envelope(ex.response_body):
        raise SpecViolation(f"{what}: not the OpenAI error envelope {{\"error\": {{\"message\", \"type\", ...}}}}")
    if sdk is None:
        return f"{ex.status} in the error envelope"
    return f"{ex.status} in the error envelope; the SDK reads {sdk.exception} type {sdk.type!r}: {sdk.message[:80]!r}"


def _sdk_reading(ex: Exchange) -> openai_sdk.ErrorReading | None:
    if ex.wire is None:
        return None
    return openai_sdk.read_error(ex.wire.status, ex.wire.response_headers, ex.wire.response_body)
