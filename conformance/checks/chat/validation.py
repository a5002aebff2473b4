"""Input validation: an invalid chat request is rejected with a 4xx and the error envelope, never a 5xx or a 200."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.context import CHAT, OMIT, STATUS_MAX_TOKENS, CheckContext, error_message, has_envelope
from conformance.edges import GatewayPage
from conformance.model import Exchange
from conformance.registry import CheckFn, check
from conformance.verdict import Fail, HarnessError, LaxValidation, NotRecorded, SpecViolation

FEATURE = "Input validation"
MALFORMED = b'{"model": '
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Case:
    """One invalid request: what is wrong with it and the param an OpenAI error names."""

    id: str
    behavior: str
    fields: dict[str, Any]
    param: str | None
    together: str = ""  # the group first tried in one request with its other cases (see _case), if any


# Groups of cases sent first in one request; each names what its values are.
RANGE = "out-of-range value"
# Accepted by every server recorded but litellm (which requires model): one request for both there.
SHAPE = "invalid value"


def _user(content: Any, role: str = "user") -> list[dict[str, Any]]:
    return [{"role": role, "content": content}]


CASES = [
    Case("validation.temperature.out_of_range", "temperature 5 (above 2) is rejected with 400 naming the param",
         {"temperature": 5}, "temperature", together=RANGE),
    Case("validation.top_p.out_of_range", "top_p 3 (above 1) is rejected with 400 naming the param",
         {"top_p": 3}, "top_p", together=RANGE),
    Case("validation.n.out_of_range", "n 0 (below 1) is rejected with 400 naming the param", {"n": 0}, "n"),
    Case("validation.max_tokens.negative", "max_tokens -5 is rejected with 400 naming the param",
         {"max_tokens": -5}, "max_tokens"),
    Case("validation.top_logprobs.out_of_range",
         "top_logprobs 25 (above 20) with logprobs true is rejected with 400 naming the param",
         {"logprobs": True, "top_logprobs": 25}, "top_logprobs", together=RANGE),
    Case("validation.seed.out_of_range", "seed 2**64 (beyond int64) is rejected with 400 naming the param",
         {"seed": 2**64}, "seed", together=RANGE),
    Case("validation.presence_penalty.out_of_range",
         "presence_penalty 3 (above 2) is rejected with 400 naming the param", {"presence_penalty": 3}, "presence_penalty",
         together=RANGE),
    Case("validation.messages.wrong_type", "messages given as a string is rejected with 400",
         {"messages": "hello"}, "messages"),
    Case("validation.messages.empty", "An empty messages array is rejected with 400",
         {"messages": []}, "messages"),
    Case("validation.messages.missing", "A request without messages is rejected with 400",
         {"messages": OMIT}, "messages"),
    Case("validation.content.wrong_type", "Message content 123 (a number) is rejected with 400",
         {"messages": _user(123)}, "content"),
    Case("validation.role.unknown", "An unknown role 'wizard' is rejected with 400",
         {"messages": _user("Say hello.", role="wizard")}, "role", together=SHAPE),
    Case("validation.stream.wrong_type", "stream 'yes' (a string) is rejected with 400",
         {"stream": "yes"}, "stream"),
    Case("validation.model.missing", "A request without model is rejected with 400",
         {"model": OMIT}, "model", together=SHAPE),
]


def judge_rejection(ctx: CheckContext, ex: Exchange, what: str, param: str | None) -> str:
    """Pass on a 4xx with the error envelope; fail on a 200, a 5xx or a 4xx without the envelope."""
    status = ex.status or 0
    if 200 <= status < 300:
        raise LaxValidation(f"{what} was accepted with {status}: the server accepted an invalid value")
    if status >= 500:
        raise SpecViolation(f"{what} gave a server error {status}: {error_message(ex.response_body)}")
    if not 400 <= status < 500:
        raise SpecViolation(f"{what} gave {status}, not a 4xx")
    if not has_envelope(ex.response_body):
        raise SpecViolation(f"{what} was rejected with {status} but without the OpenAI error envelope: "
                   f"{str(ex.response_body)[:200]}")
    got = ex.response_body["error"].get("param")
    ctx.note(param=got)
    if param is not None:
        if not got:
            ctx.deviations.append(f"error.param is {got!r}; OpenAI names {param!r}")
        elif param not in str(got):
            ctx.deviations.append(f"error.param is {got!r}, which does not name {param!r}")
    return f"rejected with {status}: {error_message(ex.response_body)[:120]}"


# The out-of-range numbers in one request, and an unknown role with no model in another: a 200 to a group
# means no one of its values is validated, so each such check is judged from that one request (the run
# cache sends it once). A rejection names no culprit reliably, so then each goes alone.
# Every case is judged by its status alone: one completion token (max_tokens -5 keeps its own value).
TOGETHER: dict[str, dict[str, Any]] = {}
for _c in CASES:
    if _c.together:
        TOGETHER.setdefault(_c.together, {"max_tokens": STATUS_MAX_TOKENS}).update(_c.fields)


def _case(case: Case) -> CheckFn:
    def run(ctx: CheckContext) -> str:
        what = case.behavior.split(" is rejected")[0]
        if case.together:
            ex = ctx.chat(**TOGETHER[case.together])
            if 200 <= (ex.status or 0) < 300:
                others = sum(c.together == case.together for c in CASES) - 1
                raise LaxValidation(f"{what} was accepted with {ex.status}, sent with {others} other "
                                    f"{case.together}{'s' if others != 1 else ''}, all taken: the server accepted an "
                                    "invalid value")
        body = ctx.chat_body(**{"max_tokens": STATUS_MAX_TOKENS, **case.fields})
        ex = ctx.request("POST", CHAT, body, stream=body.get("stream") is True)
        return judge_rejection(ctx, ex, what, case.param)

    run.__doc__ = case.behavior
    return run


# No field= on purpose: lax validation of temperature must not fold into "temperature: broken".
for _c in CASES:
    check(_c.id, feature=FEATURE, behavior=_c.behavior)(_case(_c))


@check("validation.body.malformed_json", feature=FEATURE,
       behavior="A malformed JSON body is rejected with 400, not 500")
def malformed_json(ctx: CheckContext) -> str:
    ex = ctx.request("POST", CHAT, content=MALFORMED, headers=JSON_HEADERS)
    return judge_rejection(ctx, ex, "a truncated JSON body", None)


@check("validation.server.survives", feature=FEATURE,
       behavior="The server still answers a valid request right after rejecting an invalid one")
def server_survives(ctx: CheckContext) -> str:
    # Fresh requests: answers from the run cache would prove nothing about the server's state now.
    def fresh(what: str, send: Callable[[], Exchange], *, first: bool = False) -> Exchange:
        try:
            return send()
        except NotRecorded:
            raise
        except GatewayPage as exc:
            if first:
                raise  # the server behind a proxy was down before the invalid request: nothing to judge
            raise Fail(f"around {what} the server stopped answering: {exc.reason}") from exc
        except HarnessError as exc:
            # Here a server that stops answering is the finding, not a harness problem.
            raise Fail(f"around {what} the server stopped answering: {exc.reason}") from exc

    def malformed() -> Exchange:
        return ctx.request("POST", CHAT, content=MALFORMED, headers=JSON_HEADERS, cache=False)

    def valid_after(what: str, bad: Exchange) -> None:
        ex = fresh(what, lambda: ctx.chat(cache=False, max_tokens=STATUS_MAX_TOKENS))
        if ex.status != 200:
            raise Fail(f"right after {what} (answered {bad.status}), a valid request got {ex.status}: "
                       f"{error_message(ex.response_body)}")

    first = fresh("a truncated JSON body", malformed, first=True)
    # The second invalid request goes right after the first: answered below 500, it shows the server came
    # through the first (one request fewer than a valid one after each).
    second = fresh("a truncated JSON body",
                   lambda: ctx.chat(temperature=5, max_tokens=STATUS_MAX_TOKENS, cache=False))
    if (second.status or 0) >= 500:
        # A server error: the second request's own, or the first one's aftermath? A valid request after each.
        valid_after("temperature 5", second)
        valid_after("a truncated JSON body", fresh("a truncated JSON body", malformed, first=True))
        return (f"a valid request got 200 right after each of 2 invalid ones: a truncated JSON body ({first.status}), "
                f"temperature 5 ({second.status})")
    valid_after("temperature 5", second)
    # Say what each invalid request got: one accepted with 200 proves less than two rejections.
    return (f"the request right after each of 2 invalid ones was answered: a truncated JSON body ({first.status}), "
            f"then temperature 5 ({second.status}); a valid request after them got 200")
