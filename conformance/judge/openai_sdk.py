"""The official openai Python client as a second judge: it parses the bytes the suite received, in memory.

Nothing is sent anywhere: the client's transport answers its one request with the recorded status,
headers and body. Each judgement builds its own client, so judging is safe from any thread.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import Any

import httpx

from conformance import sse
from conformance.judge import reading

# The client decodes bodies itself: the suite's bytes are already decoded and their length may differ.
_DROP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_BASE_URL = "http://openai-sdk-judge.invalid/v1"
_MODEL_PATH = re.compile(r"/models/(?P<id>.+)$")


@dataclass(frozen=True)
class Judgement:
    """What the SDK made of one 2xx answer: problem is None when it read what the suite read."""

    sdk: str
    call: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """The SDK parsed the answer without error and read the same data as the suite."""
        return self.problem is None

    def describe(self) -> str:
        """One line naming the SDK, the call and what went wrong."""
        return f"{self.sdk} {self.call}: {self.problem or 'read as the suite did'}"


@lru_cache(maxsize=1)
def installed() -> str:
    """The installed SDK's version number (imported on first use: it is slow to import)."""
    import openai

    return str(openai.__version__)


def version() -> str:
    """The SDK judging, as 'openai X.Y.Z'."""
    return f"openai {installed()}"


def judge(method: str, url: str, request_body: Any, status: int, headers: Iterable[tuple[str, str]],
          body: bytes) -> Judgement | None:
    """Hand one 2xx answer to the SDK call that would have made the request; None if no call makes it."""
    if not 200 <= status < 300:
        return None
    path = httpx.URL(url).path.rstrip("/")
    if method == "POST" and path.endswith("/chat/completions"):
        asked = request_body.get("stream") if isinstance(request_body, dict) else None
        if asked is not None and not isinstance(asked, bool):
            return None  # the SDK sends stream as a boolean: it makes no request such an answer could answer
        return _stream(status, headers, body) if asked else _create(status, headers, body)
    if path.endswith("/responses") or "/responses/" in path:
        from conformance.judge import responses_sdk  # imported here: it builds on this module's client

        return responses_sdk.judge(method, path, request_body, status, headers, body)
    if method == "POST" and path.endswith("/images/generations"):
        return _images_generate(status, headers, body)
    if method == "GET" and path.endswith("/models"):
        return _models_list(status, headers, body)
    found = _MODEL_PATH.search(path)
    if method == "GET" and found:
        return _models_retrieve(status, headers, body, httpx.URL(url).path.split("/models/", 1)[1])
    return None


def status_error(method: str, url: str, request_body: Any, status: int, headers: Iterable[tuple[str, str]],
                 body: bytes) -> str | None:
    """What the SDK raises on a 5xx answer to a call it makes (None: not a 5xx, or no call makes the request)."""
    if status < 500:
        return None
    path = httpx.URL(url).path.rstrip("/")
    client = _client(status, headers, body)
    if method == "POST" and path.endswith("/chat/completions"):
        stream = isinstance(request_body, dict) and request_body.get("stream") is True
        call: Callable[[], Any] = lambda: client.chat.completions.create(model="judge", messages=[], stream=stream)
    elif method == "GET" and path.endswith("/models"):
        call = lambda: list(client.models.list())  # noqa: E731
    else:
        return None
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - what the client raises is the finding
        return _raised(exc)
    return None


class _Answer(httpx.BaseTransport):
    """Answers any request with the response the calling thread is judging, in memory.

    Its own class rather than httpx.MockTransport: vcrpy patches MockTransport while recording or
    replaying, and would take the SDK's request for one of the target's.
    """

    def __init__(self) -> None:
        self._current = threading.local()

    def set(self, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> None:
        """The answer this thread's next SDK call gets."""
        self._current.answer = (status, [(k, v) for k, v in headers if k.lower() not in _DROP_HEADERS], body)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The answer set for this thread, whatever was asked."""
        status, headers, body = self._current.answer
        return httpx.Response(status, headers=headers, content=body, request=request)


@lru_cache(maxsize=1)
def _shared() -> tuple[Any, _Answer]:
    """One SDK client for the whole run (building one per answer cost more than judging it), and its transport."""
    import openai

    answer = _Answer()
    http: Any = httpx.Client(transport=answer, trust_env=False)  # 3.x accepts httpx too
    return openai.OpenAI(api_key="judge", base_url=_BASE_URL, http_client=http, max_retries=0), answer


def _client(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Any:
    """The SDK client, answering this thread's next call with the given answer."""
    client, answer = _shared()
    answer.set(status, headers, body)
    return client


def _raised(exc: BaseException) -> str:
    """'IndexError in ChatCompletionStreamState._accumulate_chunk > _convert_initial_chunk_into_snapshot: ...'.

    The SDK function that raised, after the innermost SDK method that called it (a class names the helper).
    """
    frames: list[str] = []
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if "/openai/" in code.co_filename.replace("\\", "/"):
            frames.append(getattr(code, "co_qualname", code.co_name))
        tb = tb.tb_next
    where = frames[-1] if frames else ""
    owner = next((f for f in reversed(frames[:-1]) if "." in f), None) if "." not in where else None
    where = f"{owner} > {where}" if owner else where
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "no message"
    return f"{type(exc).__name__}{f' in {where}' if where else ''}: {text}"


def _verdict(call: str, run: Callable[[], str | None]) -> Judgement:
    try:
        problem = run()
    except Exception as exc:  # noqa: BLE001 - any exception the SDK raises on these bytes is the finding
        problem = _raised(exc)
    return Judgement(version(), call, problem)


def _create(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    def run() -> str | None:
        completion = _client(status, headers, body).chat.completions.create(model="judge", messages=[])
        try:
            suite = reading.from_completion(json.loads(body))
        except ValueError:
            suite = {}
        return _compare(suite, lambda: _sdk_reading(completion.choices))
    return _verdict("chat.completions.create", run)


def _stream(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    from openai import APIError, ContentFilterFinishReasonError, LengthFinishReasonError

    parsed = sse.parse(body.decode("utf-8", "replace"))

    def run() -> str | None:
        manager = _client(status, headers, body).chat.completions.stream(model="judge", messages=[])
        taken = 0
        try:
            with manager as stream:
                for event in stream:
                    taken += event.type == "chunk"
                try:
                    stream.get_final_completion()
                except (LengthFinishReasonError, ContentFilterFinishReasonError):
                    pass  # by design: the helper refuses to hand out a cut or filtered answer as final
                snapshot = stream.current_completion_snapshot
        except Exception as exc:  # noqa: BLE001 - any exception here is the finding; say how far the helper got
            if type(exc) is APIError and parsed.errors:
                return None  # the stream carries an error event and the client raises it: as intended
            return f"{_raised(exc)} (after accumulating {taken} of the {len(parsed.chunks)} chunks the suite read)"
        return _compare(reading.from_chunks(parsed.chunks), lambda: _sdk_reading(snapshot.choices))
    return _verdict("chat.completions.stream", run)


def _models_list(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    def run() -> str | None:
        ids = [m.id for m in _client(status, headers, body).models.list()]
        listed = json.loads(body).get("data")
        want = [m.get("id") for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
        return None if ids == want else f"listed ids {ids[:5]}, the body says {want[:5]}"
    return _verdict("models.list", run)


def _models_retrieve(status: int, headers: Iterable[tuple[str, str]], body: bytes, model_id: str) -> Judgement:
    def run() -> str | None:
        got = _client(status, headers, body).models.retrieve(model_id).id
        want = json.loads(body).get("id")
        return None if got == want else f"id {got!r}, the body says {want!r}"
    return _verdict("models.retrieve", run)


def _images_generate(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    def run() -> str | None:
        result = _client(status, headers, body).images.generate(model="judge", prompt="judge")
        got = [(image.b64_json, image.url) for image in result.data or []]
        data = json.loads(body).get("data")
        want = [(i.get("b64_json"), i.get("url")) for i in data if isinstance(i, dict)] if isinstance(data, list) else []
        if got != want:
            return (f"read {len(got)} image(s) {[_kinds(g) for g in got][:5]}, the body holds {len(want)} "
                    f"{[_kinds(w) for w in want][:5]}")
        return None
    return _verdict("images.generate", run)


def _kinds(image: tuple[Any, Any]) -> str:
    """'b64_json', 'url', both or none: what an image object carries, without its (long) contents."""
    names = [n for n, v in zip(("b64_json", "url"), image) if v is not None]
    return "+".join(names) or "nothing"


@dataclass(frozen=True)
class ErrorReading:
    """What the SDK's exception says about an error answer: what a client's except clause can read."""

    exception: str
    message: str
    type: str | None
    code: str | None
    param: str | None
    body_is_object: bool  # the SDK found an error object (under "error", or the body itself)


def read_error(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> ErrorReading | None:
    """Hand a 4xx/5xx answer to images.generate and read the exception it raises (None if it raises none)."""
    import openai

    try:
        _client(status, headers, body).images.generate(model="judge", prompt="judge")
    except openai.APIStatusError as exc:
        return ErrorReading(type(exc).__name__, exc.message, exc.type, exc.code, exc.param, isinstance(exc.body, dict))
    return None


def _sdk_reading(choices: Any) -> reading.Reading:
    """Read the SDK's choices the way client code does: attribute access, nothing coerced."""
    out: reading.Reading = {}
    for choice in choices:
        message = choice.message
        calls = tuple(call.function.arguments for call in message.tool_calls or [])
        out[choice.index] = reading.ChoiceReading(message.content, calls, choice.finish_reason)
    return out


def _compare(suite: reading.Reading, read_sdk: Callable[[], reading.Reading]) -> str | None:
    try:
        sdk = read_sdk()
    except Exception as exc:  # noqa: BLE001 - reading the SDK's own result failed: what client code meets
        return f"reading the result: {_raised(exc)}"
    found = reading.differences(suite, sdk)
    return "; ".join(found[:3]) if found else None
