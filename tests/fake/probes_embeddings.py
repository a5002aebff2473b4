"""One probe per embeddings deviation: an observation that differs between the conformant fake and the deviant one."""

from __future__ import annotations

from typing import Any

from tests.fake.app import EMBED_MODEL
from tests.fake.probes import Api, Probe

TEXT = "the cat sat on the mat"


def _post(api: Api, input: Any, **fields: Any) -> Any:
    return api.post("embeddings", {"model": EMBED_MODEL, "input": input, **fields})


def _status(input: Any, **fields: Any) -> Probe:
    return lambda api: _post(api, input, **fields).status_code


def _data(input: Any, **fields: Any) -> Probe:
    """The answer's items as (index, embedding rounded), or the status when it is not a 200."""
    def probe(api: Api) -> Any:
        resp = _post(api, input, **fields)
        if resp.status_code != 200:
            return resp.status_code
        return [(d["index"], str(d["embedding"])[:80]) for d in resp.json()["data"]]
    return probe


def _usage(api: Api) -> Any:
    return _post(api, ["one two", "three four five"]).json()["usage"]


def _twice(api: Api) -> bool:
    return bool(_post(api, TEXT).json() == _post(api, TEXT).json())


def _lengths(api: Api) -> list[int]:
    return [len(d["embedding"]) for d in _post(api, ["one", "one two three"]).json()["data"]]


EMBEDDING_PROBES: dict[str, tuple[dict[str, Any], Probe]] = {
    "embeddings.not_served": ({}, _status(TEXT)),
    "embeddings.per_token": ({}, _data(TEXT)),
    "embeddings.nan": ({}, _data(TEXT)),
    "embeddings.batch_reversed": ({}, _data(["one", "two"])),
    "embeddings.tokens_500": ({}, _status([1, 2, 3])),
    "embeddings.token_lists_joined": ({}, _data([[1, 2], [3]])),
    "embeddings.length_varies": ({}, _lengths),
    "embeddings.usage_first_only": ({}, _usage),
    "embeddings.noisy": ({}, _twice),
    "embeddings.constant": ({}, lambda api: _data("one")(api) == _data("two")(api)),
    "embeddings.float_rejected": ({}, _status(TEXT, encoding_format="float")),
    "embeddings.base64_ignored": ({}, _data(TEXT, encoding_format="base64")),
    "embeddings.base64_always": ({}, _data(TEXT)),
    "embeddings.base64_big_endian": ({}, _data(TEXT, encoding_format="base64")),
    "embeddings.dimensions_ignored": ({}, _data(TEXT, dimensions=4)),
    "embeddings.dimensions_not_renormalised": ({}, _data(TEXT, dimensions=4)),
    "embeddings.dimensions_rejected": ({}, _status(TEXT, dimensions=4)),
    "embeddings.empty_accepted": ({}, _status("")),
    "embeddings.empty_list_500": ({}, _status([])),
    "embeddings.encoding_unchecked": ({}, _status(TEXT, encoding_format="float16")),
    "embeddings.any_model": ({}, lambda api: api.post("embeddings", {"model": "nope", "input": TEXT}).status_code),
    "embeddings.validation_500": ({}, _status(TEXT, dimensions=0)),
    "embeddings.user_rejected": ({}, _status(TEXT, user="u-1")),
}
