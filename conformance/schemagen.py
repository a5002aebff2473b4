"""Derive self-contained JSON Schemas (draft 2020-12) from OpenAI's OpenAPI 3.1 spec.

Run ``python -m conformance.schemagen`` to regenerate ``schemas/openai`` and
``python -m conformance.schemagen --check`` to verify the committed files are current.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DIALECT = "https://json-schema.org/draft/2020-12/schema"
SOURCE_REPOSITORY = "openai/openai-openapi"
COMPONENT_PREFIX = "#/components/schemas/"
PROVENANCE_FILE = "PROVENANCE.json"

# Components shipped as top-level schema files; extend freely, dependencies follow automatically.
COMPONENTS: tuple[str, ...] = (
    # Chat Completions
    "CreateChatCompletionRequest", "CreateChatCompletionResponse", "CreateChatCompletionStreamResponse",
    "ChatCompletionRequestMessage", "ChatCompletionTool", "ChatCompletionMessageToolCall",
    "ChatCompletionTokenLogprob",
    # Responses; CompoundFilter is self-recursive, so it also exercises the root "#" self-reference
    "CreateResponse", "Response", "CompoundFilter",
    # Completions, embeddings, models, errors
    "CreateCompletionRequest", "CreateCompletionResponse", "CreateEmbeddingRequest", "CreateEmbeddingResponse",
    "ListModelsResponse", "Model", "DeleteModelResponse", "ErrorResponse", "Error",
    # Responses streaming
    "ResponseStreamEvent",
    # Audio: speech and transcription
    "CreateSpeechRequest", "CreateSpeechResponseStreamEvent",
    "CreateTranscriptionRequest", "CreateTranscriptionResponseJson", "CreateTranscriptionResponseVerboseJson",
    "CreateTranscriptionResponseStreamEvent",
    # Images
    "CreateImageRequest", "ImagesResponse",
)

# Keywords whose value is a subschema, a list of subschemas, or a name -> subschema map.
# Everything else (enum, const, default, required, ...) is data and must not be walked.
SINGLE_SCHEMA_KEYS = frozenset({"items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
                                "not", "if", "then", "else", "contains", "propertyNames"})
SCHEMA_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAP_KEYS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})

STRIPPED_KEYS = frozenset({"description", "discriminator", "example", "externalDocs", "xml"})
# Kept on the outer schema when a nullable schema has to be wrapped in anyOf.
ANNOTATION_KEYS = frozenset({"title", "default", "deprecated", "readOnly", "writeOnly", "examples", "$comment"})
# With any of these present, adding "null" to `type` would still reject null.
APPLICATOR_KEYS = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "const"})

Schema = Any  # a dict, or a boolean schema
TRANSFORMATIONS = (
    "OpenAPI component refs '#/components/schemas/X' rewritten to '#/$defs/X' ('#' for the root component)",
    "keywords stripped: description, x-*, discriminator, example, externalDocs, xml, map-valued examples",
    "nullable: true converted to JSON Schema null (type/enum extended, else anyOf with {type: null})",
    "$recursiveRef '#' rewritten to a $ref to the enclosing component; $recursiveAnchor and $id removed",
)


@dataclass
class Stats:
    """Counts of the transformations applied to the unique components derived."""

    nullable_converted: int = 0
    nullable_false_removed: int = 0
    recursive_ref_rewritten: int = 0
    recursive_anchor_removed: int = 0
    ids_removed: int = 0
    keys_stripped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Return the counts as a JSON-ready dict."""
        return {**asdict(self), "keys_stripped": dict(self.keys_stripped),
                "keys_stripped_total": sum(self.keys_stripped.values())}


def map_subschemas(node: Schema, fn: Callable[[Schema], Schema]) -> Schema:
    """Return a shallow copy of a schema with `fn` applied to each direct subschema."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in SINGLE_SCHEMA_KEYS:
            out[key] = [fn(v) for v in value] if isinstance(value, list) else fn(value)
        elif key in SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [fn(v) for v in value]
        elif key in SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {name: fn(v) for name, v in value.items()}
        else:
            out[key] = value
    return out


def subschemas(node: dict[str, Any]) -> Iterator[Schema]:
    """Yield the direct subschemas of a schema dict."""
    for key, value in node.items():
        if key in SINGLE_SCHEMA_KEYS:
            yield from value if isinstance(value, list) else (value,)
        elif key in SCHEMA_LIST_KEYS and isinstance(value, list):
            yield from value
        elif key in SCHEMA_MAP_KEYS and isinstance(value, dict):
            yield from value.values()


def iter_schemas(node: Schema) -> Iterator[dict[str, Any]]:
    """Yield every schema dict in a schema tree, root first."""
    if isinstance(node, dict):
        yield node
        for child in subschemas(node):
            yield from iter_schemas(child)


def _is_stripped(key: str, value: Any) -> bool:
    # OpenAPI's `examples` is a map of Example objects; JSON Schema's is an array and is kept.
    return key in STRIPPED_KEYS or key.startswith("x-") or (key == "examples" and isinstance(value, dict))


def make_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Return `schema` changed so that it also accepts null."""
    if not APPLICATOR_KEYS & schema.keys():
        # without a type, keywords such as properties or minimum ignore null, so only enum needs it
        if "type" in schema:
            types = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            schema["type"] = types if "null" in types else [*types, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    outer = {k: v for k, v in schema.items() if k in ANNOTATION_KEYS}
    inner = {k: v for k, v in schema.items() if k not in ANNOTATION_KEYS}
    if set(inner) == {"anyOf"}:
        # anyOf tolerates overlapping branches, so a null branch can simply be appended
        if {"type": "null"} not in inner["anyOf"]:
            inner["anyOf"] = [*inner["anyOf"], {"type": "null"}]
        return {**outer, **inner}
    return {**outer, "anyOf": [inner, {"type": "null"}]}


def clean_schema(node: Schema, component: str, stats: Stats) -> Schema:
    """Return an OpenAPI schema converted to plain JSON Schema 2020-12, counting changes."""
    node = map_subschemas(node, lambda child: clean_schema(child, component, stats))
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if _is_stripped(key, value):
            stats.keys_stripped[key] += 1
        elif key == "$id":
            stats.ids_removed += 1  # urn ids would rebase "#/$defs/..." refs below them
        elif key == "$recursiveAnchor":
            stats.recursive_anchor_removed += 1
        elif key == "$recursiveRef":
            if value != "#":
                raise ValueError(f"{component}: unsupported $recursiveRef {value!r}")
            # the anchor sits on the component root, so "#" means the enclosing component
            stats.recursive_ref_rewritten += 1
            out["$ref"] = COMPONENT_PREFIX + component
        else:
            out[key] = value
    nullable = out.pop("nullable", None)
    if nullable is True:
        stats.nullable_converted += 1
        return make_nullable(out)
    if nullable is False:
        stats.nullable_false_removed += 1
    return out


def component_refs(node: Schema) -> set[str]:
    """Return the names of the components a schema refers to."""
    refs = set()
    for sub in iter_schemas(node):
        ref = sub.get("$ref")
        if isinstance(ref, str) and ref.startswith(COMPONENT_PREFIX):
            refs.add(ref[len(COMPONENT_PREFIX):])
    return refs


def _reachable(roots: Iterable[str], edges: Callable[[str], Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(edges(name))
    return seen


def clean_components(spec_schemas: Mapping[str, Schema], roots: Sequence[str], stats: Stats) -> dict[str, Schema]:
    """Clean every component reachable from `roots`, each once."""
    cleaned: dict[str, Schema] = {}

    def visit(name: str) -> set[str]:
        if name not in spec_schemas:
            raise ValueError(f"component {name!r} not found in the spec")
        cleaned[name] = clean_schema(spec_schemas[name], name, stats)
        return component_refs(cleaned[name])

    _reachable(roots, visit)
    return cleaned


def closure(root: str, cleaned: Mapping[str, Schema]) -> set[str]:
    """Return the components transitively referenced from `root`, including itself."""
    return _reachable([root], lambda name: component_refs(cleaned[name]))


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def rewrite_refs(node: Schema, root: str) -> Schema:
    """Return a schema with component refs pointing into a document rooted at `root`."""
    node = map_subschemas(node, lambda child: rewrite_refs(child, root))
    if not isinstance(node, dict) or "$ref" not in node:
        return node
    ref = node["$ref"]
    if not ref.startswith(COMPONENT_PREFIX):
        raise ValueError(f"{root}: ref {ref!r} would not be self-contained")
    target = ref[len(COMPONENT_PREFIX):]
    return {**node, "$ref": "#" if target == root else "#/$defs/" + _pointer_token(target)}


def build_document(root: str, cleaned: Mapping[str, Schema]) -> dict[str, Any]:
    """Return the self-contained schema document for one component."""
    body = rewrite_refs(cleaned[root], root)
    if not isinstance(body, dict) or {"$defs", "$schema"} & body.keys():
        raise ValueError(f"{root}: cannot be a document root")
    doc = {"$schema": DIALECT, **body}
    defs = sorted(closure(root, cleaned) - {root})
    if defs:
        doc["$defs"] = {name: rewrite_refs(cleaned[name], root) for name in defs}
    return doc


def dump(obj: Any) -> bytes:
    """Serialise deterministically so that a re-run is byte-identical."""
    return (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode("ascii")


def read_source_info(spec_path: Path) -> dict[str, str]:
    """Return commit and date recorded in SOURCE.md beside the spec, if any."""
    source_md = spec_path.parent / "SOURCE.md"
    if not source_md.is_file():
        return {}
    text = source_md.read_text(encoding="utf-8")
    info = {}
    if commit := re.search(r"\b[0-9a-f]{40}\b", text):
        info["commit"] = commit.group(0)
    if date := re.search(r"\b\d{4}-\d{2}-\d{2}\b", text):
        info["date"] = date.group(0)
    return info


def derive(spec_path: Path, commit: str | None = None, date: str | None = None,
           components: Sequence[str] = COMPONENTS) -> dict[str, bytes]:
    """Return file name -> content for every schema file plus PROVENANCE.json."""
    raw = spec_path.read_bytes()
    spec, source = json.loads(raw), read_source_info(spec_path)
    commit, date = commit or source.get("commit"), date or source.get("date")
    if not commit or not date:
        raise ValueError(f"source commit/date unknown: no SOURCE.md beside {spec_path}; pass --commit and --date")
    stats = Stats()
    cleaned = clean_components(spec["components"]["schemas"], components, stats)
    files = {f"{name}.json": dump(build_document(name, cleaned)) for name in components}
    files[PROVENANCE_FILE] = dump({
        "components": sorted(components),
        "components_total_with_dependencies": len(cleaned),
        "generator": "python -m conformance.schemagen",
        "json_schema_dialect": DIALECT,
        "source": {"commit": commit, "date": date, "file": spec_path.name,
                   "repository": SOURCE_REPOSITORY, "sha256": hashlib.sha256(raw).hexdigest()},
        "spec": {"license": spec["info"].get("license", {}).get("identifier"), "openapi": spec.get("openapi"),
                 "title": spec["info"]["title"], "version": spec["info"]["version"]},
        "transformations": {"applied": list(TRANSFORMATIONS), "counts": stats.as_dict()},
    })
    return files


def differences(out_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Return human-readable differences between `out_dir` and the files it should hold."""
    existing = {p.name for p in out_dir.glob("*.json")} if out_dir.is_dir() else set()
    diffs = [f"missing: {name}" for name in sorted(files.keys() - existing)]
    diffs += [f"unexpected: {name}" for name in sorted(existing - files.keys())]
    diffs += [f"changed: {name}" for name in sorted(files.keys() & existing)
              if (out_dir / name).read_bytes() != files[name]]
    return diffs


def write(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write the files and remove stale *.json files, since the directory is fully generated."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, content in files.items():
        (out_dir / name).write_bytes(content)


def default_spec_path() -> Path:
    """Return the spec path from OAI_OPENAPI_SPEC, else the shared checkout beside the repo."""
    env = os.environ.get("OAI_OPENAPI_SPEC")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "openai-openapi" / "openapi.json"


def main(argv: Sequence[str] | None = None) -> int:
    """Generate (or with --check, verify) the derived schemas; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m conformance.schemagen", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI JSON file (default: $OAI_OPENAPI_SPEC or ../shared/openai-openapi/openapi.json)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "schemas" / "openai", help="output directory")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ")
    parser.add_argument("--commit", help="source commit (default: read from SOURCE.md beside the spec)")
    parser.add_argument("--date", help="source commit date (default: read from SOURCE.md beside the spec)")
    args = parser.parse_args(argv)
    spec_path = args.spec or default_spec_path()
    if not spec_path.is_file():
        print(f"spec not found: {spec_path} (set --spec or OAI_OPENAPI_SPEC)", file=sys.stderr)
        return 2
    try:
        files = derive(spec_path, args.commit, args.date)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.check:
        diffs = differences(args.out, files)
        print("\n".join([*diffs, f"{len(diffs)} difference(s) in {args.out}" if diffs else f"{args.out} is up to date"]))
        return 1 if diffs else 0
    write(args.out, files)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
