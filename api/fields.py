"""Request field types whose limits are booking's own (`booking.person_fields`).

The published `maxLength`, `pattern` and `format` come from the same constants the
services enforce, so the document and the rule cannot disagree. Lengths are checked here
already (with the services' wording, see `api.parsing`); the phone pattern and the e-mail
format are checked by the services, which say what is wrong in plain words.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from booking.lifecycle import CANCELLATION_REASON_MAX_LENGTH
from booking.person_fields import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    REASON_MAX_LENGTH,
    REJECTION_REASON_MAX_LENGTH,
)

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=EMAIL_MAX_LENGTH),
    Field(json_schema_extra={"format": "email"}),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=PHONE_MAX_LENGTH),
    Field(json_schema_extra={"pattern": PHONE_PATTERN}),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=REASON_MAX_LENGTH)]
RejectionReason = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=REJECTION_REASON_MAX_LENGTH)
]
CancellationReason = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=CANCELLATION_REASON_MAX_LENGTH)
]
