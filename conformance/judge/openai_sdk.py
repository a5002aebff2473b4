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
from conformance.judge import embedding_reading, reading

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
    if method == "POST" and path.endswith("/embeddings"):
        asked = request_body.get("encoding_format") if isinstance(request_body, dict) else None
        if asked not in (None, "float", "base64"):
            return None  # the SDK sends one of these two: no call of it makes such a request
        return _embeddings(status, headers, body, base64=asked == "base64")
    if method == "POST" and path.endswith("/completions"):
        asked = request_body.get("stream") if isinstance(request_body, dict) else None
        if asked is not None and not isinstance(asked, bool):
            return None
        return _text_stream(status, headers, body) if asked else _text_create(status, headers, body)
    if method == "POST" and path.endswith("/audio/speech"):
        if not isinstance(request_body, dict) or request_body.get("stream_format", "audio") != "audio":
            return None  # the SDK hands an event stream over as bytes too: nothing of it is parsed
        return _speech(status, headers, body, str(request_body.get("response_format", "mp3")))
    if method == "POST" and path.endswith("/audio/transcriptions"):
        form = request_body.get("multipart/form-data") if isinstance(request_body, dict) else None
        if not isinstance(form, dict) or form.get("stream") not in (None, "false"):
            return None
        return _transcription(status, headers, body, str(form.get("response_format", "json")))
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
        call: Callable[[], Any] = lambda: client.chat.completions.create(  # noqa: E731
            model="judge", messages=[], stream=stream)
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


_SHARED: list[tuple[Any, _Answer]] = []
_SHARED_LOCK = threading.Lock()


def _shared() -> tuple[Any, _Answer]:
    """One SDK client for the whole run (building one per answer cost more than judging it), and its transport."""
    with _SHARED_LOCK:  # checks judge on several threads: the first builds it (and imports the SDK) once
        if not _SHARED:
            import openai

            answer = _Answer()
            http: Any = httpx.Client(transport=answer, trust_env=False)  # 3.x accepts httpx too
            _SHARED.append((openai.OpenAI(api_key="judge", base_url=_BASE_URL, http_client=http, max_retries=0),
                            answer))
        return _SHARED[0]


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


def _text_create(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    def run() -> str | None:
        completion = _client(status, headers, body).completions.create(model="judge", prompt="")
        try:
            suite = reading.from_text_completion(json.loads(body))
        except ValueError:
            suite = {}
        return _compare(suite, lambda: _sdk_text_reading(completion.choices))
    return _verdict("completions.create", run)


def _text_stream(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    from openai import APIError

    parsed = sse.parse(body.decode("utf-8", "replace"))

    def run() -> str | None:
        taken: list[Any] = []
        try:
            for chunk in _client(status, headers, body).completions.create(model="judge", prompt="", stream=True):
                taken.append(chunk)
        except Exception as exc:  # noqa: BLE001 - any exception here is the finding; say how far the client got
            if type(exc) is APIError and parsed.errors:
                return None  # the stream carries an error event and the client raises it: as intended
            return f"{_raised(exc)} (after {len(taken)} of the {len(parsed.chunks)} chunks the suite read)"
        # What client code does with each chunk next: read chunk.choices (a `data: null` chunk arrives as None).
        absent = [pos for pos, chunk in enumerate(taken) if getattr(chunk, "choices", None) is None]
        if absent:
            return (f"chunk {absent[0]} arrives as {type(taken[absent[0]]).__name__} without choices: client code "
                    "reading chunk.choices raises AttributeError")
        return _compare(reading.from_text_chunks(parsed.chunks),
                        lambda: _sdk_text_reading([c for chunk in taken for c in chunk.choices]))
    return _verdict("completions.create(stream=True)", run)


def _sdk_text_reading(choices: Any) -> reading.Reading:
    """Text choices as client code reads them, concatenated per index (one choice object per chunk and index)."""
    text: dict[int, str] = {}
    finish: dict[int, Any] = {}
    for choice in choices:
        text[choice.index] = text.get(choice.index, "") + (choice.text or "")
        if choice.finish_reason is not None:
            finish[choice.index] = choice.finish_reason
    return {i: reading.ChoiceReading(text[i], (), finish.get(i)) for i in text}


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


def _embeddings(status: int, headers: Iterable[tuple[str, str]], body: bytes, *, base64: bool) -> Judgement:
    """A base64 answer as the SDK's default call reads it (it asks for base64 and decodes); a float one as asked."""
    def run() -> str | None:
        embeddings = _client(status, headers, body).embeddings
        answer = (embeddings.create(model="judge", input="judge") if base64
                  else embeddings.create(model="judge", input="judge", encoding_format="float"))
        sdk = [(d.index, d.embedding) for d in answer.data]
        suite = embedding_reading.embeddings(json.loads(body))
        return None if embedding_reading.same_embeddings(suite, sdk) else (
            f"read {len(sdk)} embedding(s) {_glimpse(sdk)}, the suite read {_glimpse(suite)}")
    return _verdict("embeddings.create" + (" (default: base64)" if base64 else " (float)"), run)


def _glimpse(found: list[tuple[Any, Any]]) -> str:
    return str([(i, e[:3] if isinstance(e, (list, str)) else e) for i, e in found[:2]])[:160]


def _speech(status: int, headers: Iterable[tuple[str, str]], body: bytes, fmt: str) -> Judgement:
    def run() -> str | None:
        got = _client(status, headers, body).audio.speech.create(model="judge", voice="alloy", input="judge",
                                                                 response_format=fmt).content
        return None if got == body else f"the SDK's {len(got)} bytes are not the {len(body)} bytes the suite read"
    return _verdict("audio.speech.create", run)


def _transcription(status: int, headers: Iterable[tuple[str, str]], body: bytes, fmt: str) -> Judgement:
    def run() -> str | None:
        got = _client(status, headers, body).audio.transcriptions.create(
            model="judge", file=("judge.mp3", b"judge", "audio/mpeg"), response_format=fmt)
        if isinstance(got, str) and fmt in ("json", "verbose_json"):
            # Not JSON: the SDK hands the text over as a str, and client code reading .text raises AttributeError.
            return f"response_format {fmt} gave the caller a str, not a Transcription object (.text is missing)"
        if isinstance(got, str):  # text, srt, vtt: the body as it came
            return None if got == body.decode("utf-8", "replace") else "the SDK's text is not the body"
        want = json.loads(body).get("text")
        if fmt == "verbose_json":  # its segments are typed: reading their timings is what subtitle code does
            _ = [(seg.start, seg.end) for seg in got.segments or []]
        return None if got.text == want else f"text {str(got.text)[:60]!r}, the body says {str(want)[:60]!r}"
    return _verdict("audio.transcriptions.create", run)
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
