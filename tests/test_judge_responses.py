"""The official client judges /v1/responses bytes: the fake's are read as the suite reads them, llama-server's stream is not."""

from __future__ import annotations

import json

import httpx

from conformance.judge import openai_sdk
from tests.fake import FakeServer

BODY = {"model": "fake-model", "input": "Say hello.", "temperature": 0, "max_output_tokens": 16}
SSE = [("content-type", "text/event-stream")]


def _answer(deviations: set[str], **fields: object) -> httpx.Response:
    with FakeServer(deviations=deviations) as srv:
        return httpx.post(f"{srv.base_url}/responses", json={**BODY, **fields}, timeout=10)


def test_a_conformant_response_and_stream_read_as_the_suite_reads_them() -> None:
    """create, the stream helper's final response and retrieve all agree with the bytes."""
    plain = _answer(set())
    made = openai_sdk.judge("POST", "http://x/v1/responses", BODY, 200, plain.headers.items(), plain.content)
    streamed = _answer(set(), stream=True)
    flowed = openai_sdk.judge("POST", "http://x/v1/responses", {**BODY, "stream": True}, 200, SSE, streamed.content)
    got = openai_sdk.judge("GET", f"http://x/v1/responses/{plain.json()['id']}", None, 200, plain.headers.items(),
                           plain.content)
    assert made is not None and made.ok and made.call == "responses.create", made
    assert flowed is not None and flowed.ok and flowed.call == "responses.stream", flowed
    assert got is not None and got.ok and got.call == "responses.retrieve", got


def test_events_without_output_index_break_the_stream_helper() -> None:
    """llama-server's events (no output_index): the official helper raises, naming how far it got."""
    streamed = _answer({"responses.stream_no_indexes"}, stream=True)
    found = openai_sdk.judge("POST", "http://x/v1/responses", {**BODY, "stream": True}, 200, SSE, streamed.content)
    assert found is not None and not found.ok
    assert "TypeError" in (found.problem or "") and "events the suite read" in (found.problem or "")


def test_a_text_the_client_reads_differently_is_named() -> None:
    """Two output_text parts: the SDK's output_text joins them as the suite does (no false alarm)."""
    body = _answer(set()).json()
    part = body["output"][0]["content"][0]
    body["output"][0]["content"] = [part, {**part, "text": " more"}]
    raw = json.dumps(body).encode()
    found = openai_sdk.judge("POST", "http://x/v1/responses", BODY, 200, [("content-type", "application/json")], raw)
    assert found is not None and found.ok, found
