"""OpenAPI 3.1 at `/api/schema/`, generated from the routes' declarations (`api.routing`).

Each operation is what its declaration says and nothing else: the access level gives
`security`, the path, query and body models give the parameters and the request body,
the response models and the error statuses give `responses`, and the docstring gives the
summary (first line) and description. `?openapi=3.0` answers the same document rendered
as OpenAPI 3.0.3 (`api.openapi30`), for Swagger UI 4 on `/api/docs/` and other readers of
3.0 only.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, TypeAdapter
from typing_extensions import is_typeddict

from api.app_keys import SETTINGS
from api.auth import Access
from api.index import VERSION
from api.openapi30 import as_openapi_3_0
from api.routing import JSON, Endpoint, Routes, app_routes, declaration_of
from api.urls import server_base

routes = Routes()

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY = {
    Access.PUBLIC: [],
    Access.TOKEN_IGNORED: [],
    Access.OPTIONAL: [{}, {"bearerAuth": []}],
    Access.USER: [{"bearerAuth": []}],
    Access.STAFF: [{"bearerAuth": []}],
    Access.ENROLMENT: [{"bearerAuth": []}],
}
ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": 'Bearer realm="api"',
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until a new attempt can succeed",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


BINARY = {"type": "string", "format": "binary"}


def _component_name(kind: Any) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", kind.__name__)


def _is_named(kind: Any) -> bool:
    """A model or TypedDict: published once under `components.schemas`, referenced by $ref."""
    return isinstance(kind, type) and (issubclass(kind, BaseModel) or is_typeddict(kind))


class _Components:
    """Collects JSON schemas of models into `components.schemas`."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {
            "Detail": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            },
            "ValidationErrors": {
                "type": "object",
                "description": "Field name -> messages (non_field_errors for the whole body).",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        }

    def schema_of(self, kind: Any, mode: str) -> dict[str, Any]:
        """A schema for `kind`; models become $refs into components."""
        schema = TypeAdapter(kind).json_schema(mode=mode, ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
        for name, definition in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, definition)
        if _is_named(kind):
            name = _component_name(kind)
            self.schemas.setdefault(name, schema)
            return {"$ref": REF_TEMPLATE.format(model=name)}
        return schema

    def properties_of(self, model: type[BaseModel]) -> tuple[dict[str, Any], set[str]]:
        schema = model.model_json_schema(mode="validation", ref_template=REF_TEMPLATE)
        for name, definition in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, definition)
        return schema.get("properties", {}), set(schema.get("required", []))


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter is absent rather than null: drop the null alternative and the title."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    alternatives = schema.get("anyOf")
    if alternatives:
        kept = [alt for alt in alternatives if alt != {"type": "null"}]
        schema.pop("anyOf")
        if schema.get("default") is None:
            schema.pop("default", None)
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    return schema


def _parameters(endpoint: Endpoint, components: _Components) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for where, model in (("path", endpoint.path_params), ("query", endpoint.query)):
        if model is None:
            continue
        properties, required = components.properties_of(model)
        for name, schema in properties.items():
            schema = _without_null(schema)
            param = {
                "name": name,
                "in": where,
                "required": where == "path" or name in required,
                "schema": schema,
            }
            if "description" in schema:
                param["description"] = schema["description"]
            parameters.append(param)
    return parameters


def _content(endpoint: Endpoint, model: Any, components: _Components) -> dict[str, Any]:
    if JSON in endpoint.media_types:
        return {JSON: {"schema": components.schema_of(model, "serialization")}}
    return {
        media: {"schema": {"type": "string"} if media.startswith("text/") else BINARY}
        for media in endpoint.media_types
    }


def _responses(endpoint: Endpoint, components: _Components) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, model in endpoint.successes.items():
        description = "Success" if status == endpoint.status else HTTPStatus(status).phrase
        responses[str(status)] = {
            "description": description,
            "content": _content(endpoint, model, components),
        }
    for status, description in endpoint.errors.items():
        ref = "ValidationErrors" if status == 400 else "Detail"
        schema = {"$ref": f"#/components/schemas/{ref}"}
        if status in endpoint.error_models:
            schema = components.schema_of(endpoint.error_models[status], "validation")
        response: dict[str, Any] = {
            "description": description,
            "content": {JSON: {"schema": schema}},
        }
        if status in ERROR_HEADERS:
            response["headers"] = ERROR_HEADERS[status]
        responses[str(status)] = response
    return dict(sorted(responses.items()))


def _operation(endpoint: Endpoint, components: _Components) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary or f"{endpoint.method} {endpoint.canonical}",
        "tags": [endpoint.tag],
    }
    if endpoint.description:
        op["description"] = endpoint.description
    parameters = _parameters(endpoint, components)
    if parameters:
        op["parameters"] = parameters
    if endpoint.body is not None:
        # No body at all is an empty object: required only when some field is.
        fields = endpoint.body.model_fields.values()
        op["requestBody"] = {
            "required": any(field.is_required() for field in fields),
            "content": {JSON: {"schema": components.schema_of(endpoint.body, "validation")}},
        }
    op["responses"] = _responses(endpoint, components)
    op["security"] = SECURITY[endpoint.access]
    return op


def build_openapi(app: web.Application, server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `app`'s declared routes as served at `server_url`.

    A route mounted without a declaration (the bot's webhook, in webhook mode) is no part
    of the API and is left out.
    """
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in sorted(app_routes(app), key=lambda r: (r[1], r[0])):
        endpoint = declaration_of(handler)
        if endpoint is not None:
            paths.setdefault(path, {})[method] = _operation(endpoint, components)
    settings = app[SETTINGS]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{settings.practice_name} API",
            "version": VERSION,
            "description": (
                "Therapy session booking: accounts, appointment requests, scheduling with "
                'private Jitsi rooms. Errors are JSON: {"detail": ...}, or {"field": [...]} '
                f"for 400. Days and time slots are in {settings.practice_timezone}."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


class SchemaQuery(BaseModel):
    openapi: Literal["3.1", "3.0"] = Field(
        "3.1", description="3.0: the same document rendered as OpenAPI 3.0.3."
    )


@routes.endpoint(
    "GET",
    "/api/schema/",
    access=Access.PUBLIC,
    query=SchemaQuery,
    response=dict[str, Any],
    tag="schema",
)
async def openapi_schema(request: web.Request, *, query: SchemaQuery) -> dict[str, Any]:
    """The OpenAPI document of this API (3.1; 3.0.3 with `?openapi=3.0`)."""
    document = build_openapi(request.app, server_base(request))
    return as_openapi_3_0(document) if query.openapi == "3.0" else document
