"""Chat completions: the response object, roles, history and content forms."""

from __future__ import annotations

from typing import Any

from conformance.checks._shared import shape as _shape
from conformance.checks._shared.prompts import LONG_PROMPT
from conformance.checks.chat import riders
from conformance.context import DEFAULT_PROMPT, STATUS_MAX_TOKENS, CheckContext, has_envelope
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, SpecViolation

FEATURE = "Chat completions"
SCHEMA = "CreateChatCompletionResponse"
NAME_TOKENS = 8


def _basic(ctx: CheckContext) -> dict:
    return ctx.expect_ok(ctx.chat(), "a plain chat completion")


@check("chat.response.schema", feature=FEATURE, field="messages", required=True,
       behavior="A plain chat completion returns a body valid against CreateChatCompletionResponse")
def response_schema(ctx: CheckContext) -> str:
    body = _basic(ctx)
    ctx.schema(SCHEMA, body, "response")
    return "valid against the spec" + (" (with tolerated deviations)" if ctx.deviations else "")


@check("chat.response.object", feature=FEATURE, required=True,
       behavior="object is 'chat.completion'; id a string; created integer seconds; model a string")
def response_object(ctx: CheckContext) -> str:
    body = _basic(ctx)
    problems = []
    if body.get("object") != "chat.completion":
        problems.append(f"object is {body.get('object')!r}, not 'chat.completion'")
    if not isinstance(body.get("id"), str) or not body.get("id"):
        problems.append(f"id is {body.get('id')!r}, not a non-empty string")
    created = body.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        problems.append(f"created is {created!r}, not integer seconds")
    elif created > 10**11:
        problems.append(f"created is {created}: milliseconds, not seconds")
    if not isinstance(body.get("model"), str):
        problems.append(f"model is {body.get('model')!r}, not a string")
    if problems:
        raise Fail("; ".join(problems))
    return f"object, id, created={created}, model={body['model']!r}"


@check("chat.response.choices", feature=FEATURE, field="messages.content.text", required=True,
       behavior="A user message with string content is answered: choices non-empty, index equals position, "
                "message.role 'assistant', content a string")
def response_choices(ctx: CheckContext) -> str:
    body = _basic(ctx)
    for pos, choice in enumerate(_shape.choices(body)):
        if choice.get("index") != pos:
            raise SpecViolation(f"choices[{pos}].index is {choice.get('index')!r}")
        if _shape.message(body, pos).get("role") != "assistant":
            raise SpecViolation(f"choices[{pos}].message.role is {_shape.message(body, pos).get('role')!r}")
    return f"content {_shape.text(body)!r}"


@check("chat.response.finish_reason", feature=FEATURE, required=True,
       behavior="finish_reason is one of stop, length, tool_calls, content_filter, function_call; never 'eos' or null")
def response_finish_reason(ctx: CheckContext) -> str:
    fr = _shape.finish_reason(_basic(ctx))
    if fr not in _shape.FINISH_REASONS:
        raise SpecViolation(f"finish_reason is {fr!r}")
    return f"finish_reason {fr!r}"


@check("chat.response.usage", feature=FEATURE, required=True,
       behavior="usage present with integer counts and total_tokens = prompt_tokens + completion_tokens")
def response_usage(ctx: CheckContext) -> str:
    u = _shape.usage(_basic(ctx))
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise SpecViolation(f"total_tokens {u['total_tokens']} != {u['prompt_tokens']} + {u['completion_tokens']}")
    if u["completion_tokens"] < 1 or u["prompt_tokens"] < 1:
        raise SpecViolation(f"implausible usage for a non-empty prompt and answer: {u}")
    return f"usage {u['prompt_tokens']}+{u['completion_tokens']}={u['total_tokens']}"


@check("chat.messages.system", feature=FEATURE, field="messages.role.system", required=True,
       behavior="A system message before the user turn reaches the prompt: prompt_tokens or the greedy answer "
                "differ from the same request without it")
def system_role(ctx: CheckContext) -> str:
    return _instructed(ctx, "system")


@check("chat.messages.developer", feature=FEATURE, field="messages.role.developer",
       behavior="A developer message (newer name of system) before the user turn reaches the prompt: prompt_tokens "
                "or the greedy answer differ from the same request without it")
def developer_role(ctx: CheckContext) -> str:
    return _instructed(ctx, "developer")


# An instruction whose effect shows in the answer too, for a server that reports no usage.
INSTRUCTION = "Answer in French, in one word."


def _instructed(ctx: CheckContext, role: str) -> str:
    """An instruction turn in the given role, then the plain request's user turn: it must reach the prompt."""
    # Compared with the plain request every chat check shares (same user turn, temperature 0): a 200 alone
    # says nothing, since a server may drop the turn. A changed prompt_tokens count shows the turn was
    # templated into the prompt (more tokens, or fewer where it replaces a template's default system
    # prompt, as SmolLM2's does); a changed greedy answer shows the model read it.
    msgs = [{"role": role, "content": INSTRUCTION}, {"role": "user", "content": DEFAULT_PROMPT}]
    body = ctx.expect_ok(ctx.chat(messages=msgs), f"a {role} message")
    plain = _basic(ctx)
    with_text, plain_text = _shape.text(body), _shape.text(plain)
    with_tokens, plain_tokens = _shape.prompt_tokens(body), _shape.prompt_tokens(plain)
    ctx.note(prompt_tokens_without=plain_tokens, prompt_tokens_with=with_tokens)
    counted = with_tokens is not None and plain_tokens is not None
    if counted and with_tokens != plain_tokens:
        seen = f"prompt_tokens {plain_tokens} without the {role} message, {with_tokens} with it"
    elif with_text != plain_text:
        seen = "the answer changed" + ("" if counted else " (no prompt_tokens to compare)")
    else:
        same = f"the same prompt_tokens ({plain_tokens}) and " if counted else ""
        raise Ignored(f"a {role} message was accepted without effect: {same}the same answer {with_text!r} as "
                      "the request without it (the turn never reached the prompt)")
    return f"{seen}; answered {with_text!r} (without it: {plain_text!r})"


@check("chat.messages.multi_turn", feature=FEATURE, field="messages.role.assistant", required=True,
       behavior="Multi-turn history with assistant turns is accepted and the earlier turns reach the model")
def multi_turn(ctx: CheckContext) -> str:
    last = {"role": "user", "content": "What did I say my name was? Answer with the name only."}
    a = [{"role": "user", "content": "My name is Zorblax."}, {"role": "assistant", "content": "Nice to meet you, Zorblax."}, last]
    b = [{"role": "user", "content": "My name is Quentin."}, {"role": "assistant", "content": "Nice to meet you, Quentin."}, last]
    # A name is a few tokens: the answers differ there or not at all.
    ta = _shape.text(ctx.expect_ok(ctx.chat(messages=a, max_tokens=NAME_TOKENS), "a multi-turn history"))
    tb = _shape.text(ctx.expect_ok(ctx.chat(messages=b, max_tokens=NAME_TOKENS), "a multi-turn history"))
    # Protocol, not wit: different histories must give a different greedy answer, or history was dropped.
    if ta == tb:
        raise Fail(f"two different histories with the same last turn got the same answer {ta!r}: earlier turns ignored")
    return f"answers differ with history: {ta!r} vs {tb!r}"


@check("chat.messages.prefill", feature=FEATURE, field="messages.role.assistant",
       behavior="A conversation ending with an assistant turn (prefill) is answered and that turn reaches the prompt: "
                "prompt_tokens differ from the same request without it")
def prefill(ctx: CheckContext) -> str:
    ask = {"role": "user", "content": "Count from one to five."}
    # Judged by prompt_tokens: one token of answer shows it was answered; the counts show the turn was read.
    body = ctx.expect_ok(ctx.chat(messages=[ask, {"role": "assistant", "content": "One, two,"}],
                                  max_tokens=STATUS_MAX_TOKENS), "an assistant prefill")
    alone = ctx.expect_ok(ctx.chat(messages=[ask], max_tokens=STATUS_MAX_TOKENS), "the user turn alone")
    with_it, without = _shape.prompt_tokens(body), _shape.prompt_tokens(alone)
    if with_it is None or without is None:
        raise Skip(f"answered {_shape.text(body)!r}, but no usage.prompt_tokens shows whether the assistant turn "
                   "reached the prompt")
    if with_it == without:
        raise Ignored(f"a trailing assistant turn was accepted and dropped: {with_it} prompt tokens with it, "
                      f"{without} without")
    return f"the trailing assistant turn reaches the prompt: {with_it} prompt tokens with it, {without} without"


@check("chat.messages.content_parts", feature=FEATURE, field="messages.content.parts", required=True,
       behavior="An array of text parts is treated like the same string content", alone=True)
def content_parts(ctx: CheckContext) -> str:
    # alone: two greedy answers are compared, and llama.cpp's answer to a request batched with others can
    # differ from the same request's answer alone (both forms pass 12/12 sent alone by hand).
    plain = _shape.text(_basic(ctx))
    parts = [{"role": "user", "content": [{"type": "text", "text": DEFAULT_PROMPT}]}]
    got = _shape.text(ctx.expect_ok(ctx.chat(messages=parts), "array-of-parts content"))
    if got == plain:
        return "same answer as the string form"
    # Some servers answer according to the request before (llama-cpp-python's prompt cache: see
    # chat.requests.isolated), and the parts request followed the string one: compare each form sent
    # right after itself.
    def twice(what: str, **fields: Any) -> str:
        ctx.expect_ok(ctx.chat(cache=False, **fields), what)
        return _shape.text(ctx.expect_ok(ctx.chat(cache=False, **fields), f"{what}, again right after itself"))

    plain_again, parts_again = twice("the string form"), twice("array-of-parts content", messages=parts)
    ctx.note(first_string=plain, first_parts=got, string_after_itself=plain_again, parts_after_itself=parts_again)
    if plain_again == parts_again:
        ctx.deviations.append(f"the parts form answered {got!r} right after the string form's {plain!r}: the answer "
                              "depends on the request before it (see chat.requests.isolated)")
        return f"same answer {parts_again!r} as the string form when each is sent right after itself"
    # Clients that send content as parts (typed SDK messages, multimodal frameworks) get another answer.
    raise Fail(f"same prompt as text parts answered {parts_again!r}, as a string {plain_again!r} (temperature 0, "
               "each sent right after itself)")


@check("chat.request.unknown_field", feature=FEATURE, required=True,
       behavior="An unknown request field is tolerated (OpenAI adds fields; servers must not 400 on them)")
def unknown_field(ctx: CheckContext) -> str:
    if riders.normal_answer(ctx) is not None:
        return f"accepted ({riders.WITH})"
    ex = ctx.chat(x_oai_conformance_probe=True, max_tokens=STATUS_MAX_TOKENS)
    ctx.expect_ok(ex, "a request with an unknown field")
    return "accepted"


# Single-model servers answering any model id is common and clients survive it, so this sits with
# input validation rather than deciding whether chat completions work at all.
@check("chat.model.unknown", feature="Input validation", field="model",
       behavior="An unknown model is rejected with 404 (or 400) and the error envelope, not answered by another model")
def unknown_model(ctx: CheckContext) -> str:
    ex = ctx.chat(model="oai-conformance-no-such-model", max_tokens=STATUS_MAX_TOKENS)  # as errors.envelope's
    if ex.status == 200:
        raise Ignored("an unknown model id was answered with 200 (served by the default model)")
    if ex.status is None or ex.status >= 500:
        raise SpecViolation(f"unknown model gave {ex.status}")
    if not has_envelope(ex.response_body):
        raise SpecViolation(f"unknown model gave {ex.status} without the OpenAI error envelope: {str(ex.response_body)[:200]}")
    return f"rejected with {ex.status}"


@check("chat.model.echo", feature=FEATURE, field="model", required=True,
       behavior="The response names a model (a string; servers may report the resolved name)")
def model_echo(ctx: CheckContext) -> str:
    body = _basic(ctx)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise SpecViolation(f"model is {model!r}")
    if model != ctx.model:
        ctx.deviations.append(f"response model {model!r} differs from the requested {ctx.model!r}")
    return f"model {model!r}"



@check("chat.requests.isolated", feature=FEATURE, field="messages",
       behavior="At temperature 0 a request gets the same answer after itself and after an unrelated request "
                "(no conversation state leaks from one request into the next)",
       # Another check's request arriving in between would be the "unrelated request": run it alone.
       alone=True)
def requests_isolated(ctx: CheckContext) -> str:
    # Fresh requests only: the plain request cached earlier would hide exactly the state this check looks for.
    def ask(what: str, **fields: Any) -> str:
        return _shape.text(ctx.expect_ok(ctx.chat(cache=False, **fields), what))

    _, after_itself, again = back_to_back(ctx)
    if again != after_itself:
        raise Skip(f"temperature 0 is not repeatable here ({after_itself!r} then {again!r}); isolation cannot be judged")
    # The unrelated request is http.robustness.long_prompt's (sent once per run, here, since alone checks
    # go first); a server that does not answer it gets a short unrelated one instead.
    unrelated = ctx.chat(messages=[{"role": "user", "content": LONG_PROMPT}])
    if not 200 <= (unrelated.status or 0) < 300:
        ask("an unrelated request", messages=[{"role": "user", "content": "Tell me a story about a lion named Zorblax."}])
    after_other = ask("the request once more")
    if after_other != again:
        # The official client reads every answer; what is wrong is that it depends on someone else's request.
        # OpenAI documents requests as independent but promises no determinism, so clients cope: the spec.
        raise SpecViolation(f"the same request answered {again!r} twice in a row, then {after_other!r} right after an "
                   "unrelated request: the answer depends on earlier requests (state leaks between requests)")
    return f"same answer {again!r} after itself and after an unrelated request"


BACK_TO_BACK = 3


def back_to_back(ctx: CheckContext) -> list[str]:
    """The plain request's answers sent three times in a row (fresh samples, shared by the alone checks)."""
    # Samples 1-3 are sent together by whichever alone check asks first, so they stay back to back.
    return [_shape.text(ctx.expect_ok(ctx.chat(sample=i), f"the plain request, sample {i} of {BACK_TO_BACK} "
                                      "sent back to back")) for i in range(1, BACK_TO_BACK + 1)]
