"""Image generation deviations: what real servers do wrong on /v1/images/generations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.fake.endpoints.images import ImageRequest
from tests.fake.errors import ACCEPT, ApiError
from tests.fake.registry import deviation
from tests.fake.wire import HttpCtx, json_reply


@deviation("images.absent", "POST /v1/images/generations is not served: 404", on="intercept")
def _absent(ctx: HttpCtx, state: Any) -> ApiError | None:
    if ctx.path == "/v1/images/generations":
        return ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="not_found", kind="route")
    return None


@deviation("images.b64_not_image", "b64_json holds base64 of bytes that are no image", on="images_file")
def _not_image(data: bytes, req: ImageRequest) -> bytes:
    return b"generated image: " + data[-16:]


@deviation("images.size_ignored", "every image is 256x256, whatever size was asked", on="images_request")
def _size_ignored(req: ImageRequest) -> ImageRequest:
    return replace(req, width=256, height=256)


@deviation("images.size_swapped", "width and height are swapped (asked 128x64, drawn 64x128)", on="images_request")
def _size_swapped(req: ImageRequest) -> ImageRequest:
    return replace(req, width=req.height, height=req.width)


@deviation("images.n_ignored", "one image, whatever n asks", on="images_request")
def _n_ignored(req: ImageRequest) -> ImageRequest:
    return replace(req, n=1)


@deviation("images.url_as_b64", "response_format 'url' is answered with b64_json (as sd-server)", on="images_request")
def _url_as_b64(req: ImageRequest) -> ImageRequest:
    return replace(req, response_format="b64_json")


@deviation("images.url_dead", "the image URLs an answer gives lead to a 404", on="images_body")
def _url_dead(body: dict[str, Any], req: ImageRequest) -> dict[str, Any]:
    data = [{**i, "url": i["url"].replace("/files/", "/files/0")} if "url" in i else i for i in body["data"]]
    return {**body, "data": data}


@deviation("images.output_format_ignored", "every image is a PNG, whatever output_format asks", on="images_request")
def _format_ignored(req: ImageRequest) -> ImageRequest:
    return replace(req, output_format="png")


@deviation("images.jpeg_by_default", "a request that names no output_format gets a JPEG (the spec's default is png)",
           on="images_request")
def _jpeg_by_default(req: ImageRequest) -> ImageRequest:
    return req if "output_format" in req.raw else replace(req, output_format="jpeg")


@deviation("images.background_ignored", "background 'transparent' gives an opaque image", on="images_request")
def _background_ignored(req: ImageRequest) -> ImageRequest:
    return replace(req, background=None)


@deviation("images.quality_ignored", "quality changes nothing and the answer does not name it", on="images_request")
def _quality_ignored(req: ImageRequest) -> ImageRequest:
    return replace(req, quality=None)


@deviation("images.invalid_size_accepted", "a size with no width and height is drawn at the default size",
           on="map_error")
def _invalid_size_accepted(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "images.size" else err


@deviation("images.prompt_optional", "a request without prompt is drawn from an empty prompt", on="map_error")
def _prompt_optional(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "images.prompt" else err


@deviation("images.error_string", "image errors are {\"error\": \"message\"}, a plain string (as sd-server)",
           on="map_error")
def _error_string(err: ApiError, ctx: HttpCtx) -> Any:
    if ctx.path.startswith("/v1/images/"):
        return json_reply(err.status, {"error": err.message})
    return err
