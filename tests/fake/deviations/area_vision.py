"""Vision deviations: image inputs rejected, or corrupt images mis-handled."""

from __future__ import annotations

from typing import Any

from tests.fake.errors import ACCEPT, ApiError, invalid, server_error
from tests.fake.registry import deviation
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
