"""Show details / Hide details: the typed callback data of the button on lock-screen-safe messages.

Kept in its own module (`bot.callbacks` is near its size limit); a test checks its prefix
against every one of `bot.callbacks.ALL_CALLBACKS`.
"""

from __future__ import annotations

import dataclasses
import uuid

from bot.callbacks import CallbackData


@dataclasses.dataclass(frozen=True)
class ShowDetails(CallbackData):
    """Show (or hide) what a message keeps behind its button (`booking.message_details`).

    `what`: a `booking.message_details.DetailsOf` value; `appointment`: whose details;
    `listed`: one of several such buttons on a list (its label names the entry), so Hide is
    a row of its own instead of taking the button's place.
    """

    prefix = "dt"
    actions = frozenset({"show", "hide"})
    action: str
    what: str
    appointment: uuid.UUID
    listed: bool
