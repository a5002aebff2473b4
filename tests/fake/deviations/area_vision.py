"""Vision deviations: images rejected, dropped or read as text, detail without effect, corrupt images mis-handled."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.fake.errors import ACCEPT, ApiError, invalid, server_error
from tests.fake.images import image_tokens
from tests.fake.registry import also, deviation
from tests.fake.request import ChatRequest
from tests.fake.wire import HttpCtx


@deviation("vision.rejected", "image_url parts get a 400", on="check")
def _rejected(req: ChatRequest) -> ApiError | None:
    if any(m.images for m in req.messages):
        return invalid("messages", "Image input is not supported by this model.", "unsupported_content")
    return None


@deviation("vision.corrupt_500", "a corrupt image gets a 500", on="map_error")
def _corrupt_500(err: ApiError, ctx: HttpCtx) -> ApiError:
    return server_error("cannot identify image file") if err.kind == "image" else err


@deviation("vision.corrupt_200", "a corrupt image is accepted with a 200", on="map_error")
def _corrupt_200(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "image" else err


@deviation("vision.detail_rejected", "an image_url part with a detail key gets a 400", on="check")
def _detail_rejected(req: ChatRequest) -> ApiError | None:
    for i, msg in enumerate(req.raw.get("messages", [])):
        parts = msg.get("content") if isinstance(msg.get("content"), list) else []
        if any(isinstance(p.get("image_url"), dict) and "detail" in p["image_url"] for p in parts):
            return invalid(f"messages[{i}].content", "Unrecognized field 'detail' in image_url.")
    return None


def _image_urls(raw: Any) -> list[str]:
    """The image URLs of one raw message's content parts."""
    content = raw.get("content") if isinstance(raw, dict) else None
    parts: list[Any] = content if isinstance(content, list) else []
    specs = [p.get("image_url") for p in parts if isinstance(p, dict)]
    return [s["url"] for s in specs if isinstance(s, dict) and isinstance(s.get("url"), str)]


@deviation("vision.url_as_text", "image_url parts are stringified: the data URL is read as text, never decoded",
           on="request")
def _url_as_text(req: ChatRequest) -> ChatRequest:
    # As llama-cpp-python's chatml-function-calling: the parts are pasted into the prompt, so the
    # base64 costs prompt tokens (a piece per two characters, about what a BPE makes of it).
    messages = []
    for msg, raw in zip(req.messages, req.raw.get("messages") or []):
        pieces = [u[k:k + 2] for u in _image_urls(raw) for k in range(0, len(u), 2)]
        messages.append(replace(msg, text=" ".join([msg.text, *pieces]), images=(), image_tokens=0) if pieces else msg)
    return replace(req, messages=tuple(messages))


@also("vision.url_as_text", on="map_error")
def _url_never_decoded(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "image" else err


@deviation("vision.image_dropped", "image_url parts are accepted and silently dropped: the model sees the text alone "
           "(transformers serve with a text-only model)", on="request")
def _image_dropped(req: ChatRequest) -> ChatRequest:
    return replace(req, messages=tuple(replace(m, images=(), image_tokens=0) for m in req.messages))


@also("vision.image_dropped", on="map_error")
def _image_never_decoded(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "image" else err


def _detail_blind(req: ChatRequest) -> ChatRequest:
    """Every image costs what it costs at the default detail, whatever detail was sent."""
    messages = []
    for msg, raw in zip(req.messages, req.raw.get("messages") or []):
        tokens = sum(image_tokens(u, None) for u in _image_urls(raw))
        messages.append(replace(msg, image_tokens=tokens) if msg.images else msg)
    return replace(req, messages=tuple(messages))


@deviation("vision.detail_no_effect", "detail is validated (an invalid value gets a 400) but images cost the same "
           "prompt tokens at 'low' as at 'high'", on="request")
def _detail_no_effect(req: ChatRequest) -> ChatRequest:
    return _detail_blind(req)


@deviation("vision.detail_ignored", "detail is never read: any value, an invalid one too, is accepted with a 200 and "
           "images cost the same prompt tokens at 'low' as at 'high'", on="request")
def _detail_ignored(req: ChatRequest) -> ChatRequest:
    return _detail_blind(req)


@also("vision.detail_ignored", on="map_error")
def _detail_unread(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if (err.param or "").endswith(".detail") else err
