"""What a check sees: the run's shared client and cache, and helpers that turn responses into verdicts."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from conformance import edges, inflight, multipart, sse, validate
from conformance.http import BodyCut, Client, ReplayMiss, TransportError
from conformance.limits import Limits, RateLimited, Refused, send_within
from conformance.model import CheckSpec, Exchange, Target
from conformance.sharing import SharedCache
from conformance.verdict import Fail, HarnessError, LaxValidation, NotRecorded, Skip, SpecViolation, Unsupported

OMIT = object()
DEFAULT_PROMPT = "Say hello in one short sentence."
DEFAULT_MAX_TOKENS = 16
# A request judged by its status and shape alone (an invalid value accepted or rejected): its text is never
# read, so one token does; bodies shared between checks must use it on both sides to stay one request.
STATUS_MAX_TOKENS = 1
CHAT = "/chat/completions"


@dataclass(frozen=True)
class PropertySettings:
    """Budgets of the property-based checks; None takes the default of conformance/properties/spec.py."""

    examples: int | None = None
    token_budget: int | None = None
    explore: bool = False


@dataclass
class Run:
    """State shared by all checks of one run: the client and a cache that keeps repeated requests free."""

    target: Target
    client: Client
    cache: SharedCache = field(default_factory=SharedCache)
    # Set when recording: every exchange a check uses, cache hits included, goes into its cassette.
    recorder: Any = None
    # Set when replaying: property checks read the generated requests their recording stored.
    replayer: Any = None
    # Replaying: timing is not the server's, so checks that judge timing say "not judged on replay".
    replay: bool = False
    properties: PropertySettings = field(default_factory=PropertySettings)
    # Budgets, the circuit breaker and rate-limit waits, shared by every check of the run.
    limits: Limits = field(default_factory=Limits)
    # At most --concurrency requests in flight, whatever the number of threads running checks.
    in_flight: threading.Semaphore = field(default_factory=lambda: threading.BoundedSemaphore(1))

    def cache_key(self, check_id: str, key: str) -> str:
        """The run cache's key of one check's request: on replay every check has a cache of its own.

        A cache shared across checks on replay hands one check the answer another recorded (xllamacpp: a
        timeout recorded for tools.required.tool_calls, an answer for the next tools check), and which check
        asks first is thread timing: the replayed verdict flipped. Each cassette already holds every exchange
        its check used, cache hits included.
        """
        return f"{check_id}:{key}" if self.replay else key

    def close(self) -> None:
        """Release the client."""
        self.client.close()


def request_key(method: str, path: str, body: Any = None, stream: bool = False, auth: bool = True,
                headers: Any = None) -> str:
    """The run cache's key of a request as CheckContext.request sends it (to seed the cache from outside)."""
    return _key(method, path, body, stream, auth, headers)


def _key(method: str, path: str, body: Any, stream: bool, auth: bool, headers: Any) -> str:
    # Hashed: recordings store the key, and it must carry no request content (secrets included).
    text = json.dumps([method, path, body, stream, auth, headers], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def error_message(body: Any) -> str:
    """A short human summary of an error body, whatever its shape."""
    if isinstance(body, dict):
        err = body.get("error", body.get("detail", body))
        if isinstance(err, dict):
            return str(err.get("message") or err)[:300]
        return str(err)[:300]
    return str(body)[:300]


def has_envelope(body: Any) -> bool:
    """The OpenAI error envelope: {"error": {"message": str, "type": str, ...}}."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return False
    err = body["error"]
    return isinstance(err.get("message"), str) and isinstance(err.get("type"), str)


def _asked_to_stream(ex: Exchange) -> bool:
    """Whether the request asked for an event stream (stream: true, or speech's stream_format sse)."""
    body = ex.request_body
    return isinstance(body, dict) and (body.get("stream") is True or body.get("stream_format") == "sse")


class CheckContext:
    """The helpers one check uses; every exchange it makes becomes its evidence."""

    def __init__(self, run: Run, spec: CheckSpec) -> None:
        self.run = run
        self.spec = spec
        self.evidence: list[Exchange] = []
        self.deviations: list[str] = []
        self.details: dict[str, Any] = {}

    @property
    def model(self) -> str:
        """The chat model under test; a run given none (an audio-only server, say) skips what needs it."""
        if not self.run.target.model:
            raise Skip("no chat model given (--model)")
        return self.run.target.model

    @property
    def target(self) -> Target:
        """The target under test."""
        return self.run.target

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        stream: bool = False,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        cache: bool = True,
        sample: int | None = None,
    ) -> Exchange:
        """Send a request (or reuse the identical one already sent this run) and keep it as evidence.

        sample=i asks for the i-th independent answer to this request: sent once per run like any cached
        request, but apart from sample j, so checks that need several samples of one request share them.
        """
        sent = body if content is None else content.decode("latin-1")
        asked = sent if sample is None else [sent, f"sample {sample}"]
        key = self.run.cache_key(self.spec.id, _key(method, path, asked, stream, auth, headers))

        def once() -> Exchange:
            send = self.run.client.send
            try:
                return send(method, path, json_body=body, content=content, headers=headers, auth=auth, stream=stream)
            except BodyCut:
                # Once may be the network; twice in a row on the same request is the server.
                try:
                    return send(method, path, json_body=body, content=content, headers=headers, auth=auth,
                                stream=stream)
                except BodyCut as exc:
                    raise Fail(f"the server closed the connection mid-body twice in a row: {exc}") from exc

        def send() -> Exchange:
            kind = f"{'streamed ' if stream else ''}{method} {path}"
            try:
                # A rate-limit wait keeps its slot: waiting is the point.
                with self.run.in_flight, inflight.sending(self.spec.id):
                    return send_within(self.run.limits, self.run.client, kind, once)
            except Refused as exc:
                raise (Skip(exc.reason) if exc.budget else HarnessError(exc.reason)) from None
            except RateLimited as exc:
                raise HarnessError(str(exc)) from None
            except TransportError as exc:
                raise HarnessError(f"no answer from the target: {exc}") from exc
            except ReplayMiss as exc:
                # Short: a recording made before a check changed shows this on every row that changed.
                raise NotRecorded(f"not in the recording: {exc}; re-record this target (run ... --record)") from exc

        # Shared: sent once per run; a check asking for one in flight waits for it.
        ex, shared = self.run.cache.fetch(key, send) if cache else (send(), False)
        if not edges.cacheable(ex):
            self.run.cache.discard(key)  # a large answer costs less to send again than to hold all run
        if shared and self.run.recorder is not None:
            # Served from the run cache: the check still used it, so its cassette keeps it too (apart
            # from the exchanges it sent, so that replay answers them in the same order).
            self.run.recorder.add_cached(key, stream, ex.wire)
        self.evidence.append(ex)
        if (page := edges.gateway_page(ex)) is not None:
            raise edges.GatewayPage(page)
        return ex

    def upload(
        self,
        path: str,
        fields: list[tuple[str, str]],
        files: list[multipart.File],
        *,
        cache: bool = True,
    ) -> Exchange:
        """POST a multipart/form-data form (fields in order, repeated names kept) and keep it as evidence."""
        form = multipart.encode(fields, files)
        return self.request("POST", path, content=form.body, headers={"Content-Type": form.content_type},
                            cache=cache)

    def chat_body(self, **fields: Any) -> dict[str, Any]:
        """A cheap, deterministic chat request; pass OMIT to drop a default field."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "user", "content": DEFAULT_PROMPT}],
            "temperature": 0,
            "max_tokens": DEFAULT_MAX_TOKENS,
        }
        body.update(fields)
        return {k: v for k, v in body.items() if v is not OMIT}

    def chat(self, *, cache: bool = True, sample: int | None = None, **fields: Any) -> Exchange:
        """Send a chat completion request built by chat_body (sample: see request)."""
        body = self.chat_body(**fields)
        return self.request("POST", CHAT, body, stream=bool(body.get("stream")), cache=cache, sample=sample)

    def expect_ok(self, ex: Exchange, what: str) -> Any:
        """The JSON body of a 2xx answer; a clear rejection is 'unsupported', a 5xx or garbage a failure."""
        status = ex.status or 0
        if 200 <= status < 300:
            if ex.response_body is None and ex.raw_body is not None:
                if _asked_to_stream(ex):
                    return ex.raw_body
                # transformers serve answers a plain /v1/responses request with an event stream: no client
                # that asked for one JSON object can read that.
                ctype = next((v for k, v in ex.response_headers.items() if k.lower() == "content-type"), "")
                raise Fail(f"{what}: a request that did not ask to stream got a 2xx answer that is not JSON "
                           f"(Content-Type {ctype or 'absent'}): {ex.raw_body[:160]!r}")
            if (note := edges.json_type_deviation(ex)) is not None and note not in self.deviations:
                self.deviations.append(note)
            if not isinstance(ex.response_body, dict):
                raise Fail(f"{what}: 2xx answer is not a JSON object: {str(ex.response_body)[:200]!r}")
            return ex.response_body
        if 400 <= status < 500 and status not in (401, 403, 404, 408, 429):
            envelope = "" if has_envelope(ex.response_body) else " (without the OpenAI error envelope)"
            raise Unsupported(f"{what} rejected with {status}{envelope}: {error_message(ex.response_body)}")
        if status in (401, 403):
            raise HarnessError(f"{what}: {status} authentication failed; check --api-key-env")
        if status == 404:
            raise Unsupported(f"{what}: 404 ({error_message(ex.response_body)})")
        if status in (408, 429, 502, 503, 504):
            # Busy, rate limited or still loading: says nothing about conformance, so not judged.
            raise HarnessError(f"{what}: {status} (busy, rate limited or not ready): {error_message(ex.response_body)}")
        raise Fail(f"{what}: server error {status} on a well-formed request: {error_message(ex.response_body)}")

    def expect_binary(self, ex: Exchange, what: str) -> bytes:
        """The exact bytes of a 2xx answer (audio, an image); any other status is judged as expect_ok does."""
        status = ex.status or 0
        if not 200 <= status < 300:
            self.expect_ok(ex, what)
        if ex.wire is None:
            raise HarnessError(f"{what}: the answer's bytes were not kept")
        return ex.wire.response_body

    def expect_rejected(self, ex: Exchange, what: str, *, names_missing: bool = False) -> str:
        """An invalid request must get a 4xx: a 2xx silently ignores it, a 5xx breaks; no envelope is noted.

        A 404 says the route is not there (llama-cpp-python answers every /v1/responses request so, valid or not),
        not that the value was refused: unsupported, unless the request names something missing (names_missing:
        an unknown model or id, which OpenAI itself answers 404).
        """
        status = ex.status or 0
        if status == 404 and not names_missing:
            raise Unsupported(f"{what}: 404 ({error_message(ex.response_body)[:80]}): the endpoint is not served, "
                              "so its validation cannot be judged")
        if not 400 <= status < 500:
            # What a client sending valid requests breaks on is never this answer (conformance/clients/severity).
            self.note(invalid_request=True)
        if 200 <= status < 300:
            raise LaxValidation(f"{what} was accepted with {status}: the invalid value is silently ignored")
        if not 400 <= status < 500:
            raise SpecViolation(f"{what} gave {status}, not a 4xx")
        if not has_envelope(ex.response_body):
            self.deviations.append(f"{status} without the OpenAI error envelope: {str(ex.response_body)[:120]}")
        return f"rejected with {status}"

    def expect_stream(self, ex: Exchange, what: str) -> sse.Stream:
        """The parsed SSE stream of a 2xx streamed answer (framing problems are in .problems)."""
        body = self.expect_ok(ex, what)
        if isinstance(body, dict):
            raise Fail(f"{what}: asked to stream but got one JSON body ({ex.response_headers.get('content-type')})")
        return sse.parse(body)

    def schema(self, name: str, instance: Any, where: str) -> None:
        """Validate against a derived OpenAI schema: breaking errors fail, tolerated ones are noted."""
        report = validate.check(name, instance)
        for d in report.deviations:
            note = f"{where}: {d}"
            if note not in self.deviations:
                self.deviations.append(note)
        if report.breaking:
            # What clients actually choke on has its own shape checks and the SDK judge; the schema alone
            # says the spec is violated.
            raise SpecViolation(f"{where} breaks the {name} schema: " + "; ".join(report.breaking[:3]))

    def note(self, **details: Any) -> None:
        """Attach structured details to the result."""
        self.details.update(details)
