"""Domain errors. Services raise these; each door maps them (API: status + JSON; bot: a message)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail or self.default_detail

    default_detail = "The request could not be completed."


class InvalidInput(DomainError):
    """Bad input: `errors` maps a field name to its messages (DRF's 400 shape)."""

    default_detail = "Invalid input."

    def __init__(self, errors: dict[str, list[str]] | str, field: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {field or "non_field_errors": [errors]}
        self.errors = errors
        first = next(iter(errors.values()), [""])
        super().__init__(first[0] if first else "")


class NotAuthenticated(DomainError):
    default_detail = "Authentication credentials were not provided or are invalid."


class PermissionDenied(DomainError):
    default_detail = "You do not have permission to perform this action."


class NotFound(DomainError):
    default_detail = "Not found."


class Conflict(DomainError):
    """`extra` (e.g. `{"clashes": [...]}`) is merged into the API's 409 body."""

    default_detail = "The request conflicts with the current state."

    def __init__(self, detail: str = "", extra: dict[str, object] | None = None) -> None:
        super().__init__(detail)
        self.extra = dict(extra or {})


class RateLimited(DomainError):
    default_detail = "Too many requests. Try again later."

    def __init__(self, retry_after: int, detail: str = "") -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))
