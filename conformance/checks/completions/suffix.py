"""suffix: text after the insertion point (fill in the middle), which must reach the prompt."""

from __future__ import annotations

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail

EP = catalog.COMPLETIONS
PREFIX = "def add(a, b):\n    "
SUFFIX = "\n    return result\n\nprint(add(1, 2))\n"


@check("completions.suffix.reaches_prompt", endpoint=EP, feature="Suffix", field="suffix",
       behavior="suffix reaches the model: usage.prompt_tokens grows by the suffix's tokens over the same request "
                "without it (a clear 4xx is 'unsupported')")
def suffix_reaches_prompt(ctx: CheckContext) -> str:
    plain = common.ok(ctx, "the prompt without suffix", prompt=PREFIX)
    with_suffix = common.ok(ctx, "the prompt with a suffix", prompt=PREFIX, suffix=SUFFIX)
    text, without = common.text(with_suffix), common.text(plain)
    # A server that pastes the suffix onto the output (transformers serve: text + suffix) hands the caller text
    # the model never wrote, which a fill-in-the-middle caller then stitches in twice.
    if text.endswith(SUFFIX) and not without.endswith(SUFFIX):
        raise Fail(f"the suffix is appended to the output instead of following the insertion: {text!r} "
                   f"(without suffix: {without!r}; completion_tokens {_shape.completion_tokens(with_suffix)} "
                   f"and {_shape.completion_tokens(plain)})")
    return _shape.reaches_prompt(with_suffix, plain, "suffix")

