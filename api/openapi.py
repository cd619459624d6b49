"""OpenAPI 3.1 at `/api/schema/`, generated from the app's router and the pydantic models the
handlers validate with; a browsable page at `/api/docs/` whose assets the app serves itself.

One source of truth: for every route the generator reads the handler. Request bodies and
query parameters come from the models passed to `parse_body(request, Model)` /
`parse_query(request, Model)` (found in the handler's source and resolved in its module),
the access level from `require_staff` / `require_user`, the summary from the docstring.
Handlers may add what their source cannot say with `@documented(...)` (response model,
success status, extra error statuses, tag).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from api.docs_assets import DOCS_CSS, DOCS_HTML, DOCS_JS
from api.keys import SETTINGS

routes = web.RouteTableDef()

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_DESCRIPTIONS = {
    409: "Conflict with the current state",
    429: "Too many requests (see Retry-After)",
}
METHODS = ("get", "put", "post", "delete", "patch", "options", "trace")


@dataclass(frozen=True)
class OperationDoc:
    """What a handler's source cannot say about it."""

    response: Any = None
    status: int | None = None
    tag: str | None = None
    auth: str | None = None  # "none", "optional", "user", "staff"
    errors: tuple[int, ...] = ()


def documented(
    *,
    response: Any = None,
    status: int | None = None,
    tag: str | None = None,
    auth: str | None = None,
    errors: Iterable[int] = (),
) -> Callable[[Any], Any]:
    """Attach documentation to a handler (it is returned unchanged otherwise)."""

    def mark(handler: Any) -> Any:
        handler.__openapi__ = OperationDoc(response, status, tag, auth, tuple(errors))
        return handler

    return mark


# --- reading a handler ------------------------------------------------------------------------

_PARSE_RE = re.compile(r"\b(parse_body|parse_query)\(\s*request\s*,\s*([A-Za-z_][\w.]*)\s*[,)]")
_VALIDATE_RE = re.compile(r"\b([A-Za-z_]\w*)\.model_validate(?:_json)?\(")
_STATUS_RE = re.compile(r"\bstatus\s*=\s*(20[0-9])\b")
_PATH_PARAM_RE = re.compile(r"\{([A-Za-z_]\w*)\}")


@dataclass
class HandlerFacts:
    summary: str = ""
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    auth: str = "none"
    status: int = 200
    response: Any = None
    tag: str | None = None
    errors: tuple[int, ...] = ()
    path_params: list[str] = field(default_factory=list)


def _resolve(handler: Any, dotted: str) -> Any:
    scope: Any = getattr(handler, "__globals__", {})
    parts = dotted.split(".")
    value = scope.get(parts[0]) if isinstance(scope, dict) else None
    for part in parts[1:]:
        value = getattr(value, part, None)
    return value


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def read_handler(handler: Any) -> HandlerFacts:
    """Facts about one handler from its docstring, its source and `@documented`."""
    facts = HandlerFacts()
    target = inspect.unwrap(handler)
    doc = inspect.getdoc(target) or ""
    facts.summary, _, rest = doc.partition("\n")
    facts.description = rest.strip()
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        source = ""
    for helper, name in _PARSE_RE.findall(source):
        model = _resolve(target, name)
        if _is_model(model):
            if helper == "parse_body":
                facts.body = model
            else:
                facts.query = model
    if facts.body is None:
        for name in _VALIDATE_RE.findall(source):
            model = _resolve(target, name)
            if _is_model(model):
                facts.body = model
                break
    if "require_staff(" in source:
        facts.auth = "staff"
    elif "require_user(" in source:
        facts.auth = "user"
    elif "current_user(" in source:
        facts.auth = "optional"
    statuses = _STATUS_RE.findall(source)
    if statuses:
        facts.status = int(statuses[0])
    marked: OperationDoc | None = getattr(target, "__openapi__", None)
    if marked is not None:
        facts.response = marked.response
        facts.tag = marked.tag
        facts.errors = marked.errors
        if marked.status is not None:
            facts.status = marked.status
        if marked.auth is not None:
            facts.auth = marked.auth
    return facts


# --- building the document --------------------------------------------------------------------


def _component_name(model: type[BaseModel]) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", model.__name__)


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
        if _is_model(kind):
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
    """A query parameter is absent rather than null: drop the null alternative and title."""
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


def _error(description: str, ref: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _operation(
    method: str, path: str, handler: Any, components: _Components, ids: set[str]
) -> dict[str, Any]:
    facts = read_handler(handler)
    tag = facts.tag or (path.strip("/").split("/")[1] if path.count("/") > 2 else "service")
    operation_id = getattr(handler, "__name__", "handler")
    if operation_id in ids:
        operation_id = f"{operation_id}_{method}"
    while operation_id in ids:
        operation_id += "_"
    ids.add(operation_id)
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": facts.summary or f"{method.upper()} {path}",
        "tags": [tag],
    }
    if facts.description:
        op["description"] = facts.description
    parameters: list[dict[str, Any]] = []
    for name in _PATH_PARAM_RE.findall(path):
        schema: dict[str, Any] = {"type": "string"}
        if name.endswith("_id"):
            schema["format"] = "uuid"
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if facts.query is not None:
        properties, required = components.properties_of(facts.query)
        for name, schema in properties.items():
            schema = _without_null(schema)
            param = {"name": name, "in": "query", "required": name in required, "schema": schema}
            if "description" in schema:
                param["description"] = schema["description"]
            parameters.append(param)
    if parameters:
        op["parameters"] = parameters
    if facts.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": components.schema_of(facts.body, "validation")}
            },
        }
    success: dict[str, Any] = {"description": "Success"}
    if facts.response is not None:
        success["content"] = {
            "application/json": {"schema": components.schema_of(facts.response, "serialization")}
        }
    responses: dict[str, Any] = {str(facts.status): success}
    if facts.body is not None or facts.query is not None:
        responses["400"] = _error("Invalid input", "ValidationErrors")
    if facts.auth in ("user", "staff", "optional"):
        responses["401"] = _error("Missing, invalid or expired access token", "Detail")
    if facts.auth == "staff":
        responses["403"] = _error("Staff only", "Detail")
    if "{" in path:
        responses["404"] = _error("Not found (or not yours)", "Detail")
    for code in facts.errors:
        responses[str(code)] = _error(ERROR_DESCRIPTIONS.get(code, "Refused"), "Detail")
    op["responses"] = responses
    if facts.auth in ("user", "staff"):
        op["security"] = [{"bearerAuth": []}]
    elif facts.auth == "optional":
        op["security"] = [{}, {"bearerAuth": []}]
    else:
        op["security"] = []
    return op


def app_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every route, HEAD twins of GET left out."""
    found = []
    for route in app.router.routes():
        method = route.method.lower()
        if method not in METHODS:
            continue
        resource = route.resource
        if resource is None:
            continue
        found.append((method, resource.canonical, route.handler))
    return found


def build_openapi(app: web.Application, server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `app` as served at `server_url`."""
    components = _Components()
    ids: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in sorted(app_routes(app), key=lambda r: (r[1], r[0])):
        paths.setdefault(path, {})[method] = _operation(method, path, handler, components, ids)
    settings = app[SETTINGS]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{settings.practice_name} API",
            "version": API_VERSION,
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


# --- handlers ---------------------------------------------------------------------------------

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _server_url(request: web.Request) -> str:
    configured = request.app[SETTINGS].public_base_url
    return configured or f"{request.scheme}://{request.host}"


@routes.get("/api/schema/")
async def openapi_schema(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of this API."""
    return web.json_response(build_openapi(request.app, _server_url(request)))


@routes.get("/api/docs/")
async def docs_page(request: web.Request) -> web.Response:
    """Browsable documentation (rendered from /api/schema/ by a script served here)."""
    return web.Response(
        text=DOCS_HTML, content_type="text/html", headers={"Content-Security-Policy": CSP}
    )


@routes.get("/api/docs/docs.js")
async def docs_script(request: web.Request) -> web.Response:
    """The documentation page's script."""
    return web.Response(text=DOCS_JS, content_type="application/javascript")


@routes.get("/api/docs/docs.css")
async def docs_style(request: web.Request) -> web.Response:
    """The documentation page's style sheet."""
    return web.Response(text=DOCS_CSS, content_type="text/css")
