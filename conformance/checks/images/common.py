"""What every image check shares: the cheap request, the image model, and reading the images an answer holds."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks.images.decode import ImageInfo, NotAnImage, b64_image
from conformance.context import CheckContext
from conformance.model import Exchange
from conformance.verdict import Fail, Skip, Unsupported

ENDPOINT = catalog.IMAGES
PATH = "/images/generations"
RESPONSE = "ImagesResponse"
# The images are judged by their headers only (format, size, alpha), never by what they show: a server
# with random weights (as the bundled sd-server) draws noise, and that is enough.
PROMPT = "A red square on a white background."
# The cheapest size a diffusion model draws; the spec's size is any string, and servers map it to pixels.
SIZE = "64x64"


def image_model(ctx: CheckContext) -> str:
    """The image model under test; without one the endpoint is untested."""
    model = ctx.target.image_model
    if not model:
        raise Skip("no image model given (--image-model)")
    return model


def body(ctx: CheckContext, **fields: Any) -> dict[str, Any]:
    """The cheapest request: one b64_json image of SIZE; fields override or add (None drops a default)."""
    out: dict[str, Any] = {"model": image_model(ctx), "prompt": PROMPT, "n": 1, "size": SIZE,
                           "response_format": "b64_json"}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def generate(ctx: CheckContext, *, cache: bool = True, **fields: Any) -> Exchange:
    """Send an image request built by body()."""
    return ctx.request("POST", PATH, body(ctx, **fields), cache=cache)


def answer(ctx: CheckContext, ex: Exchange, what: str) -> dict[str, Any]:
    """The JSON body of a 2xx answer, held to the ImagesResponse schema; a 404 or other clear 4xx is unsupported."""
    found: dict[str, Any] = ctx.expect_ok(ex, what)
    ctx.schema(RESPONSE, found, "response")
    data = found.get("data")
    if not isinstance(data, list) or not data:
        raise Fail(f"{what}: the answer holds no images (data is {str(data)[:80]})")
    if not all(isinstance(item, dict) for item in data):
        raise Fail(f"{what}: data holds something other than image objects: {str(data)[:120]}")
    return found


def b64_images(found: dict[str, Any], what: str) -> list[ImageInfo]:
    """Every image of an answer to a b64_json request, read from its header; Fail when one is not an image."""
    infos = []
    for pos, item in enumerate(found["data"]):
        if "b64_json" not in item and isinstance(item.get("url"), str):
            raise Fail(f"{what}: data[{pos}] is a url, not the b64_json asked for: a client reading b64_json "
                       "gets nothing")
        try:
            infos.append(b64_image(item.get("b64_json")))
        except NotAnImage as exc:
            raise Fail(f"{what}: data[{pos}].b64_json does not hold an image: {exc}") from None
    return infos


def base(ctx: CheckContext) -> list[ImageInfo]:
    """The images of the cheapest request; checks that build on it skip when it is not answered."""
    what = f"one {SIZE} b64_json image"
    try:
        return b64_images(answer(ctx, generate(ctx), what), what)
    except Unsupported as exc:
        raise Skip(f"image generation itself is not supported: {exc.reason}") from exc
    except Fail as exc:
        raise Skip(f"the plainest image request fails (see images.generate.b64_json): {exc.reason}") from exc


def describe(infos: list[ImageInfo]) -> str:
    """'2 PNG images of 64x64' or a list of what differs."""
    kinds = {(i.format.upper(), i.size) for i in infos}
    if len(kinds) == 1:
        fmt, size = next(iter(kinds))
        return f"{len(infos)} {fmt} image{'s' if len(infos) != 1 else ''} of {size}"
    return ", ".join(f"{i.format.upper()} {i.size}" for i in infos)
