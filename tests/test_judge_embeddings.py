"""The official SDK's embeddings.create reads the suite's embeddings answers: float as asked, base64 by its default."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

from conformance.judge import openai_sdk
from tests.fake import FakeServer
from tests.test_checks_embeddings import run_embeddings

URL = "http://127.0.0.1:1/v1/embeddings"
JSON = [("content-type", "application/json")]
VEC = [0.25, -0.5, 0.125]


def b64(values: list[float], fmt: str = "<") -> str:
    """Float32 values as base64, little-endian unless told."""
    return base64.b64encode(struct.pack(f"{fmt}{len(values)}f", *values)).decode()


def answer(*embeddings: Any) -> bytes:
    """A CreateEmbeddingResponse body with the given embeddings."""
    return json.dumps({"object": "list", "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1},
                       "data": [{"object": "embedding", "index": i, "embedding": e}
                                for i, e in enumerate(embeddings)]}).encode()


def judge(body: bytes, **request: Any) -> openai_sdk.Judgement:
    """The SDK's judgement of one embeddings answer to a request with these fields."""
    found = openai_sdk.judge("POST", URL, {"model": "m", "input": "x", **request}, 200, JSON, body)
    assert found is not None
    return found


def test_float_answer_reads_the_same() -> None:
    found = judge(answer(VEC, VEC), encoding_format="float")
    assert found.ok, found.problem
    assert found.call == "embeddings.create (float)"


def test_base64_answer_is_decoded_by_the_default_call_as_the_suite_decodes_it() -> None:
    found = judge(answer(b64(VEC)), encoding_format="base64")
    assert found.ok, found.problem
    assert found.call == "embeddings.create (default: base64)"


def test_base64_for_a_float_request_is_not_what_the_client_reads() -> None:
    found = judge(answer(b64(VEC)), encoding_format="float")
    assert not found.ok
    assert "read 1 embedding(s)" in (found.problem or "")


def test_an_empty_base64_answer_raises_in_the_sdk() -> None:
    found = judge(answer(), encoding_format="base64")
    assert not found.ok and "No embedding data received" in (found.problem or "")


def test_an_unknown_encoding_is_no_call_of_the_sdk() -> None:
    assert openai_sdk.judge("POST", URL, {"encoding_format": "float16"}, 200, JSON, answer(VEC)) is None


def test_every_embeddings_answer_of_the_checks_is_judged() -> None:
    with FakeServer() as srv:
        results = run_embeddings(srv.base_url, "embeddings.encoding_format.*,embeddings.response.shape")
    assert all("openai_sdk" not in r.details for r in results.values())
    assert {r.outcome.value for r in results.values()} == {"pass"}


def test_base64_for_a_float_request_breaks_the_client_in_a_check() -> None:
    """A server answering base64 to every request: the float checks see strings, the SDK judge names the client."""
    with FakeServer(deviations={"embeddings.base64_always"}) as srv:
        result = run_embeddings(srv.base_url, "embeddings.encoding_format.float")["embeddings.encoding_format.float"]
    assert result.outcome.value == "fail"
    assert "openai_sdk" in result.details
