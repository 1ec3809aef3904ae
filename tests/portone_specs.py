"""PortOne's published API schemas, turned into JSON Schema validators for the contract tests.

The schemas are PortOne's own files (``shared/portone-specs``, copied from
portone-io/developers.portone.io ``src/schema/``), found beside the checkout or
named by ``PORTONE_SPECS_DIR``. The package never reads them, and the repository
holds no copy: where they are absent (a user's checkout) the tests skip.

Two translations, both explained where they happen:

- V1 is Swagger 2.0, which cannot say "nullable". PortOne sends ``null`` for what
  it has not (``message`` of every success envelope in its docs; ``gender`` and
  ``foreigner_v2`` in real results; the schema's own text says ``foreigner_v2`` is
  null when unknown), so a property outside ``required`` also accepts null.
  ``maxLength`` is written as a string there and becomes the integer it means.
- V2 is OpenAPI 3 with discriminated unions (``status`` of an identity
  verification, ``type`` of an error). ``oneOf`` cannot tell the variants apart
  (a VERIFIED answer may also fit READY's shape), so the discriminator picks
  the variant, as PortOne's SDKs do.

Both are made strict where PortOne's are silent: an object may hold only the
properties its schema declares (the fake must not invent fields).
"""

from __future__ import annotations

import copy
import json
import os
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

#: What the V1 schema hides but PortOne still sends (see SOURCE.md): the deprecated ``birth``.
V1_HIDDEN = {"CertificationAnnotation": {"birth": {"type": "integer"}}}


def specs_dir() -> Path | None:
    named = os.environ.get("PORTONE_SPECS_DIR")
    if named:
        return Path(named) if (Path(named) / "v2.openapi.json").is_file() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "portone-specs"
        if (candidate / "v2.openapi.json").is_file():
            return candidate
    return None


SKIP_REASON = (
    "PortOne's published schemas are not beside this checkout (../shared/portone-specs): "
    "set PORTONE_SPECS_DIR to a copy of developers.portone.io src/schema/ to run these"
)
needs_specs = pytest.mark.skipif(specs_dir() is None, reason=SKIP_REASON)


@cache
def load(name: str) -> dict[str, Any]:
    folder = specs_dir()
    assert folder is not None, SKIP_REASON
    data: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
    return data


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()

    @checker.checks("date", raises=ValueError)
    def is_date(value: object) -> bool:
        return not isinstance(value, str) or (
            len(value) == 10 and date.fromisoformat(value) is not None
        )

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return "T" in value and parsed.tzinfo is not None

    return checker


FORMATS = _format_checker()


# --- V1: Swagger 2.0 ---


def _v1_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_v1_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _v1_schema(value) for key, value in node.items() if not key.startswith("x-")}
    for key in ("maxLength", "minLength"):
        if isinstance(out.get(key), str):
            out[key] = int(out[key])
    if isinstance(out.get("properties"), dict):
        required = set(out.get("required", ()))
        out["properties"] = {
            name: prop if name in required else {"anyOf": [prop, {"type": "null"}]}
            for name, prop in out["properties"].items()
        }
    return out


@cache
def v1_definitions() -> dict[str, Any]:
    definitions = copy.deepcopy(load("v1.openapi.json")["definitions"])
    for name, extra in V1_HIDDEN.items():
        definitions[name]["properties"].update(extra)
    converted: dict[str, Any] = _v1_schema(definitions)
    # Strict: the records PortOne describes field by field hold nothing else.
    for name in ("CertificationAnnotation", "AuthAnnotation"):
        converted[name]["additionalProperties"] = False
    return converted


def v1_validator(path: str, method: str, status: int) -> jsonschema.Draft4Validator:
    """The schema of one documented answer of ``paths[path][method]``."""
    responses = load("v1.openapi.json")["paths"][path][method]["responses"]
    documented = responses.get(str(status))
    if documented is None:
        raise LookupError(f"{method.upper()} {path} documents no {status}")
    # Answers documented without a schema (401, 404) still come in PortOne's envelope.
    schema = documented.get("schema") or {
        "allOf": [
            {"$ref": "#/definitions/ResponseAnnotation"},
            {"properties": {"response": {"type": "null"}}},
        ]
    }
    return jsonschema.Draft4Validator(
        {**schema, "definitions": v1_definitions()}, format_checker=FORMATS
    )


# --- V2: OpenAPI 3 ---


def _v2_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_v2_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _v2_schema(value) for key, value in node.items() if not key.startswith("x-")}
    discriminator = out.pop("discriminator", None)
    if discriminator and "oneOf" in out:
        prop, mapping = discriminator["propertyName"], discriminator["mapping"]
        del out["oneOf"]
        out["required"] = sorted({*out.get("required", ()), prop})
        out["properties"] = {prop: {"enum": sorted(mapping)}}
        out["allOf"] = [
            {"if": {"properties": {prop: {"const": value}}}, "then": {"$ref": ref}}
            for value, ref in sorted(mapping.items())
        ]
    elif isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False  # strict: nothing PortOne does not declare
    return out


@cache
def v2_components() -> dict[str, Any]:
    components: dict[str, Any] = _v2_schema(load("v2.openapi.json")["components"])
    return components


def v2_validator(path: str, method: str, status: int) -> jsonschema.Draft7Validator:
    responses = load("v2.openapi.json")["paths"][path][method]["responses"]
    documented = responses.get(str(status))
    if documented is None:
        raise LookupError(f"{method.upper()} {path} documents no {status}")
    schema = _v2_schema(documented["content"]["application/json"]["schema"])
    return jsonschema.Draft7Validator(
        {**schema, "components": v2_components()}, format_checker=FORMATS
    )


def v2_error_status(error_type: str, union: str = "GetIdentityVerificationError") -> int:
    """The HTTP status PortOne documents for an error ``type`` (``x-portone-status-code``)
    among the errors of one operation (``union``: ``SendIdentityVerificationError``, …)."""
    schemas = load("v2.openapi.json")["components"]["schemas"]
    mapping = schemas[union]["discriminator"]["mapping"]
    name = mapping[error_type].rsplit("/", 1)[-1]
    return int(schemas[name]["x-portone-status-code"])
