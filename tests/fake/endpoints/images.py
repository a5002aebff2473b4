"""POST /v1/images/generations as OpenAI answers it, with one-colour images in PNG, JPEG or WebP; GET of their URLs."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

from tests.fake import image_files
from tests.fake.errors import ApiError, Halt, bad_type, bad_value, missing, out_of_range
from tests.fake.registry import add_point
from tests.fake.routes import route
from tests.fake.wire import HttpCtx, Reply, json_reply

add_point("images_request", "(req) -> ImageRequest: change what the server makes of an image request")
add_point("images_body", "(body, req) -> dict: reshape an images answer")
add_point("images_file", "(data, req) -> bytes: change the bytes of one generated image")

DEFAULT_SIZE = (256, 256)
_SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})$")
ENUMS: dict[str, tuple[str, ...]] = {
    "response_format": ("url", "b64_json"),
    "output_format": ("png", "jpeg", "webp"),
    "quality": ("standard", "hd", "low", "medium", "high", "auto"),
    "style": ("vivid", "natural"),
    "background": ("transparent", "opaque", "auto"),
    "moderation": ("low", "auto"),
}
KNOWN = frozenset({"model", "prompt", "n", "size", "user", "output_compression", "stream", "partial_images", *ENUMS})
# Qualities the answer names (ImagesResponse.quality); the others still change the picture.
ECHOED_QUALITY = ("low", "medium", "high")
FILES = "images.files"  # state key: id -> (bytes, content type) of images answered by URL


@dataclass(frozen=True)
class ImageRequest:
    """What the server makes of an image request."""

    raw: dict[str, Any]
    prompt: str
    n: int
    width: int
    height: int
    response_format: str
    output_format: str
    quality: str | None
    background: str | None


def _enum(body: dict[str, Any], name: str, soft: Any) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        soft(bad_type(name, "a string", value))
        return None
    if value not in ENUMS[name]:
        soft(bad_value(name, value, ENUMS[name], kind=f"images.{name}"))
        return None
    return value


def _size(body: dict[str, Any], soft: Any) -> tuple[int, int]:
    size = body.get("size")
    if size is None or size == "auto":
        return DEFAULT_SIZE
    match = _SIZE.match(size) if isinstance(size, str) else None
    if match is None or not all(16 <= int(v) <= 4096 for v in match.groups()):
        if not isinstance(size, str):
            soft(bad_type("size", "a string", size))
        else:
            soft(ApiError(400, f"Invalid value: '{size}'. Supported values are: 'auto' and WIDTHxHEIGHT with each side "
                               "between 16 and 4096.", param="size", code="invalid_value", kind="images.size"))
        return DEFAULT_SIZE
    return int(match[1]), int(match[2])


def _integer(body: dict[str, Any], name: str, lo: int, hi: int, default: int, soft: Any) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        soft(bad_type(name, "an integer", value))
        return default
    if not lo <= value <= hi:
        soft(out_of_range(name, value, lo, hi, True))
        return default
    return value


def parse(body: Any, soft: Any) -> ImageRequest:
    """Validate an image request as OpenAI does; soft(err) raises unless a deviation accepts it."""
    if not isinstance(body, dict):
        raise Halt(ApiError(400, "We could not parse the JSON body of your request.", kind="malformed_json"))
    for key in sorted(set(body) - KNOWN):
        soft(ApiError(400, f"Unrecognized request argument supplied: {key}", param=key, code="unknown_parameter"))
    prompt = body.get("prompt")
    if prompt is None:
        soft(replace(missing("prompt"), kind="images.prompt"))
        prompt = ""
    elif not isinstance(prompt, str):
        soft(bad_type("prompt", "a string", prompt))
        prompt = ""
    if body.get("model") is not None and not isinstance(body.get("model"), str):
        soft(bad_type("model", "a string", body["model"]))
    if body.get("user") is not None and not isinstance(body.get("user"), str):
        soft(bad_type("user", "a string", body["user"]))
    if body.get("stream") not in (None, False):
        soft(ApiError(400, "Streaming is not supported for this model.", param="stream", code="unsupported_value"))
    n = _integer(body, "n", 1, 10, 1, soft)
    _integer(body, "output_compression", 0, 100, 100, soft)
    _integer(body, "partial_images", 0, 3, 0, soft)
    width, height = _size(body, soft)
    values = {name: _enum(body, name, soft) for name in ENUMS}
    output_format = values["output_format"] or "png"
    if values["background"] == "transparent" and output_format == "jpeg":
        soft(ApiError(400, "Transparent backgrounds need output_format png or webp.", param="background",
                      code="invalid_value", kind="images.background"))
    return ImageRequest(body, prompt, n, width, height, values["response_format"] or "url", output_format,
                        values["quality"], values["background"])


def _colour(req: ImageRequest, index: int) -> tuple[int, int, int]:
    # Deterministic, and different for every input that should change the picture.
    seed = f"{req.prompt}|{req.quality}|{req.raw.get('style')}|{index}".encode()
    r, g, b = hashlib.sha256(seed).digest()[:3]
    return r, g, b


def encode(req: ImageRequest, index: int) -> bytes:
    """One generated image in the asked format, transparent when asked."""
    rgb = _colour(req, index)
    clear = req.background == "transparent"
    if req.output_format == "jpeg":
        return image_files.jpeg(req.width, req.height, sum(rgb) // 3)
    if req.output_format == "webp":
        return image_files.webp(req.width, req.height, rgb, 0 if clear else 255)
    return image_files.png(req.width, req.height, rgb, 0 if clear else None)


MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@route(r"^/v1/images/generations$", "POST")
def generate(app: Any, ctx: HttpCtx) -> Reply:
    """POST /v1/images/generations."""
    req: ImageRequest = app.hooks.pipe("images_request", parse(ctx.body, app.soft(ctx)))
    items: list[dict[str, Any]] = []
    for index in range(req.n):
        data: bytes = app.hooks.pipe("images_file", encode(req, index), req)
        if req.response_format == "b64_json":
            items.append({"b64_json": base64.b64encode(data).decode("ascii")})
            continue
        file_id = uuid.uuid4().hex
        files = app.state.peek(FILES) or {}
        files[file_id] = (data, MIME[req.output_format])
        app.state.put(FILES, files)
        host = ctx.headers.get("host", "127.0.0.1")
        items.append({"url": f"http://{host}/v1/images/files/{file_id}.{req.output_format}"})
    body: dict[str, Any] = {"created": int(time.time()), "data": items, "output_format": req.output_format}
    if req.quality in ECHOED_QUALITY:
        body["quality"] = req.quality
    if req.background in ("transparent", "opaque"):
        body["background"] = req.background
    return json_reply(200, app.hooks.pipe("images_body", body, req))


@route(r"^/v1/images/files/(?P<file_id>[0-9a-f]+)\.(?P<ext>png|jpeg|webp)$", "GET")
def image_file(app: Any, ctx: HttpCtx, file_id: str, ext: str) -> Reply:
    """GET of an image URL an answer gave."""
    found = (app.state.peek(FILES) or {}).get(file_id)
    if found is None:
        raise Halt(ApiError(404, f"No such image: {file_id}", code="not_found", kind="route"))
    data, mime = found
    return Reply(200, data, mime)
