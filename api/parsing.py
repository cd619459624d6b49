"""Request parsing: JSON bodies and queries validated by pydantic models, errors in DRF's shape."""

from __future__ import annotations

import json
import logging
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from booking.errors import InvalidInput
from booking.person_fields import BLANK, too_long

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
JSON = "application/json"


def _message(item: dict) -> str:
    if item["type"] == "missing":
        return "This field is required."
    # The wording booking's own checks use for the same rules (DRF's).
    if item["type"] == "string_too_long":
        return too_long(item["ctx"]["max_length"])
    if item["type"] == "string_too_short" and item["ctx"]["min_length"] == 1:
        return BLANK
    return item["msg"].removeprefix("Value error, ")


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as `{"field": ["message", ...]}`."""
    errors: dict[str, list[str]] = {}
    for item in exc.errors():
        loc = [str(part) for part in item["loc"]]
        field = loc[0] if loc else "non_field_errors"
        message = _message(dict(item))
        if item["type"] != "missing" and len(loc) > 1:
            message = f"Item {'.'.join(loc[1:])}: {message}"
        errors.setdefault(field, []).append(message)
    return errors


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent; a whole one is an integer, as JSON Schema
    (and so the published document) counts it: `[1.0]` is a list of integers."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _not_json(name: str) -> None:
    # Python's json takes NaN and Infinity; JSON has no such numbers (DRF refuses them too).
    raise ValueError(f"{name} is not JSON")


async def read_json(request: web.Request) -> dict:
    """The body as a JSON object, or a 400 saying what is wrong with it."""
    if not request.can_read_body:
        return {}
    if request.content_type != JSON:
        # DRF parses JSON only: a form, text/plain or XML is refused before it is read.
        detail = f'Unsupported media type "{request.content_type}" in request.'
        raise web.HTTPUnsupportedMediaType(text=json.dumps({"detail": detail}), content_type=JSON)
    try:
        raw = await request.read()  # aiohttp answers 413 past client_max_size
    except ConnectionResetError:
        # The client hung up before its body arrived (a phone losing signal, a load generator
        # stopping): nobody is left to answer and nothing went wrong here, so no error and no
        # traceback for the operator to chase; nothing was read, so nothing was done.
        log.info(
            "%s %s: the client left before its request body arrived", request.method, request.path
        )
        raise web.HTTPBadRequest(reason="Connection lost") from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_float=_number, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: "[[[[...]]]]" nested deeper than the parser goes is not JSON we take.
        raise InvalidInput("Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput("Request body must be a JSON object.")
    return data


def parse_model(model: type[M], data: dict) -> M:
    """`data` validated by `model`, or InvalidInput (400) naming every field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_errors(exc)) from None
