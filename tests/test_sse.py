"""The raw SSE reader: legal framing passes, what a client would silently drop is reported."""

from __future__ import annotations

import json

from conformance import sse


def _frames(*objs: object, sep: str = "\n\n", done: bool = True) -> str:
    body = "".join(f"data: {json.dumps(o)}{sep}" for o in objs)
    return body + (f"data: [DONE]{sep}" if done else "")


def test_well_formed_stream_has_chunks_and_done() -> None:
    s = sse.parse(_frames({"a": 1}, {"a": 2}))
    assert s.ok and s.done
    assert s.chunks == ({"a": 1}, {"a": 2})


def test_legal_variants_pass() -> None:
    crlf = sse.parse(_frames({"a": 1}, sep="\r\n\r\n"))
    nospace = sse.parse('data:{"a": 1}\n\ndata:[DONE]\n\n')
    comments = sse.parse(': ping\n\n' + _frames({"a": 1}))
    assert crlf.ok and nospace.ok and comments.ok
    assert comments.comments == 1
    assert nospace.chunks == ({"a": 1},)


def test_missing_done_and_data_after_done_are_problems() -> None:
    assert "did not end with data: [DONE]" in " ".join(sse.parse(_frames({"a": 1}, done=False)).problems)
    after = sse.parse(_frames({"a": 1}) + 'data: {"a": 2}\n\n')
    assert after.after_done and not after.ok


def test_raw_text_and_broken_json_are_problems() -> None:
    s = sse.parse("error: something broke\n\n" + _frames({"a": 1}))
    assert any("not an SSE field" in p for p in s.problems)
    b = sse.parse('data: {"a": \n\n' + _frames({"a": 1}))
    assert any("not JSON" in p for p in b.problems)


def test_unterminated_last_event_is_dropped() -> None:
    s = sse.parse('data: {"a": 1}\n\ndata: [DONE]')
    assert not s.done
    assert any("not terminated" in p for p in s.problems)


def test_error_events_are_kept_apart_from_chunks() -> None:
    s = sse.parse(_frames({"error": {"message": "bad", "type": "x"}}))
    assert s.errors and not s.chunks


def test_multiline_data_joins_with_newline() -> None:
    s = sse.parse('data: {"a":\ndata: 1}\n\ndata: [DONE]\n\n')
    assert s.chunks == ({"a": 1},)
