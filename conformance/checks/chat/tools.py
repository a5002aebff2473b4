"""Function calling: forced and automatic tool calls, tool results, parallel calls and tool_choice validation."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from conformance.checks._shared import shape as _shape
from conformance.context import STATUS_MAX_TOKENS, CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, SpecViolation, Unsupported

FEATURE = "Function calling"
PARALLEL = "Parallel tool calls"
TOOL_MAX_TOKENS = 80  # a forced call in the Hermes format takes ~35 tokens; two calls need more


def _tool(name: str, description: str) -> dict[str, Any]:
    params = {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name, e.g. Paris"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    # strict makes schema-valid arguments the server's promise rather than the model's luck.
    fn = {"name": name, "description": description, "parameters": params, "strict": True}
    return {"type": "function", "function": fn}


WEATHER = _tool("get_weather", "Get the current weather in a city.")
TIME = _tool("get_time", "Get the current local time in a city.")
TOOLS = [WEATHER, TIME]
PROMPT = [{"role": "user", "content": "What is the weather in Paris right now?"}]
# Enough completion tokens for a request judged by its prompt tokens alone (shared with the legacy functions).
PLAIN_TOKENS = 4
BOTH_PROMPT = [{"role": "user", "content":
                "What is the weather in Paris, and what time is it in Tokyo? Use both tools."}]


def tool_body(**fields: Any) -> dict[str, Any]:
    """Request fields of a tool request; shared so the run cache sends each distinct one once."""
    return {"messages": PROMPT, "tools": TOOLS, "max_tokens": TOOL_MAX_TOKENS, **fields}


REQUIRED = tool_body(tool_choice="required")


# The parameters schema of each declared tool, by name.
DECLARED: dict[str, dict[str, Any]] = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}


def tool_calls(body: dict[str, Any]) -> list[Any]:
    """The message's tool_calls list; empty when the answer has none."""
    calls = _shape.message(body).get("tool_calls")
    if calls is None:
        return []
    if not isinstance(calls, list):
        raise Fail(f"message.tool_calls is not a list: {str(calls)[:200]}")
    return calls


def call_problems(call: Any, where: str, *, names: bool = True) -> list[str]:
    """What is wrong with one call's envelope: id, type and a (declared, unless names=False) function name."""
    if not isinstance(call, dict):
        return [f"{where} is not an object: {str(call)[:100]}"]
    problems = []
    if not isinstance(call.get("id"), str) or not call.get("id"):
        problems.append(f"{where}.id is {call.get('id')!r}, not a non-empty string")
    if call.get("type") != "function":
        problems.append(f"{where}.type is {call.get('type')!r}, not 'function'")
    fn = call.get("function")
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(name, str) or not name:
        problems.append(f"{where}.function.name is {name!r}, not a non-empty string")
    elif names and name not in DECLARED:
        problems.append(f"{where}.function.name is {name!r}, not one of the declared {sorted(DECLARED)}")
    return problems


def schema_errors(value: Any, name: str) -> list[str]:
    """Why decoded arguments do not match the named tool's parameters (none for an undeclared name)."""
    if name not in DECLARED:
        return []  # an undeclared name is call_problems' finding, not the arguments'
    return [e.message for e in Draft202012Validator(DECLARED[name]).iter_errors(value)]


def parse_arguments(args: Any, name: str, where: str, *, validate: bool = True) -> Any:
    """The decoded arguments: a JSON string holding an object (valid against the tool's parameters if validate)."""
    if isinstance(args, dict):
        # Clients json.loads() the field: an object breaks them (ggml-org/llama.cpp#20198, TGI#2461).
        raise Fail(f"{where} is a JSON object, not a JSON-encoded string: {json.dumps(args)[:200]}")
    if not isinstance(args, str):
        raise Fail(f"{where} is {type(args).__name__}, not a string: {str(args)[:200]}")
    try:
        value = json.loads(args)
    except ValueError as exc:
        raise Fail(f"{where} is not valid JSON ({exc}): {args[:200]!r}") from exc
    if not isinstance(value, dict):
        raise Fail(f"{where} decodes to {type(value).__name__}, not an object: {args[:200]!r}")
    errors = schema_errors(value, name) if validate else []
    if errors:
        raise Fail(f"{where} {args[:200]!r} does not match the parameters of {name}: {'; '.join(errors[:3])}")
    return value


def check_envelopes(calls: list[Any], *, names: bool = True) -> None:
    """Fail on a call without a string id, type 'function' or a (declared) function name."""
    problems = [p for pos, c in enumerate(calls) for p in call_problems(c, f"tool_calls[{pos}]", names=names)]
    if problems:
        raise Fail("; ".join(problems[:4]))


def validate_calls(calls: list[Any], *, strict: bool = True) -> list[Any]:
    """The decoded arguments of well-formed calls; strict also wants declared names and schema-valid arguments."""
    check_envelopes(calls, names=strict)
    where = "tool_calls[{}].function.arguments"
    return [parse_arguments(c["function"].get("arguments"), c["function"]["name"], where.format(pos), validate=strict)
            for pos, c in enumerate(calls)]


def call_names(calls: list[Any]) -> list[str]:
    """The function names of well-formed calls."""
    return [c["function"]["name"] for c in calls]


GATE = "tools.required.tool_calls"


def forced(ctx: CheckContext, *, primary: bool = False) -> dict[str, Any]:
    """The tool_choice 'required' answer; when it is rejected or fails, checks other than the primary skip."""
    try:
        return ctx.expect_ok(ctx.chat(**REQUIRED), "tools with tool_choice 'required'")
    except Unsupported as exc:
        if primary:
            raise
        raise Skip(f"tools are not supported here ({exc.reason})") from exc
    except Fail as exc:
        if primary:
            raise
        # The gate's failure is reported once, by the gate; this check has nothing of its own to judge.
        raise Skip(f"tool_choice 'required' failed, so there is no call to judge (see {GATE})") from exc


def tools_accepted(ctx: CheckContext) -> None:
    """Skip when tools are rejected outright; a failing 'required' alone does not stop checks of other choices."""
    try:
        ctx.expect_ok(ctx.chat(**REQUIRED), "tools with tool_choice 'required'")
    except Unsupported as exc:
        raise Skip(f"tools are not supported here ({exc.reason})") from exc
    except Fail:
        # A 5xx on 'required' alone (llama-cpp-python asserts tool_choice 'auto' once the named case is
        # handled) says nothing about named choices or tool results: those checks judge their own requests.
        return


def forced_calls(ctx: CheckContext) -> tuple[dict[str, Any], list[Any]]:
    """The forced answer and its calls; skips when there is no call to judge (see tools.required.tool_calls)."""
    body = forced(ctx)
    calls = tool_calls(body)
    if not calls:
        # Where forcing gives no call, tools have no visible effect: other tool_choice checks would be vacuous.
        raise Skip(f"tool_choice 'required' gave no tool call, nothing to judge (see {GATE})")
    return body, calls


def _content_note(ctx: CheckContext, body: dict[str, Any]) -> None:
    content = _shape.message(body).get("content")
    if content not in (None, ""):
        # OpenAI sends null; the SDKs accept a string, so text beside calls is a deviation, not a break.
        ctx.deviations.append(f"message.content beside tool_calls is {str(content)[:80]!r}, not null")


def _no_call(body: dict[str, Any], what: str) -> Ignored | Skip:
    text = _shape.message(body).get("content")
    # A cut is only an excuse when the answer began as a call (JSON, or a tag such as <tool_call>); prose cut
    # short is the choice ignored, even when the prose goes on to show JSON (llama-server: "The weather in
    # Paris ... Here's how to format the weather data: ```{").
    if _shape.finish_reason(body) == "length" and str(text or "").lstrip().startswith(("{", "[", "<")):
        return Skip(f"{what}: cut by max_tokens before a call was complete: {str(text)[:120]!r}")
    cut = " (cut by max_tokens)" if _shape.finish_reason(body) == "length" else ""
    return Ignored(f"{what} was accepted but answered with text{cut}, no tool call: {str(text)[:120]!r}")


# Forcing a call is tool_choice's effect; what `tools` alone does is reach the model (tools.declared.*).
@check("tools.required.tool_calls", feature=FEATURE, field="tool_choice",
       behavior="tool_choice 'required' gives tool_calls, each with id, type 'function' and a declared function.name")
def required_tool_calls(ctx: CheckContext) -> str:
    body = forced(ctx, primary=True)
    calls = tool_calls(body)
    if not calls:
        raise _no_call(body, "tool_choice 'required'")
    check_envelopes(calls)
    _content_note(ctx, body)
    return f"{len(calls)} call(s): {', '.join(call_names(calls))}"


# The weather prompt asks for a call anyway, so a call back cannot tell forcing from obedience. A greeting
# needs no tool and a short one: a poem went into vLLM's `city` argument and was cut by max_tokens (no verdict).
HELLO_PROMPT = [{"role": "user", "content": "Say hello."}]


@check("tools.required.enforced", feature=FEATURE, field="tool_choice",
       behavior="tool_choice 'required' is enforced: a prompt that needs no tool ('Say hello.') is still answered with a tool call")
def required_enforced(ctx: CheckContext) -> str:
    forced_calls(ctx)  # a server that gives no call even when asked for one is judged by the gate
    # One sample at temperature 0 is enough: forcing is the server's constraint, not the model's choice.
    body = ctx.expect_ok(ctx.chat(**tool_body(messages=HELLO_PROMPT, tool_choice="required")),
                         "tool_choice 'required' with a greeting prompt")
    calls = tool_calls(body)
    if not calls:
        text = _shape.message(body).get("content")
        ctx.note(text=text, finish_reason=_shape.finish_reason(body))
        raise _no_call(body, "tool_choice 'required' with a greeting prompt")
    check_envelopes(calls)
    return f"'Say hello.' with tool_choice 'required' was answered with {len(calls)} call(s): {', '.join(call_names(calls))}"


@check("tools.required.arguments", feature=FEATURE, field="tools",
       behavior="function.arguments is a JSON string that parses and validates against the (strict) tool's parameters")
def required_arguments(ctx: CheckContext) -> str:
    _, calls = forced_calls(ctx)
    seen = []
    for pos, call in enumerate(calls):
        fn = call.get("function") if isinstance(call, dict) else None
        fn = fn if isinstance(fn, dict) else {}
        parse_arguments(fn.get("arguments"), str(fn.get("name")), f"tool_calls[{pos}].function.arguments")
        seen.append(repr(fn["arguments"][:60]))
    return "arguments " + ", ".join(seen)


@check("tools.required.finish_reason", feature=FEATURE, field="tool_choice",
       behavior="finish_reason is 'tool_calls' when tool_choice 'required' produced calls")
def required_finish_reason(ctx: CheckContext) -> str:
    body, _ = forced_calls(ctx)
    fr = _shape.finish_reason(body)
    if fr != "tool_calls":
        # Agent loops stop on anything but "tool_calls" (sgl-project/sglang#2877).
        raise SpecViolation(f"finish_reason is {fr!r} on an answer with tool calls, not 'tool_calls'")
    return "finish_reason 'tool_calls'"


@check("tools.named.call", feature=FEATURE, field="tool_choice",
       behavior="A named tool_choice calls that function; finish_reason 'stop' (as OpenAI) or 'tool_calls'")
def named_call(ctx: CheckContext) -> str:
    tools_accepted(ctx)
    # Name the tool the prompt does not ask for, so a server that ignores the choice is seen.
    choice = {"type": "function", "function": {"name": "get_time"}}
    body = ctx.expect_ok(ctx.chat(**tool_body(tool_choice=choice)), "a named tool_choice")
    calls = tool_calls(body)
    if not calls:
        raise _no_call(body, "a named tool_choice")
    validate_calls(calls)
    if any(n != "get_time" for n in call_names(calls)):
        raise Ignored(f"tool_choice named get_time but the server called {call_names(calls)}: no effect")
    fr = _shape.finish_reason(body)
    if fr not in ("stop", "tool_calls"):
        raise SpecViolation(f"finish_reason is {fr!r} after a named call")
    _content_note(ctx, body)
    return f"called get_time, finish_reason {fr!r}"


@check("tools.none.text", feature=FEATURE, field="tool_choice",
       behavior="tool_choice 'none' with tools gives a text answer and no tool_calls")
def none_text(ctx: CheckContext) -> str:
    forced_calls(ctx)
    body = ctx.expect_ok(ctx.chat(**tool_body(tool_choice="none")), "tool_choice 'none'")
    calls = tool_calls(body)
    if calls:
        raise Ignored(f"tool_choice 'none' still produced tool calls: {str(calls)[:200]}")
    return f"text answer {_shape.text(body)[:80]!r}"


@check("tools.auto.calls", feature=FEATURE, field="tool_choice", model_dependent=True,
       behavior="With tool_choice 'auto' the model may call; every call it makes is well-formed")
def auto_calls(ctx: CheckContext) -> str:
    forced_calls(ctx)
    called, samples = 0, 3
    for _ in range(samples):
        # Independent samples are the point here, so neither the cache nor temperature 0.
        ex = ctx.chat(cache=False, **tool_body(tool_choice="auto", temperature=0.7))
        body = ctx.expect_ok(ex, "tool_choice 'auto'")
        calls = tool_calls(body)
        if not calls:
            _shape.text(body)
            continue
        called += 1
        values = validate_calls(calls, strict=False)
        # 'auto' stays lenient: a schema mismatch is noted here; the forced checks judge strict arguments.
        for name, value in zip(call_names(calls), values):
            errors = schema_errors(value, name) if name in DECLARED else ["not a declared tool"]
            ctx.deviations.extend(f"'auto' call to {name}: {e}" for e in errors[:2])
        fr = _shape.finish_reason(body)
        if fr != "tool_calls":
            raise SpecViolation(f"finish_reason is {fr!r} on an 'auto' answer with calls, not 'tool_calls'")
    ctx.note(calls=called, samples=samples)
    if called == 0:
        return f"the model answered in text {samples}/{samples} times (its choice); every answer well-formed"
    return f"the model called a tool {called}/{samples} times, every call well-formed"


@check("tools.result.round_trip", feature=FEATURE, field="messages.role.tool",
       behavior="An assistant turn with tool_calls (content null) then a tool message with tool_call_id is answered")
def result_round_trip(ctx: CheckContext) -> str:
    tools_accepted(ctx)
    call = {"id": "call_conformance_1", "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}}
    messages = [
        *PROMPT,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": json.dumps({"city": "Paris", "weather": "sunny"})},
    ]
    body = ctx.expect_ok(ctx.chat(**tool_body(messages=messages)), "a tool result message")
    # The box claims the result is read: the prompt must grow past the question's (tools_accepted sent it,
    # with the same tools), else a 200 is all there is to show.
    question, turn = _question_tokens(ctx), _shape.prompt_tokens(body)
    grown = ""
    if question is not None and turn is not None:
        if turn <= question:
            raise Ignored(f"the tool call and its result never reach the prompt: {turn} prompt tokens with them, "
                          f"{question} for the question alone")
        grown = f" ({turn} prompt tokens with the call and its result, {question} for the question alone)"
    calls = tool_calls(body)
    if calls:
        # Calling again after a result is the model's choice, not a protocol fault.
        check_envelopes(calls)
        return f"tool result read{grown}; the model chose to call again"
    return f"tool result read{grown}, answered {_shape.text(body)[:80]!r}" if grown else \
        f"tool result accepted, answered {_shape.text(body)[:80]!r}"


def _question_tokens(ctx: CheckContext) -> int | None:
    """Prompt tokens of the question alone with the tools declared, from an answer this check already has."""
    for ex in ctx.evidence:
        sent = ex.request_body
        if ex.status == 200 and isinstance(sent, dict) and sent.get("messages") == PROMPT and sent.get("tools"):
            return _shape.prompt_tokens(ex.response_body) if isinstance(ex.response_body, dict) else None
    return None


def _expect_rejected(ctx: CheckContext, body: dict[str, Any], what: str) -> str:
    # Validation is judged wherever tools are taken at all: a server that ignores tool_choice (no call when
    # forced) and takes an invalid one with 200 hides its clients' bugs all the same. Only a server rejecting
    # every tool request proves nothing by rejecting these (tools_accepted skips it, from a cached request).
    tools_accepted(ctx)
    # Judged by its status alone: one completion token where it is taken (80 went to prose on llama.cpp).
    return ctx.expect_rejected(ctx.chat(**{**body, "max_tokens": STATUS_MAX_TOKENS}), what)


@check("tools.choice.unknown_name", feature=FEATURE, field="tool_choice",
       behavior="A named tool_choice naming an undeclared function is rejected with 400")
def unknown_name(ctx: CheckContext) -> str:
    choice = {"type": "function", "function": {"name": "no_such_function"}}
    return _expect_rejected(ctx, tool_body(tool_choice=choice), "tool_choice naming an undeclared function")


@check("tools.choice.without_tools", feature=FEATURE, field="tool_choice",
       behavior="tool_choice without any tools is rejected with 400")
def without_tools(ctx: CheckContext) -> str:
    body = {"messages": PROMPT, "tool_choice": "required"}
    return _expect_rejected(ctx, body, "tool_choice 'required' without tools")


def _parallel(ctx: CheckContext, flag: bool) -> list[Any]:
    forced_calls(ctx)
    fields = tool_body(messages=BOTH_PROMPT, tool_choice="required", parallel_tool_calls=flag)
    body = ctx.expect_ok(ctx.chat(**fields), f"parallel_tool_calls {str(flag).lower()}")
    calls = tool_calls(body)
    if not calls:
        raise Skip(f"tool_choice 'required' with parallel_tool_calls {str(flag).lower()} gave no call to count")
    validate_calls(calls)
    return calls


@check("tools.parallel.disabled", feature=PARALLEL, field="parallel_tool_calls",
       behavior="parallel_tool_calls false gives at most one tool call")
def parallel_disabled(ctx: CheckContext) -> str:
    calls = _parallel(ctx, False)
    if len(calls) > 1:
        raise Ignored(f"parallel_tool_calls false still gave {len(calls)} calls: {call_names(calls)}")
    return f"one call ({call_names(calls)[0]})"


@check("tools.parallel.enabled", feature=PARALLEL, field="parallel_tool_calls", model_dependent=True,
       behavior="parallel_tool_calls true may give several calls, each well-formed with a distinct id")
def parallel_enabled(ctx: CheckContext) -> str:
    calls = _parallel(ctx, True)
    ids = [c["id"] for c in calls]
    if len(set(ids)) != len(ids):
        # Tool results are matched to calls by id; duplicates make the round trip ambiguous.
        raise Fail(f"tool call ids are not distinct: {ids}")
    ctx.note(calls=len(calls))
    more = "" if len(calls) > 1 else "; a single call is the model's choice"
    return f"{len(calls)} call(s) ({', '.join(call_names(calls))}){more}"
