"""Embeddings requests for the properties: valid ones drawn from CreateEmbeddingRequest, invalid ones with one defect."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.properties.badvalues import Bad, array_size, out_of_range, wrong_types
from conformance.properties.fromschema import ALPHABET, field_schema, required_of, valid
from conformance.properties.spec import Budget, Example

REQUEST = "CreateEmbeddingRequest"
# Cheap inputs: a few short texts or token ids (small ids exist in every vocabulary).
MAX_INPUTS = 3
MAX_TOKEN = 999
OPTIONAL = ("encoding_format", "dimensions", "user")
DIMENSIONS = (1, 64)  # valid by the schema (minimum 1); a model shorter than asked may reject it clearly
MISSING = object()


def _text() -> st.SearchStrategy[str]:
    # Never empty: OpenAI rejects an empty string, though the schema allows it (a hand-written check judges that).
    return st.text(ALPHABET, min_size=1, max_size=24).filter(lambda t: t.strip() != "")


def _tokens() -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(1, MAX_TOKEN), min_size=1, max_size=4)


INPUTS: dict[str, st.SearchStrategy[Any]] = {
    "a string": _text(),
    "a list of strings": st.lists(_text(), min_size=1, max_size=MAX_INPUTS),
    "token ids": _tokens(),
    "a list of token-id lists": st.lists(_tokens(), min_size=1, max_size=MAX_INPUTS),
}


def _optional(name: str) -> st.SearchStrategy[Any]:
    if name == "dimensions":
        return st.integers(*DIMENSIONS)
    return valid(field_schema(REQUEST, name), nulls=False, defaults=False)


@st.composite
def _chosen(draw: st.DrawFn) -> tuple[str, Any]:
    # Name and value in one span, so shrinking drops both.
    name = draw(st.sampled_from(OPTIONAL))
    return name, draw(_optional(name))


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A schema-valid request: one input form and a few optional fields."""
    form = draw(st.sampled_from(list(INPUTS)))
    body: dict[str, Any] = {"model": model, "input": draw(INPUTS[form])}
    chosen = dict(draw(st.lists(_chosen(), unique_by=lambda p: p[0], max_size=min(budget.max_features, 3))))
    names = [n for n in OPTIONAL if n in chosen]
    body.update({n: chosen[n] for n in names})  # a fixed order: the same request always has the same bytes
    return Example(body, ", ".join([f"input as {form}", *names]), plain=form == "a string" and not names)


def seeds(model: str) -> list[Example]:
    """A string, a batch and a base64 answer in every run."""
    plain: dict[str, Any] = {"model": model, "input": "hello world"}
    return [Example(plain, "input as a string", plain=True),
            Example({**plain, "input": ["hello", "world"]}, "input as a list of strings"),
            Example({**plain, "encoding_format": "base64"}, "input as a string, encoding_format")]


def _defects() -> list[tuple[str, Bad]]:
    """Every (field, bad value) pair: the schema's bounds and types, its required fields and its enum."""
    found: list[tuple[str, Bad]] = []
    for name in ("model", "input", *OPTIONAL):
        fs = field_schema(REQUEST, name)
        # 2049 inputs would cost a server that accepts them far more than one defect is worth.
        sizes = [b for b in array_size(fs) if b.kind != "too many items"]
        found += [(name, b) for b in (*out_of_range(fs), *sizes, *wrong_types(fs))]
    found += [(k, Bad("missing", MISSING, "required by the schema")) for k in required_of(REQUEST)]
    found += [("encoding_format", Bad("unknown enum value", "bogus", "not one the schema lists")),
              ("input", Bad("too few items", [[1, 2], []], "an empty token-id list (at least 1 item required)"))]
    return found


DEFECTS = _defects()


def _label(name: str, bad: Bad) -> str:
    if bad.value is MISSING:
        return f"{name} missing ({bad.why})"
    shown = repr(bad.value)
    return f"{name} {shown if len(shown) <= 60 else shown[:57] + '...'} ({bad.kind}: {bad.why})"


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A plain valid request with exactly one defect."""
    name, bad = draw(st.sampled_from(DEFECTS))
    body: dict[str, Any] = {"model": model, "input": "hello world"}
    if bad.value is MISSING:
        body.pop(name)
    else:
        body[name] = bad.value
    return Example(body, _label(name, bad), field=name)

