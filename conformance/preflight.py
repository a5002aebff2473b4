"""Before any check: is anything answering HTTP at the base URL, is it an OpenAI API, does it serve the model."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from conformance.http import Client, ReplayMiss, TransportError
from conformance.model import Exchange, public_url

# "No such route" or "no such method here": what a wrong base URL path or a static file server answers.
NO_ROUTE = frozenset({404, 405, 501})
# Enough ids to recognise the list in one sentence; the closest match is searched in all of them.
NAMED_IDS = 8


class Unreachable(Exception):
    """Nothing usable answered at the base URL; the message says what was tried."""


class _NotProbed(Exception):
    """Replaying a recording made before this probe existed: judge as if it had not been sent."""


@dataclass(frozen=True)
class Preflight:
    """What the server says of itself, and why it is not the target the user meant (None: it may be)."""

    server: dict[str, Any]
    problem: str | None = None
    models: Exchange | None = None  # the GET /models answer, which the models checks then reuse


def probe(client: Client) -> Preflight:
    """GET /models once (any HTTP answer means reachable); probe chat only when that answer raises a doubt."""
    try:
        ex = client.send("GET", "/models")
    except TransportError as exc:
        raise Unreachable(
            f"the target at {public_url(client.target.base_url)} did not answer: {exc}. "
            "Is the server running, and does the base URL end in /v1?"
        ) from None
    info: dict[str, Any] = {"models_status": ex.status}
    server = ex.response_headers.get("server")
    if server:
        info["server_header"] = server
    ids = _model_ids(ex)
    if ids is not None:
        info["models"] = ids[:20]
    try:
        if _no_route(ex):
            return Preflight(info, _not_an_api(client, ex), ex)
        model = client.target.model
        if ids and model and model not in ids:
            return Preflight(info, _unlisted_model(client, model, ids), ex)
    except _NotProbed:
        pass
    return Preflight(info, models=ex)


def _model_ids(ex: Exchange) -> list[str] | None:
    """The ids of an OpenAI models list, or None when the answer is not one."""
    body = ex.response_body
    if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    return [m["id"] for m in body["data"] if isinstance(m, dict) and isinstance(m.get("id"), str)]


def _no_route(ex: Exchange) -> bool:
    """The answer says nothing is served here: a no-route status, or a 2xx page that is not JSON (a catch-all)."""
    return ex.status in NO_ROUTE or (200 <= (ex.status or 0) < 300 and not isinstance(ex.response_body, (dict, list)))


def _answer(ex: Exchange) -> str:
    """'404', or '404 with an HTML page': how a reader recognises a file server in one word."""
    ctype = ex.response_headers.get("content-type", "")
    text = ex.response_body if isinstance(ex.response_body, str) else ""
    html = "html" in ctype.lower() or text.lstrip()[:1] == "<"
    return f"{ex.status} with an HTML page" if html else str(ex.status)


def _send(client: Client, method: str, path: str, body: Any = None) -> Exchange | None:
    """One more probe; None when nothing answered it (a replay that does not hold it raises _NotProbed)."""
    try:
        return client.send(method, path, json_body=body)
    except TransportError:
        return None
    except ReplayMiss:
        raise _NotProbed from None


# The route probed for each model option, in order: the first model the run was given names the route.
ROUTES = (("model", "/chat/completions"), ("embedding_model", "/embeddings"), ("speech_model", "/audio/speech"),
          ("transcription_model", "/audio/transcriptions"), ("image_model", "/images/generations"))


def _route(client: Client) -> str:
    """The route of the first model the run was given (a speech-only run never asks the chat route)."""
    given = client.target.public()
    return next((path for key, path in ROUTES if given.get(key)), "/chat/completions")


def _not_an_api(client: Client, models: Exchange) -> str | None:
    """GET /models found no route: the run's own route answering anything but no-route means an API without a list."""
    # An empty JSON object: an OpenAI-compatible route rejects it with a 4xx, a file server has no route.
    route = _route(client)
    chat = _send(client, "POST", route, {})
    if chat is None or not _no_route(chat):
        return None
    base = public_url(client.target.base_url).rstrip("/")
    said = (f"GET {public_url(client.url('/models'))} answered {_answer(models)} and POST {public_url(client.url(route))} "
            f"answered {_answer(chat)}")
    path = base.split("://", 1)[-1].partition("/")[2]
    if "v1" in path.split("/"):
        cut = base[: base.rindex("/v1") + 3]
        if cut != base:
            return f"{said}: the base URL goes past /v1; try --base-url {cut}"
    else:
        listed = _send(client, "GET", "/v1/models")
        if listed is not None and _model_ids(listed) is not None:
            return f"{said}, but GET {base}/v1/models answers a models list: try --base-url {base}/v1"
    server = models.response_headers.get("server")
    who = f" ({server})" if server else ""
    return (f"{said}: the server at {base}{who} does not look like an OpenAI-compatible API; check the host, "
            "port and path of --base-url (OpenAI routes usually live under /v1)")


def _unlisted_model(client: Client, model: str, ids: list[str]) -> str | None:
    """The model is not listed: stop unless chat answers with it anyway (a proxy serving an alias it does not list)."""
    chat = _send(client, "POST", "/chat/completions",
                 {"model": model, "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1})
    if chat is not None and 200 <= (chat.status or 0) < 300:
        return None
    named = ", ".join(ids[:NAMED_IDS]) + (f" and {len(ids) - NAMED_IDS} more" if len(ids) > NAMED_IDS else "")
    chat_said = (f"a chat request with it answered {_answer(chat)}" if chat is not None
                 else "a chat request with it got no answer")
    close = difflib.get_close_matches(model, ids, n=1, cutoff=0.5) or (ids if len(ids) == 1 else [])
    hint = f"did you mean --model {close[0]}?" if close else "pass one of the listed ids with --model"
    return (f"--model {model} is not among the {len(ids)} models GET {public_url(client.url('/models'))} lists ({named}) "
            f"and {chat_said}: {hint}")
