"""Declared tools reach the prompt, and where they do not, which conditions a template renders them under."""

from __future__ import annotations

from typing import Any

from conformance.checks._shared import shape as _shape
from conformance.checks.chat.tools import FEATURE, PLAIN_TOKENS, PROMPT, REQUIRED, TOOLS
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, Unsupported


@check("tools.declared.reach_prompt", feature=FEATURE, field="tools",
       behavior="Declared tools reach the model: the same request costs more prompt tokens with tools than without")
def declared_reach_prompt(ctx: CheckContext) -> str:
    # A cheap, model-independent sign that the tools are rendered into the prompt (a template with tools).
    # The forced request (sent for the tools gate anyway) declares the same tools with the same prompt, and
    # tool_choice moves no prompt token on llama.cpp (39 and 302 prompt tokens with it and without, plain
    # and tools template): its answer serves where it is a normal one, else the tools alone are sent.
    ex = ctx.chat(**REQUIRED)
    if 200 <= (ex.status or 0) < 300 and isinstance(ex.response_body, dict):
        body, which = ctx.expect_ok(ex, "tools with tool_choice 'required'"), " (the tool_choice 'required' request)"
    else:
        body, which = ctx.expect_ok(ctx.chat(messages=PROMPT, tools=TOOLS, max_tokens=PLAIN_TOKENS), "tools"), ""
    plain = ctx.expect_ok(ctx.chat(messages=PROMPT, max_tokens=PLAIN_TOKENS), "the same request without tools")
    try:
        return _shape.reaches_prompt(body, plain, "tools", ignored_tail=which) + which
    except Ignored as alone:
        raise _beside_system(ctx, alone.reason) from None


# Some templates render tools only into a system message, and only when tool_choice is given (llama-cpp-python's
# chatml-function-calling: absent, it renders none, though the spec's default with tools is 'auto'). Only where
# the tools did not reach the prompt, they are sent again in those conditions, to say which the server needs.
SYSTEM_TURN = {"role": "system", "content": "You are a helpful assistant."}


def _tokens(ctx: CheckContext, what: str, **fields: Any) -> int:
    body = ctx.expect_ok(ctx.chat(max_tokens=PLAIN_TOKENS, **fields), what)
    count = _shape.prompt_tokens(body)
    if count is None:
        raise Skip(f"{what}: no usage.prompt_tokens")
    return count


def _beside_system(ctx: CheckContext, alone: str) -> Ignored:
    """Tools that did not reach the prompt: whether they do after a system message with tool_choice 'auto'."""
    with_system = [SYSTEM_TURN, *PROMPT]
    try:
        base = _tokens(ctx, "a system message and the same user turn, without tools", messages=with_system)
        both = _tokens(ctx, "tools with tool_choice 'auto' after a system message", messages=with_system,
                       tools=TOOLS, tool_choice="auto")
        if both <= base:
            return Ignored(f"{alone}; nor after a system message with tool_choice 'auto' ({both} prompt tokens "
                           f"with them, {base} without)")
        # They can reach the prompt: which of the two conditions they need.
        plain = _tokens(ctx, "the same request without tools", messages=PROMPT)
        no_system = _tokens(ctx, "tools with tool_choice 'auto'", messages=PROMPT, tools=TOOLS, tool_choice="auto")
        no_choice = _tokens(ctx, "tools after a system message", messages=with_system, tools=TOOLS)
    except (Unsupported, Fail, Skip):
        # A request form the server refuses, or one without usage: the request judged above decides alone.
        return Ignored(alone)
    # Rendered means at least half of what the declarations add where they are rendered: a template may add a
    # few tokens of its own with tools (llama-cpp-python: 3 without a system message, 252 with one).
    full = both - base
    needs = ([] if no_system - plain >= full / 2 else ["a system message"]) + (
        [] if no_choice - base >= full / 2 else ["tool_choice given (absent, it means 'auto' by the spec)"])
    seen = (f"after a system message with tool_choice 'auto' {both} prompt tokens with them, {base} without; "
            f"without the system message {no_system} and {plain}; without tool_choice {no_choice} and {base}")
    if not needs:
        return Ignored(f"{alone}; yet they reach the prompt with tool_choice 'auto' ({seen})")
    return Ignored(f"tools reach the prompt only with {' and '.join(needs)} ({seen}); in the request judged, "
                   f"{alone.split(': ', 1)[-1]}")
