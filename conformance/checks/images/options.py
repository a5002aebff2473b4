"""Options that change the image: output_format, quality and a transparent background, each judged by its effect."""

from __future__ import annotations

from typing import Any

from conformance.checks.images import common
from conformance.checks.images.common import ENDPOINT
from conformance.checks.images.decode import ImageInfo
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Accepted, Fail, Ignored

QUALITY = "low"  # gpt-image's lowest quality: a dall-e-3 server would name it 'standard'


def _asked(ctx: CheckContext, what: str, **fields: Any) -> tuple[dict[str, Any], ImageInfo]:
    common.base(ctx)
    found = common.answer(ctx, common.generate(ctx, **fields), what)
    return found, common.b64_images(found, what)[0]


def _output_format(ctx: CheckContext, fmt: str) -> str:
    found, info = _asked(ctx, f"output_format '{fmt}'", output_format=fmt)
    said = found.get("output_format")
    if said is not None and said != info.format:
        ctx.deviations.append(f"the answer says output_format {said!r} but the bytes are {info.format.upper()}")
    if info.format == fmt:
        return f"a {info.format.upper()} image of {info.size}"
    if info.format == "png":
        raise Ignored(f"output_format '{fmt}' gave a PNG image (the default)")
    raise Fail(f"output_format '{fmt}' gave a {info.format.upper()} image")


@check("images.output_format.jpeg", feature="Output formats", field="output_format", endpoint=ENDPOINT,
       behavior="output_format 'jpeg' gives JPEG bytes (or a clear 4xx), not the default PNG")
def output_jpeg(ctx: CheckContext) -> str:
    return _output_format(ctx, "jpeg")


@check("images.output_format.webp", feature="Output formats", field="output_format", endpoint=ENDPOINT,
       behavior="output_format 'webp' gives WebP bytes (or a clear 4xx), not the default PNG")
def output_webp(ctx: CheckContext) -> str:
    return _output_format(ctx, "webp")


@check("images.background.transparent", feature="Transparent background", field="background", endpoint=ENDPOINT,
       behavior="background 'transparent' with output_format 'png' gives a PNG with an alpha channel (or a clear 4xx)")
def background_transparent(ctx: CheckContext) -> str:
    found, info = _asked(ctx, "background 'transparent'", background="transparent", output_format="png")
    if info.alpha:
        return f"a {info.format.upper()} {info.size} image with an alpha channel"
    said = found.get("background")
    echo = f" (the answer says background {said!r})" if said is not None else ""
    raise Ignored(f"background 'transparent' gave a {info.format.upper()} image without alpha{echo}")


@check("images.quality.effect", feature="Quality", field="quality", endpoint=ENDPOINT,
       behavior=f"quality '{QUALITY}' is named in the answer or changes the image (judged against the same request "
                "without it, sent twice to see whether identical requests give identical bytes), or gets a clear 4xx")
def quality_effect(ctx: CheckContext) -> str:
    found, info = _asked(ctx, f"quality '{QUALITY}'", quality=QUALITY)
    said = found.get("quality")
    if said is not None:
        if said != QUALITY:
            raise Ignored(f"quality '{QUALITY}' was answered with quality {said!r}")
        return f"the answer names quality {said!r} ({info.format.upper()} {info.size})"
    plain = _b64(common.answer(ctx, common.generate(ctx), "the same request without quality"))
    again = _b64(common.answer(ctx, common.generate(ctx, cache=False), "the same request without quality, again"))
    if plain != again:
        raise Accepted(f"quality '{QUALITY}' was accepted; identical requests give different images, so whether it "
                       "changed anything cannot be seen")
    if _b64(found) == plain:
        raise Ignored(f"quality '{QUALITY}' gave byte-identical images to the same request without it (identical "
                      "requests give identical bytes here)")
    return f"quality '{QUALITY}' changed the image (identical requests give identical bytes)"


def _b64(found: dict[str, Any]) -> Any:
    return found["data"][0].get("b64_json")
