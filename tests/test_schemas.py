"""Tests for the derived OpenAI JSON Schemas, their generator and their runtime loader."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from conformance import schemagen, schemas

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "openai"
SCHEMA_FILES = sorted(p for p in SCHEMA_DIR.glob("*.json") if p.name != schemagen.PROVENANCE_FILE)
FORBIDDEN = {"nullable", "$recursiveRef", "$recursiveAnchor", "$id", "description", "discriminator", "example",
             "externalDocs", "xml"}
# Their values are instance data (or names), not keywords, so their keys must not be inspected.
DATA_KEYWORDS = {"enum", "const", "default", "examples", "required"}
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def keyword_dicts(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every dict whose keys are keywords, skipping property-name maps and instance data."""
    if isinstance(node, list):
        for item in node:
            yield from keyword_dicts(item)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key in SCHEMA_MAPS:
                for sub in value.values():
                    yield from keyword_dicts(sub)
            elif key not in DATA_KEYWORDS:
                yield from keyword_dicts(value)


def _is_valid(name: str, instance: Any) -> bool:
    return schemas.validator(name).is_valid(instance)


def _errors(name: str, instance: Any) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in schemas.validator(name).iter_errors(instance)]


# --- shipped files -------------------------------------------------------------------------------

def test_every_listed_component_is_shipped() -> None:
    assert {p.stem for p in SCHEMA_FILES} == set(schemagen.COMPONENTS)
    assert schemas.names() == sorted(schemagen.COMPONENTS)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_schema_is_valid_draft_2020_12(path: Path) -> None:
    doc = _load(path)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(doc)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_no_openapi_only_keywords_remain(path: Path) -> None:
    found = [(k, sorted(d)) for d in keyword_dicts(_load(path)) for k in d if k in FORBIDDEN or k.startswith("x-")]
    assert found == []


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_every_ref_resolves_inside_its_file(path: Path) -> None:
    doc = _load(path)
    resolver = Registry().with_resource("urn:test", DRAFT202012.create_resource(doc)).resolver("urn:test")
    refs = {d["$ref"] for d in keyword_dicts(doc) if "$ref" in d}
    assert all(ref == "#" or ref.startswith("#/$defs/") for ref in refs), refs
    for ref in refs:
        resolver.lookup(ref)  # raises referencing.exceptions.Unresolvable on a dangling ref


def test_property_named_description_survives_stripping() -> None:
    function = schemas.schema("ChatCompletionTool")["$defs"]["FunctionObject"]
    assert function["properties"]["description"] == {"type": "string"}
    tool = {"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                             "parameters": {"type": "object", "properties": {}}}}
    assert _is_valid("ChatCompletionTool", tool)


def test_provenance_records_source_and_counts() -> None:
    prov = schemas.provenance()
    assert prov["source"]["repository"] == "openai/openai-openapi"
    assert len(prov["source"]["commit"]) == 40 and len(prov["source"]["sha256"]) == 64
    assert prov["spec"]["title"] == "OpenAI API" and prov["spec"]["version"]
    assert prov["components"] == sorted(schemagen.COMPONENTS)
    counts = prov["transformations"]["counts"]
    assert counts["nullable_converted"] > 0 and counts["recursive_ref_rewritten"] >= 1
    assert counts["keys_stripped_total"] == sum(counts["keys_stripped"].values())


# --- realistic instances -------------------------------------------------------------------------

CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello! How can I assist you today?",
                        "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "stop",
        },
        {
            "index": 1,
            "message": {"role": "assistant", "content": None, "refusal": None, "tool_calls": [
                {"id": "call_abc123", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
            "logprobs": None,
            "finish_reason": "tool_calls",
        },
    ],
    "usage": {
        "prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    },
    "service_tier": "default",
    "system_fingerprint": "fp_b376dfbbd5",
}


def _chunk(**choice: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1741569952,
            "model": "gpt-4.1-2025-04-14", "system_fingerprint": "fp_b376dfbbd5", "usage": None,
            "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": None, **choice}]}


def test_realistic_chat_completion_validates() -> None:
    assert _errors("CreateChatCompletionResponse", CHAT_COMPLETION) == []


def test_chat_completion_with_numeric_content_is_rejected() -> None:
    bad = copy.deepcopy(CHAT_COMPLETION)
    bad["choices"][0]["message"]["content"] = 123
    assert not _is_valid("CreateChatCompletionResponse", bad)


def test_converted_nullable_fields_accept_null() -> None:
    # these were `nullable: true` in the spec: usage ($ref), logprobs (object), finish_reason (enum)
    first = _chunk(delta={"role": "assistant", "content": "", "refusal": None})
    assert _errors("CreateChatCompletionStreamResponse", first) == []
    last = {**_chunk(), "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}
    assert _errors("CreateChatCompletionStreamResponse", last) == []


def test_converted_nullable_fields_keep_their_constraints() -> None:
    assert not _is_valid("CreateChatCompletionStreamResponse", _chunk(finish_reason="bogus"))
    assert not _is_valid("CreateChatCompletionStreamResponse", {**_chunk(), "usage": {"total_tokens": "x"}})
    assert not _is_valid("CreateChatCompletionStreamResponse", _chunk(logprobs="none"))


def test_nullable_request_fields_accept_null() -> None:
    request = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}],
               "stop": None, "temperature": None, "prediction": None}
    assert _errors("CreateChatCompletionRequest", request) == []
    assert _errors("CreateCompletionRequest", {"model": "gpt-3.5-turbo-instruct", "prompt": None}) == []


def test_error_response_validates() -> None:
    body = {"error": {"message": "Invalid model", "type": "invalid_request_error", "param": "model",
                      "code": "model_not_found"}}
    assert _errors("ErrorResponse", body) == []
    assert not _is_valid("ErrorResponse", {"error": "Invalid model"})


# --- the recursive filter (was $recursiveRef) ----------------------------------------------------

def _filter(inner_type: str) -> dict[str, Any]:
    return {"type": "and", "filters": [
        {"type": "eq", "key": "region", "value": "us"},
        {"type": inner_type, "filters": [{"type": "gte", "key": "date", "value": 1704067200},
                                         {"type": "in", "key": "tag", "value": ["a", "b"]}]},
    ]}


def _responses_request(filters: dict[str, Any]) -> dict[str, Any]:
    return {"model": "gpt-4.1", "input": "What is deep research?",
            "tools": [{"type": "file_search", "vector_store_ids": ["vs_123"], "filters": filters}]}


def test_recursive_filter_is_a_plain_ref() -> None:
    assert schemas.schema("CompoundFilter")["properties"]["filters"]["items"]["oneOf"][1] == {"$ref": "#"}
    nested = schemas.schema("CreateResponse")["$defs"]["CompoundFilter"]
    assert nested["properties"]["filters"]["items"]["oneOf"][1] == {"$ref": "#/$defs/CompoundFilter"}


def test_recursive_filter_validates_at_depth() -> None:
    assert _errors("CompoundFilter", _filter("or")) == []
    assert _errors("CreateResponse", _responses_request(_filter("or"))) == []


def test_recursive_filter_still_enforces_nested_levels() -> None:
    assert not _is_valid("CompoundFilter", _filter("xor"))
    assert not _is_valid("CreateResponse", _responses_request(_filter("xor")))


# --- the loader ----------------------------------------------------------------------------------

def test_validator_is_cached() -> None:
    assert schemas.validator("Model") is schemas.validator("Model")
    assert schemas.validator("openai/Model") is not None


def test_schema_returns_an_independent_copy() -> None:
    schemas.schema("Model")["properties"].clear()
    assert schemas.schema("Model")["properties"]


def test_schema_dir_and_bad_names() -> None:
    assert (schemas.schema_dir() / "openai" / "Model.json").is_file()
    with pytest.raises(ValueError):
        schemas.schema("../secrets")
    with pytest.raises(KeyError):
        schemas.schema("NoSuchComponent")


# --- the generator -------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    ({"type": "string"}, {"type": ["string", "null"]}),
    ({"type": ["integer", "string"]}, {"type": ["integer", "string", "null"]}),
    ({"type": "string", "enum": ["a"]}, {"type": ["string", "null"], "enum": ["a", None]}),
    ({"$ref": "#/x", "default": None}, {"default": None, "anyOf": [{"$ref": "#/x"}, {"type": "null"}]}),
    ({"anyOf": [{"type": "string"}], "title": "T"}, {"title": "T", "anyOf": [{"type": "string"}, {"type": "null"}]}),
    ({"oneOf": [{"type": "string"}]}, {"anyOf": [{"oneOf": [{"type": "string"}]}, {"type": "null"}]}),
    ({"properties": {}}, {"properties": {}}),
])
def test_make_nullable(given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert schemagen.make_nullable(copy.deepcopy(given)) == expected


def test_clean_schema_strips_keywords_not_property_names() -> None:
    source = {"type": "object", "description": "d", "x-oaiMeta": {}, "discriminator": {"propertyName": "t"},
              "properties": {"description": {"type": "string", "description": "d", "nullable": True}},
              "items": {"$recursiveRef": "#"}, "$recursiveAnchor": True, "$id": "urn:x"}
    stats = schemagen.Stats()
    assert schemagen.clean_schema(source, "Thing", stats) == {
        "type": "object", "properties": {"description": {"type": ["string", "null"]}},
        "items": {"$ref": "#/components/schemas/Thing"}}
    assert (stats.nullable_converted, stats.recursive_ref_rewritten, stats.ids_removed) == (1, 1, 1)
    assert sum(stats.keys_stripped.values()) == 4


def _spec_or_skip() -> Path:
    spec = schemagen.default_spec_path()
    if not spec.is_file():
        pytest.skip(f"OpenAI spec not found at {spec} (set OAI_OPENAPI_SPEC); drift cannot be checked offline")
    return spec


def test_whole_spec_converts_cleanly() -> None:
    all_schemas = json.loads(_spec_or_skip().read_text(encoding="utf-8"))["components"]["schemas"]
    cleaned = schemagen.clean_components(all_schemas, list(all_schemas), stats := schemagen.Stats())
    assert stats.nullable_converted + stats.nullable_false_removed > 100
    assert not [k for s in cleaned.values() for d in keyword_dicts(s) for k in d if k in FORBIDDEN]


def test_committed_schemas_match_a_fresh_derivation(tmp_path: Path) -> None:
    spec = _spec_or_skip()
    source = schemas.provenance()["source"]
    # pass the recorded commit/date so the check also works where SOURCE.md is absent
    argv = ["--spec", str(spec), "--commit", source["commit"], "--date", source["date"]]
    assert schemagen.main([*argv, "--out", str(tmp_path / "out")]) == 0
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    committed = {p.name: p.read_bytes() for p in SCHEMA_DIR.iterdir()}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert stale == [], "run `python -m conformance.schemagen` to regenerate"


def test_check_flag_reports_drift(tmp_path: Path) -> None:
    spec = _spec_or_skip()
    source = schemas.provenance()["source"]
    argv = ["--spec", str(spec), "--commit", source["commit"], "--date", source["date"]]
    copy_dir = tmp_path / "openai"
    shutil.copytree(SCHEMA_DIR, copy_dir)
    assert schemagen.main([*argv, "--out", str(copy_dir), "--check"]) == 0
    (copy_dir / "Model.json").write_text("{}\n")
    assert schemagen.main([*argv, "--out", str(copy_dir), "--check"]) == 1
