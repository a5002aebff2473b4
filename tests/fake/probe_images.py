"""Probes of the image deviations: what each changes in the answer to one image request."""

from __future__ import annotations

import base64
from typing import Any

from conformance.checks.images.decode import NotAnImage, image_info
from tests.fake.probes import Api, Probe

BODY = {"model": "fake-image", "prompt": "A red square.", "size": "64x64", "response_format": "b64_json"}


def _image(api: Api, **fields: Any) -> Any:
    """What the first image of an answer is (format, size, alpha), or the status and body of a failure."""
    resp = api.post("images/generations", {**BODY, **fields})
    if resp.status_code != 200:
        return resp.status_code, resp.json()
    item = resp.json()["data"][0]
    if "b64_json" not in item:
        return sorted(item)
    try:
        info = image_info(base64.b64decode(item["b64_json"]))
    except NotAnImage as exc:
        return str(exc)
    return info.format, info.size, info.alpha


def _count(api: Api) -> int:
    return len(api.post("images/generations", {**BODY, "n": 2}).json()["data"])


def _url_status(api: Api) -> int:
    url = api.post("images/generations", {**BODY, "response_format": "url"}).json()["data"][0]["url"]
    return api.client.get(url).status_code


def _status(**fields: Any) -> Probe:
    return lambda api: api.post("images/generations", {**BODY, **fields}).status_code


PROBES: dict[str, tuple[dict[str, Any], Probe]] = {
    "images.absent": ({}, _status()),
    "images.b64_not_image": ({}, _image),
    "images.size_ignored": ({}, _image),
    "images.size_swapped": ({}, lambda api: _image(api, size="128x64")),
    "images.n_ignored": ({}, _count),
    "images.url_as_b64": ({}, lambda api: _image(api, response_format="url")),
    "images.url_dead": ({}, _url_status),
    "images.output_format_ignored": ({}, lambda api: _image(api, output_format="jpeg")),
    "images.jpeg_by_default": ({}, _image),
    "images.background_ignored": ({}, lambda api: _image(api, background="transparent")),
    "images.quality_ignored": ({}, lambda api: api.post("images/generations", {**BODY, "quality": "low"}).json().get("quality")),
    "images.invalid_size_accepted": ({}, _status(size="big")),
    "images.prompt_optional": ({}, _status(prompt=None)),
    "images.error_string": ({}, lambda api: api.post("images/generations", {**BODY, "size": "big"}).json()),
}
