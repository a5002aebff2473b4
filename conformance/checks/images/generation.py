"""Image generation: a b64_json image of the asked size, several images, and URLs that can be fetched."""

from __future__ import annotations

import base64
import binascii

from conformance.checks.images import common
from conformance.checks.images.common import ENDPOINT, SIZE
from conformance.checks.images.decode import ImageInfo, NotAnImage, image_info
from conformance.context import CheckContext, error_message
from conformance.registry import check
from conformance.verdict import Accepted, Fail, Ignored, Unsupported

# Not square, so a server that swaps width and height shows it; small, so it costs little more than SIZE.
OTHER_SIZE = "128x64"
MANY = 2


@check("images.generate.b64_json", feature="Image generation", field="response_format.b64_json", endpoint=ENDPOINT,
       behavior=f"A request for one {SIZE} image as b64_json gets an ImagesResponse (created, data) whose b64_json "
                "decodes to a PNG, JPEG or WebP image")
def b64_json(ctx: CheckContext) -> str:
    what = f"one {SIZE} b64_json image"
    found = common.answer(ctx, common.generate(ctx), what)
    infos = common.b64_images(found, what)
    if len(infos) != 1:
        ctx.deviations.append(f"n=1 gave {len(infos)} images")
    if infos and infos[0].format != "png":
        # Tolerated (the bytes are an image the caller can read), but clients that label a b64_json image by
        # the default format call it image/png.
        ctx.deviations.append(f"the image is {infos[0].format.upper()} though the request names no output_format: "
                              "the spec's default is png")
    return f"{common.describe(infos)} ({len(found['data'][0]['b64_json'])} base64 characters)"


def _size_of(ctx: CheckContext, size: str) -> ImageInfo:
    what = f"a {size} image"
    return common.b64_images(common.answer(ctx, common.generate(ctx, size=size), what), what)[0]


@check("images.size.honoured", feature="Sizes", field="size", endpoint=ENDPOINT,
       behavior=f"The images are of the size asked for: {SIZE}, and {OTHER_SIZE} (width first) from a second request")
def size_honoured(ctx: CheckContext) -> str:
    first = common.base(ctx)[0]
    try:
        second = _size_of(ctx, OTHER_SIZE)
    except Unsupported as exc:
        if first.size != SIZE:
            raise Fail(f"asked {SIZE}, got {first.size}; {OTHER_SIZE} was rejected: {exc.reason}") from exc
        raise Accepted(f"{SIZE} gave {SIZE}, but {OTHER_SIZE} was rejected ({exc.reason}): a single size cannot tell "
                       "an honoured size from the server's default") from exc
    if first.size == SIZE and second.size == OTHER_SIZE:
        return f"{SIZE} gave {first.size} and {OTHER_SIZE} gave {second.size}"
    if first.size == second.size:
        raise Ignored(f"size is ignored: {SIZE} and {OTHER_SIZE} both gave {first.size}")
    swapped = f"{second.height}x{second.width}" == OTHER_SIZE
    raise Fail(f"asked {SIZE} and {OTHER_SIZE}, got {first.size} and {second.size}"
               + (" (width and height swapped)" if swapped else ""))


@check("images.n.several", feature="Multiple images", field="n", endpoint=ENDPOINT,
       behavior=f"n={MANY} gives {MANY} images, each a decodable image of the asked size")
def n_several(ctx: CheckContext) -> str:
    common.base(ctx)
    what = f"n={MANY}"
    infos = common.b64_images(common.answer(ctx, common.generate(ctx, n=MANY), what), what)
    if len(infos) == 1:
        raise Ignored(f"n={MANY} gave one image")
    if len(infos) != MANY:
        raise Fail(f"n={MANY} gave {len(infos)} images")
    wrong = [i.size for i in infos if i.size != SIZE]
    if wrong:  # judged by images.size.honoured; here only the count is
        ctx.deviations.append(f"n={MANY} gave images of {', '.join(wrong)}, not the {SIZE} asked for")
    return common.describe(infos)


@check("images.url.fetchable", feature="Response formats", field="response_format.url", endpoint=ENDPOINT,
       behavior="response_format 'url' gives a URL whose GET returns the image, or a clear 4xx when URLs are not "
                "offered; never b64_json in its place")
def url_fetchable(ctx: CheckContext) -> str:
    common.base(ctx)
    what = "response_format 'url'"
    found = common.answer(ctx, common.generate(ctx, response_format="url"), what)
    item = found["data"][0]
    url = item.get("url")
    if not isinstance(url, str) or not url:
        got = "b64_json" if "b64_json" in item else f"keys {sorted(item)}"
        # The client reads data[0].url, finds None, and has no image: the usual code path breaks.
        raise Fail(f"asked for a url, got {got} and no url: a client reading data[0].url gets nothing")
    if url.startswith("data:"):
        info = _data_url(url)
        ctx.deviations.append("the url is a data: URL, which an HTTP client cannot GET")
        return f"a data: URL holding a {info.format.upper()} {info.size} image"
    if not url.startswith(("http://", "https://")):
        raise Fail(f"the url is not an http(s) URL: {url[:120]}")
    fetched = ctx.request("GET", url, auth=False)  # URLs are handed out to be fetched without the API key
    if not 200 <= (fetched.status or 0) < 300 or fetched.wire is None:
        raise Fail(f"GET of the image url gave {fetched.status}: {error_message(fetched.response_body)[:120]}")
    try:
        info = image_info(fetched.wire.response_body)
    except NotAnImage as exc:
        raise Fail(f"GET of the image url did not return an image: {exc}") from None
    if info.size != SIZE:  # judged by images.size.honoured
        ctx.deviations.append(f"the image at the url is {info.size}, not the {SIZE} asked for")
    return f"the url returned a {info.format.upper()} {info.size} image ({fetched.response_headers.get('content-type')})"


def _data_url(url: str) -> ImageInfo:
    head, _, data = url.partition(",")
    if ";base64" not in head:
        raise Fail(f"the url is a data: URL without base64: {url[:80]}")
    try:
        return image_info(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise Fail(f"the url is a data: URL that does not hold an image: {exc}") from None
