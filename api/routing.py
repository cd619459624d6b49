"""Every API route declared once: what it takes, who may call it, what it answers.

A declaration wraps its handler. At run time the wrapper authenticates the caller and
checks the access level, parses the path parameters, the query and the JSON body into the
declared pydantic models, calls the handler with them, and serialises what the handler
returns through the declared response model. `api.openapi` publishes the very same
declarations (and nothing else), so the document cannot drift from what a route does:

    routes = Routes()

    @routes.endpoint(
        "POST",
        f"{PREFIX}/appointments/{APPOINTMENT_ID}/cancel/",
        access=Access.USER,
        path_params=AppointmentPath,
        body=CancelRequest,
        response=AppointmentOut,
        errors={409: "The session can no longer be cancelled"},
        tag="appointments",
    )
    async def cancel_appointment(
        request: web.Request, *, user: User, path_params: AppointmentPath, body: CancelRequest
    ) -> AppointmentOut:
        "Cancel a session (the docstring's first line: the summary; the rest: description)."
        appointment = await appointments.cancel(..., path_params.appointment_id, ...)
        return render_appointment(...)

The handler gets `user` (OPTIONAL: `User | None`, USER and STAFF: `User`), `path_params`,
`query` and `body` exactly when the declaration names them, and returns the response
value (a model instance or plain data the model validates), or `Reply(value, status)` for
a status declared in `answers`. Routes of another media type (the docs page) declare
`media_type` and return an aiohttp response of that type.

The error statuses follow from the declaration: 400 with a body or query, 401 whenever a
token is read (a bad one is refused even where none is needed), 403 for staff routes,
404 with path parameters (an id that does not parse is not found, as Django's `<uuid:pk>`
converter has it), 413 and 415 (not application/json) with a body; `errors` adds what only
the service knows (409, 429, a 401 of the sign-in routes, the 404 of a page past the end).
A route that answers a status its declaration does not list raises the `UndeclaredStatus`
warning (an error under the tests' `filterwarnings = error`).
"""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from api.auth import Access, authenticate, refusal_models
from api.parsing import parse_model, read_json
from booking.errors import NotFound

JSON = "application/json"
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])

ERROR_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Missing, invalid or expired access token",
    403: "Staff only (under STAFF_REQUIRE_2FA: enrolled in two-step sign-in)",
    404: "Not found (or not yours)",
    409: "Conflict with the current state",
    413: "Request body too large (over 1 MB)",
    415: "Unsupported media type: the body must be sent as application/json",
    429: "Too many requests (see Retry-After)",
}
TOKEN_NOT_NEEDED = "Invalid or expired access token (none is needed, but one sent must be valid)"


class UndeclaredStatus(RuntimeWarning):
    """A route answered a status its declaration does not list: the published contract lied."""


@dataclass(frozen=True)
class Reply:
    """A handler's answer with another status than the declared success (see `answers`)."""

    value: Any
    status: int


@dataclass(frozen=True)
class Prerendered:
    """A handler's JSON answer rendered beforehand (kept by a cache): sent as it is.

    `prerender(response_model, value)` makes one, validated against the model the route
    declares, so a cached body says exactly what a freshly rendered one would.
    """

    body: bytes
    status: int = 200


def prerender(model: Any, value: Any, status: int = 200) -> Prerendered:
    adapter = _adapter(model)
    return Prerendered(adapter.dump_json(adapter.validate_python(value)), status)


_ADAPTERS: dict[Any, TypeAdapter] = {}


def _adapter(model: Any) -> TypeAdapter:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One route's declaration; `handle` is what aiohttp calls."""

    method: str
    path: str  # as registered with aiohttp (placeholders may carry a regex)
    canonical: str  # placeholders only, as OpenAPI writes paths
    handler: Callable[..., Awaitable[Any]]
    access: Access
    tag: str
    status: int
    response: Any
    media_types: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    path_params: type[BaseModel] | None
    errors: Mapping[int, str]
    answers: Mapping[int, Any]
    # The body of an error status that may say more than `{"detail"}` (api.auth.Refusal...)
    error_models: Mapping[int, Any]
    summary: str
    description: str
    _adapters: Mapping[int, TypeAdapter] = field(repr=False)

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def successes(self) -> dict[int, Any]:
        """Every non-error status the route answers, with the model of its body."""
        return {self.status: self.response, **self.answers}

    @property
    def statuses(self) -> set[int]:
        return set(self.successes) | set(self.errors)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        user = await authenticate(request, self.access)
        arguments: dict[str, Any] = {}
        if self.access in (Access.OPTIONAL, Access.USER, Access.STAFF, Access.ENROLMENT):
            arguments["user"] = user
        if self.path_params is not None:
            arguments["path_params"] = _parse_path(self.path_params, request.match_info)
        if self.query is not None:
            arguments["query"] = parse_model(self.query, dict(request.query))
        if self.body is not None:
            arguments["body"] = parse_model(self.body, await read_json(request))
        return self._render(await self.handler(request, **arguments))

    def _render(self, result: Any) -> web.StreamResponse:
        if isinstance(result, web.StreamResponse):
            if result.content_type not in self.media_types or JSON in self.media_types:
                raise TypeError(f"{self.operation_id} answered {result.content_type} directly")
            return result
        if isinstance(result, Prerendered):
            if result.status not in self._adapters:
                raise TypeError(f"{self.operation_id} replied {result.status}, not declared")
            return web.Response(body=result.body, status=result.status, content_type=JSON)
        if isinstance(result, Reply):
            status, value = result.status, result.value
        else:
            status, value = self.status, result
        adapter = self._adapters.get(status)
        if adapter is None:
            raise TypeError(f"{self.operation_id} replied {status}, which it does not declare")
        data = adapter.dump_python(adapter.validate_python(value), mode="json")
        return web.json_response(data, status=status)


def _parse_path(model: type[BaseModel], match_info: Mapping[str, str]) -> BaseModel:
    try:
        return model.model_validate(dict(match_info))
    except ValidationError:
        raise NotFound("Not found.") from None


def _canonical(path: str) -> str:
    resource = web.DynamicResource(path) if "{" in path else web.PlainResource(path)
    return resource.canonical


def _placeholders(canonical: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", canonical))


def _error_statuses(
    access: Access,
    *,
    body: bool,
    query: bool,
    path_params: bool,
    explicit: Mapping[int, str],
) -> dict[int, str]:
    errors: dict[int, str] = {}
    if body or query:
        errors[400] = ERROR_DESCRIPTIONS[400]
    if access.reads_token:
        errors[401] = ERROR_DESCRIPTIONS[401] if access.needs_user else TOKEN_NOT_NEEDED
    if access is Access.STAFF:
        errors[403] = ERROR_DESCRIPTIONS[403]
    if path_params:
        errors[404] = ERROR_DESCRIPTIONS[404]
    if body:
        errors[413] = ERROR_DESCRIPTIONS[413]
        errors[415] = ERROR_DESCRIPTIONS[415]
    for status, description in explicit.items():
        errors[status] = description or ERROR_DESCRIPTIONS.get(status, "Refused")
    return dict(sorted(errors.items()))


def declare(
    method: str,
    path: str,
    handler: Callable[..., Awaitable[Any]],
    *,
    access: Access,
    tag: str,
    response: Any = None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    path_params: type[BaseModel] | None = None,
    errors: Mapping[int, str] | Iterable[int] = (),
    answers: Mapping[int, Any] | None = None,
    error_models: Mapping[int, Any] | None = None,
    media_type: str | tuple[str, ...] = JSON,
) -> Endpoint:
    """The declaration of one route; refuses one that contradicts itself."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"{handler.__name__}: unsupported method {method}")
    canonical = _canonical(path)
    declared = set(path_params.model_fields) if path_params is not None else set()
    if declared != _placeholders(canonical):
        raise ValueError(f"{handler.__name__}: path_params must name exactly {canonical}'s")
    media_types = (media_type,) if isinstance(media_type, str) else tuple(media_type)
    successes = {status: response, **(answers or {})}
    if JSON in media_types and any(model is None for model in successes.values()):
        raise ValueError(f"{handler.__name__}: a JSON answer needs its response model")
    explicit = errors if isinstance(errors, Mapping) else dict.fromkeys(errors, "")
    first, _, rest = (handler.__doc__ or "").strip().partition("\n")
    return Endpoint(
        method=method,
        path=path,
        canonical=canonical,
        handler=handler,
        access=access,
        tag=tag,
        status=status,
        response=response,
        media_types=media_types,
        body=body,
        query=query,
        path_params=path_params,
        errors=_error_statuses(
            access,
            body=body is not None,
            query=query is not None,
            path_params=path_params is not None,
            explicit=explicit,
        ),
        answers=dict(answers or {}),
        error_models={**refusal_models(access), **(error_models or {})},
        summary=first.strip(),
        description=textwrap.dedent(rest).strip(),
        _adapters={
            code: TypeAdapter(model) for code, model in successes.items() if model is not None
        },
    )


class Routes:
    """The declared routes of one module: `app.add_routes(routes)` registers them."""

    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def endpoint(self, method: str, path: str, **declaration: Any) -> Callable[[Handler], Handler]:
        """Declare the decorated handler as the route `method path` (see the module doc)."""

        def register(handler: Handler) -> Handler:
            self.endpoints.append(declare(method, path, handler, **declaration))
            return handler

        return register

    def __iter__(self) -> Iterator[web.RouteDef]:
        for endpoint in self.endpoints:
            yield web.RouteDef(endpoint.method, endpoint.path, endpoint.handle, {})


def declaration_of(handler: Any) -> Endpoint | None:
    """The declaration behind a route's handler; None for a route mounted otherwise."""
    endpoint = getattr(handler, "__self__", None)
    return endpoint if isinstance(endpoint, Endpoint) else None


def app_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, canonical path, handler) of every route of `app`, HEAD twins of GET left out."""
    found = []
    for route in app.router.routes():
        if route.method not in METHODS or route.resource is None:
            continue
        found.append((route.method.lower(), route.resource.canonical, route.handler))
    return found


def warn_if_undeclared(request: web.Request, status: int) -> None:
    """Warn when a declared route answers a status (below 500) its declaration omits."""
    endpoint = declaration_of(request.match_info.handler)
    if endpoint is not None and status < 500 and status not in endpoint.statuses:
        warnings.warn(
            f"{endpoint.method} {endpoint.canonical} answered {status}, "
            f"which its declaration does not list",
            UndeclaredStatus,
            stacklevel=2,
        )
