"""The error envelope: body shape, `code` type, status and Content-Type of representative client errors."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks.http.routes import unknown_route
from conformance.context import CHAT, STATUS_MAX_TOKENS, CheckContext
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, HarnessError, Skip, SpecViolation

FEATURE = "Error envelope"
UNKNOWN_MODEL = "oai-conformance-no-such-model"
# The same bytes and headers as validation.body.malformed_json, so the run cache sends them once.
MALFORMED = b'{"model": '
SHAPE = 'not {"error": {"message", "type", "param", "code"}}'


def envelope_problems(ctx: CheckContext, ex: Exchange, what: str) -> list[str]:
    """What breaks clients in an error body; tolerated gaps are recorded as deviations."""
    body: Any = ex.response_body
    if not isinstance(body, dict):
        kind = "plain text" if isinstance(body, str) else "JSON but not an object"
        return [f"the body is {kind}, {SHAPE}: {str(body)[:120]!r}"]
    if "error" not in body:
        if "detail" in body:
            # FastAPI's default (ray-project/ray#64833): SDKs find no error.message.
            return [f'FastAPI-style {{"detail": ...}} body, {SHAPE}: {str(body)[:120]}']
        return [f"no `error` key ({SHAPE}): {str(body)[:120]}"]
    err = body["error"]
    if not isinstance(err, dict):
        return [f"`error` is a bare {type(err).__name__}, not an object (mostlygeek/llama-swap PR#1038): {str(err)[:120]!r}"]
    problems = []
    for key in ("message", "type"):
        if not isinstance(err.get(key), str):
            problems.append(f"error.{key} is {err.get(key)!r}, not a string")
    code = err.get("code")
    if isinstance(code, (int, float)) and not isinstance(code, bool):
        # sgl-project/sglang PR#32808: typed clients (Go, TypeScript) fail to decode an integer code.
        problems.append(f"error.code is the number {code}, not a string or null")
    missing = [k for k in ("param", "code") if k not in err]
    if missing:
        # Clients read error.message; absent optional keys read as null in every SDK.
        ctx.deviations.append(f"{what}: error object lacks the key(s) {', '.join(missing)} (null expected)")
    if problems:
        return problems
    filled = {**body, "error": {"param": None, "code": None, **err}}
    try:
        ctx.schema("ErrorResponse", filled, what)
    except Fail as exc:
        return [exc.reason]
    return []


def judge(ctx: CheckContext, ex: Exchange, what: str, expected: tuple[int, ...]) -> str:
    """Judge one client error: envelope, status of the right kind, JSON Content-Type."""
    status = ex.status or 0
    if 200 <= status < 300:
        raise Skip(f"{what} was accepted with {status}: no error to judge")
    if status in (401, 403):
        raise HarnessError(f"{what}: {status} authentication failed; check --api-key-env")
    problems = envelope_problems(ctx, ex, what)
    if status >= 500:
        # SDKs retry 5xx: a client error reported as a server error is resent and never explained.
        problems.insert(0, f"status {status} for a client error")
    elif status not in expected:
        kind = "FastAPI-style 422" if status == 422 else str(status)
        ctx.deviations.append(f"{what}: status {kind}, OpenAI answers {' or '.join(map(str, expected))}")
    ctype = ex.response_headers.get("content-type", "")
    if not ctype.split(";")[0].strip().lower().endswith("json") and isinstance(ex.response_body, dict):
        ctx.deviations.append(f"{what}: Content-Type {ctype or 'absent'!r} for a JSON body")
    if problems:
        raise SpecViolation(f"{what} ({status}): " + "; ".join(problems))
    return f"{status} with the OpenAI error envelope"


@check("errors.envelope.invalid_param", feature=FEATURE, endpoint=catalog.HTTP, required=True,
       behavior="An out-of-range parameter (temperature 5) gets 400 and {error: {message, type, param, code}}")
def invalid_param(ctx: CheckContext) -> str:
    return judge(ctx, ctx.chat(temperature=5, max_tokens=STATUS_MAX_TOKENS), "temperature 5", (400,))


@check("errors.envelope.unknown_model", feature=FEATURE, endpoint=catalog.HTTP,
       behavior="An unknown model gets 404 (or 400) and the error envelope")
def unknown_model(ctx: CheckContext) -> str:
    return judge(ctx, ctx.chat(model=UNKNOWN_MODEL, max_tokens=STATUS_MAX_TOKENS), "an unknown model", (404, 400))


@check("errors.envelope.unknown_route", feature=FEATURE, endpoint=catalog.HTTP,
       behavior="An unknown path gets 404 and the error envelope, not HTML or plain text")
def unknown_path(ctx: CheckContext) -> str:
    return judge(ctx, unknown_route(ctx), "an unknown path", (404,))


@check("errors.envelope.malformed_json", feature=FEATURE, endpoint=catalog.HTTP,
       behavior="A malformed JSON body gets 400 and the error envelope, not 500")
def malformed_json(ctx: CheckContext) -> str:
    ex = ctx.request("POST", CHAT, content=MALFORMED, headers={"Content-Type": "application/json"})
    if not ctx.target.model and ex.status in (404, 405):
        # A speech, transcription or image server routes no chat: the body was never parsed. local-tts's 405
        # read as a pass and faster-whisper's 404 as a malformed-JSON failure; errors.envelope.unknown_route
        # already judges how an unserved path answers.
        raise Skip(f"POST {CHAT} is not served here ({ex.status}; no chat model given): the malformed body "
                   "was never parsed, so nothing says how this server answers one")
    return judge(ctx, ex, "a malformed JSON body", (400,))
