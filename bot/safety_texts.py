"""A safety line: this chat is not an emergency channel, and where to turn instead.

`CRISIS_MESSAGE` (settings.crisis_message, unset by default) is the practice's own words,
e.g. "If you are in danger now, call 112." When set, the bot shows it in /start and on the
booking summary (and the request's confirmation e-mail carries it,
`booking.messages.appointment_emails`). Whether set or not, wherever a client could take
this chat for a way to reach someone at once, it says it is not monitored for emergencies.
"""

from __future__ import annotations

NOT_AN_EMERGENCY_CHANNEL = (
    "This chat is not monitored for emergencies: messages are read in office hours."
)


def safety_note(crisis_message: str | None) -> str:
    """The practice's crisis message (when set), then that this is not an emergency channel."""
    if crisis_message and crisis_message.strip():
        return f"{crisis_message.strip()}\n{NOT_AN_EMERGENCY_CHANNEL}"
    return NOT_AN_EMERGENCY_CHANNEL
