"""HTTP: routing (unknown path, wrong method), authentication, and robustness on odd but valid requests."""

from __future__ import annotations

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks._shared.prompts import LONG_PROMPT
from conformance.context import CHAT, STATUS_MAX_TOKENS, CheckContext, error_message, has_envelope
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, LaxValidation, Skip, SpecViolation

ROUTING, AUTH, ROBUST = "Routing", "Authentication", "Robustness"
UNKNOWN_ROUTE = "/oai-conformance-no-such-route"
WRONG_TOKEN = "Bearer oai-conformance-wrong-key"
UNICODE_PROMPT = "Répète: 你好, мир, مرحبا, שלום, 👋🏽 e\u0301 — say hi."


def unknown_route(ctx: CheckContext) -> Exchange:
    """GET of a path no server serves (shared by the models and error-envelope checks)."""
    return ctx.request("GET", UNKNOWN_ROUTE)


def _server_error(ex: Exchange, what: str) -> None:
    if ex.status is None or ex.status >= 500:
        raise Fail(f"{what} gave server error {ex.status}: {error_message(ex.response_body)}")


@check("http.routing.unknown_route", feature=ROUTING, endpoint=catalog.HTTP, required=True,
       behavior="An unknown path under the base URL is answered with 404")
def routing_unknown(ctx: CheckContext) -> str:
    ex = unknown_route(ctx)
    _server_error(ex, f"GET {UNKNOWN_ROUTE}")
    if ex.status == 404:
        return "404"
    if ex.status is not None and 200 <= ex.status < 300:
        kind = ex.response_headers.get("content-type", "?")
        raise SpecViolation(f"an unknown path was answered with {ex.status} ({kind}): clients cannot tell a typo from an answer")
    if ex.status in (401, 403):
        raise Skip(f"{ex.status}: the credentials are checked before routing; cannot tell")
    ctx.deviations.append(f"unknown path answered with {ex.status}, not 404")
    return f"rejected with {ex.status}"


@check("http.routing.wrong_method", feature=ROUTING, endpoint=catalog.HTTP,
       behavior="GET on /chat/completions (a POST-only route) is answered with 405")
def routing_wrong_method(ctx: CheckContext) -> str:
    ex = ctx.request("GET", CHAT)
    status = ex.status or 0
    if ex.status is None or status >= 500:
        # No client sends GET here: like a 5xx on any invalid request, it misleads a human, not an application.
        raise SpecViolation(f"GET {CHAT} gave server error {ex.status}: {error_message(ex.response_body)}")
    if status == 405:
        if "allow" not in {k.lower() for k in ex.response_headers}:
            ctx.deviations.append("405 without an Allow header (RFC 9110 requires one)")
        return "405"
    if 200 <= status < 300:
        raise SpecViolation(f"GET {CHAT} was answered with {status}: {str(ex.response_body)[:160]}")
    if status in (401, 403):
        raise Skip(f"{status}: the credentials are checked before routing; cannot tell")
    # Clients never send GET here; a 404 (or a 400 for the missing body) misleads a human only.
    ctx.deviations.append(f"wrong method answered with {status}, not 405")
    return f"rejected with {status}"


def _auth_check(ctx: CheckContext, ex: Exchange, what: str) -> str:
    if not ctx.target.api_key:
        raise Skip("no API key configured; the target accepts unauthenticated requests")
    status = ex.status or 0
    if 200 <= status < 300:
        raise LaxValidation(f"{what} was answered with {status}: authentication is ignored")
    if status >= 500:
        # The client gets an error either way; it is the wrong one.
        raise SpecViolation(f"{what} gave server error {status}, not 401: {error_message(ex.response_body)}")
    if status not in (401, 403):
        raise SpecViolation(f"{what} gave {status}, not 401: clients cannot tell a bad key from a bad request")
    if status == 403:
        ctx.deviations.append("403 instead of OpenAI's 401")
    if not has_envelope(ex.response_body):
        ctx.deviations.append(f"{status} without the OpenAI error envelope: {str(ex.response_body)[:120]}")
    return f"rejected with {status}: {error_message(ex.response_body)[:100]}"


@check("http.auth.missing_token", feature=AUTH, endpoint=catalog.HTTP,
       behavior="A chat request without a bearer token is rejected with 401 and the error envelope")
def auth_missing(ctx: CheckContext) -> str:
    if not ctx.target.api_key:
        raise Skip("no API key configured; the target accepts unauthenticated requests")
    return _auth_check(ctx, ctx.request("POST", CHAT, ctx.chat_body(), auth=False), "a request without a token")


@check("http.auth.wrong_token", feature=AUTH, endpoint=catalog.HTTP,
       behavior="A chat request with a wrong bearer token is rejected with 401 and the error envelope")
def auth_wrong(ctx: CheckContext) -> str:
    if not ctx.target.api_key:
        raise Skip("no API key configured; the target accepts unauthenticated requests")
    ex = ctx.request("POST", CHAT, ctx.chat_body(), auth=False, headers={"Authorization": WRONG_TOKEN})
    return _auth_check(ctx, ex, "a request with a wrong token")


def _answered_or_rejected(ctx: CheckContext, ex: Exchange, what: str) -> str:
    _server_error(ex, what)
    status = ex.status or 0
    if 200 <= status < 300:
        return f"answered {_shape.text(ctx.expect_ok(ex, what))[:60]!r}"
    if 400 <= status < 500:
        ctx.deviations.append(f"{what} rejected with {status}: {error_message(ex.response_body)[:120]}")
        return f"rejected with {status} (not a server error)"
    raise SpecViolation(f"{what} gave {status}")


@check("http.robustness.empty_content", feature=ROBUST, endpoint=catalog.HTTP,
       behavior="A user message with empty content '' is answered or rejected with a 4xx, never a 5xx")
def empty_content(ctx: CheckContext) -> str:
    # Judged by its status: one token shows an answer.
    ex = ctx.chat(messages=[{"role": "user", "content": ""}], max_tokens=STATUS_MAX_TOKENS)
    return _answered_or_rejected(ctx, ex, "empty user content")


@check("http.robustness.long_prompt", feature=ROBUST, endpoint=catalog.HTTP,
       behavior="A ~2,000-character prompt is answered (never a 5xx)")
def long_prompt(ctx: CheckContext) -> str:
    ex = ctx.chat(messages=[{"role": "user", "content": LONG_PROMPT}])
    return _answered_or_rejected(ctx, ex, f"a {len(LONG_PROMPT)}-character prompt")


@check("http.robustness.unicode", feature=ROBUST, endpoint=catalog.HTTP,
       behavior="A prompt with accents, CJK, Cyrillic, Arabic, Hebrew, emoji and combining marks is answered")
def unicode_prompt(ctx: CheckContext) -> str:
    ex = ctx.chat(messages=[{"role": "user", "content": UNICODE_PROMPT}])
    _server_error(ex, "a Unicode prompt")
    text = _shape.text(ctx.expect_ok(ex, "a Unicode prompt"))
    if "\ufffd" in text:
        # U+FFFD in the answer means a multi-byte character was cut between tokens and mangled.
        ctx.deviations.append(f"the answer contains U+FFFD (a mangled multi-byte character): {text[:80]!r}")
    return f"answered {text[:60]!r}"

