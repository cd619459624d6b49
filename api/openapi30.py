"""The API's OpenAPI 3.1 document rendered as OpenAPI 3.0.3, for readers of 3.0 only.

Swagger UI 4 (the `/api/docs/` page) and many client generators read no 3.1. The one
document is generated as 3.1 (pydantic writes JSON Schema 2020-12) and this rendering is
mechanical, losing nothing the API uses:

- `anyOf: [X, {"type": "null"}]` and `type: [X, "null"]` become X with `nullable: true`
  (a lone `$ref` goes under `allOf`, since 3.0 ignores a reference's siblings);
- `examples: [...]` in a schema becomes `example` (its first item); `const` becomes a
  one-item `enum`; numeric `exclusiveMinimum`/`exclusiveMaximum` become `minimum`/`maximum`
  with the boolean flag.
"""

from __future__ import annotations

from typing import Any

OPENAPI_3_0 = "3.0.3"
NULL = {"type": "null"}


def schema_3_0(schema: Any) -> Any:
    """One JSON Schema 2020-12 schema (with every schema inside it) as an OpenAPI 3.0 schema."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: schema_3_0(item) for name, item in value.items()}
        elif key in ("items", "not", "additionalProperties"):
            out[key] = schema_3_0(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [schema_3_0(item) for item in value]
        elif key == "examples" and isinstance(value, list):
            if value:
                out["example"] = value[0]
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        else:
            out[key] = value
    out = _nullable(out)
    if "$ref" in out and len(out) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}, *out.get("allOf", [])]
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        schema = {**schema, "nullable": True}
        if len(rest) == 1:
            schema["type"] = rest[0]
        else:
            del schema["type"]
            schema["anyOf"] = [{"type": k} for k in rest]
    for key in ("anyOf", "oneOf"):
        alternatives = schema.get(key)
        if not alternatives or NULL not in alternatives:
            continue
        rest = [alt for alt in alternatives if alt != NULL]
        schema = {k: v for k, v in schema.items() if k != key}
        schema["nullable"] = True
        if len(rest) == 1:
            # The one alternative's keywords, the outer ones (title, default...) winning.
            schema = {**rest[0], **schema}
        else:
            schema[key] = rest
    return schema


def _content_3_0(content: dict[str, Any]) -> dict[str, Any]:
    return {
        media: {**entry, "schema": schema_3_0(entry["schema"])} if "schema" in entry else entry
        for media, entry in content.items()
    }


def _operation_3_0(operation: dict[str, Any]) -> dict[str, Any]:
    out = dict(operation)
    if "parameters" in out:
        out["parameters"] = [
            {**param, "schema": schema_3_0(param["schema"])} for param in out["parameters"]
        ]
    if "requestBody" in out:
        body = out["requestBody"]
        out["requestBody"] = {**body, "content": _content_3_0(body["content"])}
    responses = {}
    for status, response in out["responses"].items():
        response = dict(response)
        if "content" in response:
            response["content"] = _content_3_0(response["content"])
        if "headers" in response:
            response["headers"] = {
                name: {**header, "schema": schema_3_0(header["schema"])}
                for name, header in response["headers"].items()
            }
        responses[status] = response
    out["responses"] = responses
    return out


def as_openapi_3_0(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (OpenAPI 3.1, as `api.openapi` builds it) rendered as OpenAPI 3.0.3."""
    components = document["components"]
    return {
        **document,
        "openapi": OPENAPI_3_0,
        "paths": {
            path: {method: _operation_3_0(op) for method, op in operations.items()}
            for path, operations in document["paths"].items()
        },
        "components": {
            **components,
            "schemas": {name: schema_3_0(s) for name, s in components["schemas"].items()},
        },
    }
