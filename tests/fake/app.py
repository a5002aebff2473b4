"""The API itself: routing, auth, the models endpoints and chat completions, with deviation hooks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tests.fake import completions, endpoints, optional_fields, render, streaming  # noqa: F401 - endpoints: its modules register their routes
from tests.fake.errors import ACCEPT, ApiError, Halt, default_reply
from tests.fake import routes
from tests.fake.registry import Hooks, State
from tests.fake.validate_chat import parse_chat
from tests.fake.wire import HttpCtx, Reply, StreamReply, json_reply

MODEL_CREATED = 1_700_000_000
EMBED_MODEL = "fake-embed"
Response = Reply | StreamReply


@dataclass(frozen=True)
class AppConfig:
    """What the fake serves and how it authenticates."""

    model: str = "fake-model"
    api_key: str | None = None

    @property
    def models(self) -> tuple[str, ...]:
        """Every model id the server lists."""
        return tuple(dict.fromkeys((self.model, EMBED_MODEL)))


class App:
    """Answers one parsed HTTP request at a time (thread-safe: no per-request state on self)."""

    def __init__(self, config: AppConfig, hooks: Hooks, state: State) -> None:
        self.config, self.hooks, self.state = config, hooks, state
        self.routes: list[tuple[re.Pattern[str], dict[str, Callable[..., Response]]]] = [
            (re.compile(r"^/v1/models$"), {"GET": self.list_models}),
            (re.compile(r"^/v1/models/(?P<model_id>.+)$"), {"GET": self.get_model}),
            (re.compile(r"^/v1/chat/completions$"), {"POST": self.chat}),
            (re.compile(r"^/v1/chat/completions/(?P<completion_id>[^/]+)$"), {"GET": self.get_completion}),
        ]
        # The other endpoints, registered by their modules in tests/fake/endpoints/.
        by_pattern: dict[str, dict[str, Callable[..., Response]]] = {}
        for r in routes.ROUTES:
            by_pattern.setdefault(r.pattern, {})[r.method] = (lambda fn: lambda ctx, **kw: fn(self, ctx, **kw))(r.handler)
        self.routes += [(re.compile(p), methods) for p, methods in by_pattern.items()]

    def handle(self, ctx: HttpCtx) -> Response:
        """The response to one request, deviations applied."""
        try:
            early = self.hooks.first("intercept", ctx, self.state)
            if early is not None:
                raise Halt(early)
            return self._route(ctx)
        except Halt as halt:
            return self._render(halt, ctx)

    def observe(self, ctx: HttpCtx, status: int) -> None:
        """Tell the deviations which status a request got."""
        self.hooks.each("observe", ctx, status, self.state)

    def _route(self, ctx: HttpCtx) -> Response:
        for pattern, methods in self.routes:
            match = pattern.match(ctx.path)
            if match is None:
                continue
            if ctx.method not in methods:
                allow = ", ".join(methods)
                raise Halt(ApiError(405, f"Method {ctx.method} not allowed for {ctx.path}; use {allow}.",
                                    code="method_not_allowed", kind="method", headers=(("Allow", allow),)))
            self._authenticate(ctx)
            return methods[ctx.method](ctx, **match.groupdict())
        raise Halt(ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="not_found", kind="route"))

    def soft(self, ctx: HttpCtx) -> Callable[[ApiError], None]:
        """Raise an error unless a deviation accepts what OpenAI rejects (for endpoint modules)."""
        return self._soft(ctx)

    def _soft(self, ctx: HttpCtx) -> Callable[[ApiError], None]:
        def soft(err: ApiError) -> None:
            out = self.hooks.map_error(err, ctx)
            if out is not ACCEPT:  # a deviation may accept what OpenAI rejects
                raise Halt(out, mapped=True)
        return soft

    def _render(self, halt: Halt, ctx: HttpCtx) -> Response:
        if isinstance(halt.outcome, (Reply, StreamReply)):
            return halt.outcome  # already a finished answer: nothing to map or render
        outcome = halt.outcome if halt.mapped else self.hooks.map_error(halt.outcome, ctx)
        if outcome is ACCEPT:
            outcome = halt.outcome  # nothing to go on with at a hard error: answer it after all
        if isinstance(outcome, Reply):
            return outcome
        reply: Reply = self.hooks.pipe("render_error", default_reply(outcome), outcome)
        return reply

    def _authenticate(self, ctx: HttpCtx) -> None:
        key = self.config.api_key
        if key is None:
            return
        header = ctx.headers.get("authorization", "")
        if header == f"Bearer {key}":
            return
        given = header.removeprefix("Bearer ").strip()
        msg = (f"Incorrect API key provided: {given[:4]}***. You can find your API key in your account."
               if given else "You didn't provide an API key. You need to provide your API key in an Authorization "
               "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        self._soft(ctx)(ApiError(401, msg, code="invalid_api_key", kind="auth",
                                 headers=(("WWW-Authenticate", "Bearer"),)))

    def _model_object(self, model_id: str) -> dict[str, Any]:
        obj = {"id": model_id, "object": "model", "created": MODEL_CREATED, "owned_by": "fake"}
        shaped: dict[str, Any] = self.hooks.pipe("models_body", obj)
        return shaped

    def list_models(self, ctx: HttpCtx) -> Response:
        """GET /v1/models."""
        return json_reply(200, {"object": "list", "data": [self._model_object(m) for m in self.config.models]})

    def get_model(self, ctx: HttpCtx, model_id: str) -> Response:
        """GET /v1/models/{id} (the id percent-decoded: clients send `/` as %2F)."""
        model_id = unquote(model_id)
        if model_id not in self.config.models:
            raise Halt(ApiError(404, f"The model '{model_id}' does not exist", param="model",
                                code="model_not_found", kind="model"))
        return json_reply(200, self._model_object(model_id))

    def chat(self, ctx: HttpCtx) -> Response:
        """POST /v1/chat/completions."""
        if not isinstance(ctx.body, dict):
            raise Halt(ApiError(400, "We could not parse the JSON body of your request. (HINT: This likely means "
                                "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                                "payload.)", kind="malformed_json"))
        req = parse_chat(ctx.body, (self.config.model,), self.config.models, self._soft(ctx))
        rejected = self.hooks.first("check", req)
        if rejected is not None:
            raise Halt(rejected)
        req = self.hooks.pipe("request", req)
        optional_fields.validate(req.raw)
        knobs = self.hooks.pipe("knobs", completions.Knobs(), req)
        comps = self.hooks.pipe("outputs", completions.build(req, knobs), req)
        ids = render.ResponseIds.fresh()
        if req.stream:
            chunks = self.hooks.pipe("chunks", streaming.chunks(req, comps, ids, knobs), req)
            stream: StreamReply = self.hooks.pipe("stream_reply", StreamReply(200, streaming.frames(chunks)), req)
            return stream
        body = optional_fields.apply(req.raw, render.chat_body(req, comps, ids), self.state)
        return json_reply(200, self.hooks.pipe("chat_body", body, req))

    def get_completion(self, ctx: HttpCtx, completion_id: str) -> Response:
        """GET /v1/chat/completions/{id}: a completion created with store: true."""
        return json_reply(200, optional_fields.stored(self.state, completion_id))
