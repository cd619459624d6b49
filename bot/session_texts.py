"""What the bot says about a session's life: cancel, move, proposals, reminders, /upcoming.

Pure functions from values to plain text, like `bot.texts` (times arrive already formatted in
the practice's zone, named).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from booking.formatting import format_short_date


def time_label(moment: datetime, zone: tzinfo) -> str:
    """'Tue 12 May 18:00' on the practice's wall clock, for buttons and short lists."""
    local = moment.astimezone(zone)
    return f"{format_short_date(local.date())} {local:%H:%M}"


# --- the client -----------------------------------------------------------------------------

CANCEL_BUTTON = "Cancel"
CANCEL_YES_BUTTON = "Yes, cancel it"
CANCEL_NO_BUTTON = "No, keep it"
ASK_MOVE_BUTTON = "Ask to move"
ATTEND_BUTTON = "I'll be there"
CANT_MAKE_IT_BUTTON = "Can't make it"
RUNNING_LATE_BUTTON = "Running late"
NONE_WORK_BUTTON = "None of these work"


def cancel_question(when: str, *, late: bool, notice_hours: int) -> str:
    """The confirm step of a client's cancel: what it cancels and what the policy says."""
    if late:
        policy = (
            f"It starts in less than {notice_hours} hours, so under the practice's policy this "
            "is a late cancellation: you may still cancel, and it is recorded as late."
        )
    else:
        policy = f"It is more than {notice_hours} hours away, so this is not a late cancellation."
    return f"Cancel your session on {when}?\n{policy}"


def withdraw_question(dates: str) -> str:
    return f"Withdraw your request for {dates}? The therapist will not schedule it."


def cancelled_by_client(*, late: bool, was_scheduled: bool) -> str:
    if not was_scheduled:
        return "Your request is withdrawn. /book asks for a new session any time."
    text = "Your session is cancelled. The therapist is told."
    if late:
        text += " It is recorded as a late cancellation."
    return text + "\n/book asks for a new session any time."


NOTHING_CANCELLED = "Nothing was cancelled: your session stays as it is."


def session_changed(now: str) -> str:
    """A press on a message the session has outgrown: say how it stands, change nothing."""
    return f"This message is out of date, so nothing was changed. {now}"


def standing(status: str, when: str | None) -> str:
    """How a client's appointment stands now, in one sentence."""
    if status == "scheduled" and when:
        return f"Your session is now on {when}."
    return {
        "pending_review": "Your request is waiting for the therapist.",
        "rejected": "This request was not accepted.",
        "cancelled": "This session is cancelled.",
    }.get(status, "See /appointments for how it stands.")


ATTENDANCE_TOAST = "Thanks! The therapist knows you'll be there."
ATTENDANCE_NOTE = "You confirmed you'll be there."
ASK_HOW_LATE = "How late will you be?"


def late_told(minutes: int) -> str:
    return f"The therapist is told you'll be about {minutes} minutes late."


def late_button(minutes: int) -> str:
    return f"{minutes} min"


# --- proposals (the client) -------------------------------------------------------------------


def proposal_accepted(when: str) -> str:
    return f"You chose {when}. The confirmation follows here and by e-mail."


TIME_TAKEN = "That time was just taken. The other proposed times are still yours to pick."
TIMES_GONE = (
    "None of the proposed times is on offer any more. The therapist will propose new ones, "
    "or you can ask for other dates."
)
TIMES_REPLACED = "These times are no longer on offer; the newest ones are below."
DECLINE_PENDING = (
    "Fine: your request stays open and the therapist can propose other times. "
    "/appointments lets you withdraw it."
)


# --- asking to move (the client) ----------------------------------------------------------------


def ask_move_dates(when: str) -> str:
    return (
        f"Your session stays booked for {when} until the therapist answers.\n"
        "Which days would suit you instead? Tap every date that works, then Next."
    )


ASK_MOVE_SLOTS = "Which times of day suit you on those days? Tap all that work, then Next."
ASK_MOVE_NOTE = "Anything the therapist should know? Type it here, or tap Skip to send."
MOVE_ASK_DROPPED = "Nothing was sent: your session stays as it is."


def move_request_sent(when: str, *, late: bool, notice_hours: int) -> str:
    text = (
        f"Your request to move is sent. Your session stays on {when} until the therapist "
        "answers here."
    )
    if late:
        text += (
            f"\nIt is less than {notice_hours} hours before the session, so the request is "
            "marked late."
        )
    return text


# --- the therapist ------------------------------------------------------------------------------

MOVE_BUTTON = "Move"
PROPOSE_BUTTON = "Propose times"
KEEP_BUTTON = "Keep"
STAFF_CANCEL_BUTTON = "Cancel session"
BACK_BUTTON = "Back"


@dataclass(frozen=True)
class SessionCard:
    """A session as the therapist sees it on its message (plain values, built by the handler)."""

    client: str  # a neutral reference (`booking.messages.chat.reference`); the name is behind
    # Show details
    when: str  # "Tue 12 May 2026, 18:00 (Europe/London), 60 minutes"
    confirmed: bool = False
    move_request: str | None = None  # the client's wish, described, while it is open


def session_card(card: SessionCard, footer: str | None = None) -> str:
    lines = [f"Session ({card.client})", f"When: {card.when}"]
    lines.append("The client confirmed: I'll be there." if card.confirmed else "Not confirmed yet.")
    if card.move_request:
        lines.append(f"The client asks to move it: {card.move_request}")
    if footer:
        lines += ["", footer]
    return "\n".join(lines)


def staff_cancel_question(client: str = "") -> str:
    return "Cancel this session? The client is told in the chat and by e-mail."


def cancelled_by(by: str) -> str:
    return f"Cancelled by {by}. The client is told."


def moved_by(by: str, when: str) -> str:
    return f"Moved by {by} to {when}. The client is told."


def kept_by(by: str) -> str:
    return f"Kept at its time by {by}. The client is told."


def proposed_by(by: str, times: Sequence[str]) -> str:
    listed = "\n".join(f"- {t}" for t in times)
    return f"Times proposed by {by}; the client picks one:\n{listed}"


def outcome_toast(outcome: str) -> str:
    """The first line of an outcome, for the pop-up."""
    return outcome.split("\n")[0]


NO_MOVE_REQUEST = "There is no open request to move this session."


def upcoming_header(count: int, shown: int, days: int) -> str:
    if not count:
        return f"No sessions in the next {days} days."
    more = f" Here are the first {shown}." if count > shown else ""
    plural = "s" if count != 1 else ""
    return f"{count} session{plural} in the next {days} days.{more}"


# --- Move / Propose times (the therapist) -------------------------------------------------------

PLAN_DAY = {"move": "Move to which day?", "propose": "Propose a time: which day?"}
PLAN_OTHER_DAY = "Pick another day:"
PLAN_DURATION = "How long is the session?"
PLAN_CANCELLED = "Nothing changed."
MAX_PROPOSALS = 3


def plan_time(day: str) -> str:
    return f"{day}: pick the start time (practice time):"


def chosen_times(times: Sequence[str]) -> str:
    listed = "\n".join(f"{n}. {t}" for n, t in enumerate(times, 1))
    left = MAX_PROPOSALS - len(times)
    more = f"You may add {left} more." if left else "That is the most one round offers."
    return f"Times to propose:\n{listed}\n{more}"


def plan_confirm(
    flow: str, whens: Sequence[str], duration: str, blocking: Sequence[str], warnings: Sequence[str]
) -> str:
    """The summary before Move / Propose: clashes first, then the question."""
    verb = "Move the session to" if flow == "move" else "Propose"
    times = ", ".join(whens)
    lines = []
    if blocking:
        lines.append("That clashes with another session:")
        lines += [f"- {c}" for c in blocking]
        lines += [*(f"- {w}" for w in warnings), "Pick another time."]
        return "\n".join(lines)
    if warnings:
        lines.append("Careful:")
        lines += [f"- {w}" for w in warnings]
        lines.append(f"{verb} {times} ({duration}) anyway?")
        return "\n".join(lines)
    return f"{verb} {times} ({duration})?"


CONFIRM_BUTTON = "Confirm"
ANYWAY_BUTTON = "Schedule anyway"
OTHER_TIME_BUTTON = "Pick another time"
ANOTHER_DAY_BUTTON = "Another day"
MORE_TIMES_BUTTON = "Add another time"
DONE_TIMES_BUTTON = "Next: duration"
