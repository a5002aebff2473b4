"""Image requests for the properties: cheap ones from CreateImageRequest, and ones with exactly one defect.

Every generated request asks for 64x64 images, one or two: a diffusion server draws them in about a second.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.checks.images.common import PROMPT, SIZE
from conformance.properties.badvalues import Bad, out_of_range, wrong_types
from conformance.properties.chat_requests import MISSING, Defect
from conformance.properties.fromschema import cheap, field_schema, valid
from conformance.properties.spec import Budget, Example

REQUEST = "CreateImageRequest"
PROMPTS = (PROMPT, "A lighthouse at dusk, oil painting.", "x")
# Optional fields drawn from the schema; size stays 64x64 and streaming is left out (partial images cost time).
OPTIONAL = ("response_format", "output_format", "quality", "style", "background", "moderation", "output_compression",
            "user")
CHEAP: dict[str, dict[str, Any]] = {"n": {"maximum": 2}, "output_compression": {"minimum": 0, "maximum": 100}}
ENUMS = ("response_format", "output_format", "quality", "style", "background", "moderation")


def _scalar(name: str) -> Any:
    return valid(cheap(field_schema(REQUEST, name), **CHEAP.get(name, {})), nulls=False, defaults=False)


def _plain(model: str) -> dict[str, Any]:
    return {"model": model, "prompt": PROMPT, "n": 1, "size": SIZE, "response_format": "b64_json"}


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A schema-valid request for one or two 64x64 images with a few optional fields."""
    body = _plain(model)
    body["prompt"] = draw(st.sampled_from(PROMPTS))
    names = draw(st.lists(st.sampled_from(OPTIONAL + ("n",)), unique=True, max_size=budget.max_features))
    for name in (*OPTIONAL, "n"):  # a fixed order: the same request always has the same bytes
        if name in names:
            body[name] = draw(_scalar(name))
    return Example(body, ", ".join(n for n in (*OPTIONAL, "n") if n in names) or "plain request",
                   plain=not names and body["prompt"] == PROMPT)


def seeds(model: str) -> list[Example]:
    """The plainest request, then it with n=2: every run judges the image and the count."""
    plain = _plain(model)
    return [Example(plain, "plain request", plain=True), Example({**plain, "n": 2}, "n")]


def _top(name: str) -> Any:
    def put(body: dict[str, Any], value: Any) -> None:
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return put


def _label(defect: Defect, bad: Bad) -> str:
    if bad.value is MISSING:
        return f"{defect.path} missing ({bad.why})"
    return f"{defect.path} {bad.value!r} ({bad.kind}: {bad.why})"[:160]


def _defects() -> list[Defect]:
    bogus = (Bad("unknown enum value", "bogus", "not one the schema lists"),)
    found = [Defect(name, "unknown enum value", bogus, _top(name)) for name in ENUMS]
    for name in ("n", "prompt", "size", "model", "user", "output_compression", *ENUMS):
        fs = field_schema(REQUEST, name)
        found += [Defect(name, kind, tuple(bads), _top(name)) for kind, bads in
                  (("out of range", out_of_range(fs)), ("wrong type", wrong_types(fs))) if bads]
    found.append(Defect("prompt", "missing required field", (Bad("missing", MISSING, "required by the schema"),),
                        _top("prompt")))
    return found


DEFECTS = _defects()


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """The plainest request with exactly one defect."""
    defect = draw(st.sampled_from(DEFECTS))
    bad = draw(st.sampled_from(defect.bads))
    body = _plain(model)
    defect.put(body, bad.value)
    return Example(body, _label(defect, bad), field=defect.path)
