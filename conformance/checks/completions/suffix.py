"""suffix: text after the insertion point (fill in the middle), which must reach the prompt."""

from __future__ import annotations

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import CheckContext
from conformance.registry import check

EP = catalog.COMPLETIONS
PREFIX = "def add(a, b):\n    "
SUFFIX = "\n    return result\n\nprint(add(1, 2))\n"


@check("completions.suffix.reaches_prompt", endpoint=EP, feature="Suffix", field="suffix",
       behavior="suffix reaches the model: usage.prompt_tokens grows by the suffix's tokens over the same request "
                "without it (a clear 4xx is 'unsupported')")
def suffix_reaches_prompt(ctx: CheckContext) -> str:
    plain = common.ok(ctx, "the prompt without suffix", prompt=PREFIX)
    with_suffix = common.ok(ctx, "the prompt with a suffix", prompt=PREFIX, suffix=SUFFIX)
    common.text(with_suffix)
    return _shape.reaches_prompt(with_suffix, plain, "suffix")
