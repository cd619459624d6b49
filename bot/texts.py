"""Everything the bot says: pure functions from values to plain text (no Telegram, no database).

Messages are plain text on purpose: names and reasons typed by people never need escaping.

Lock-screen safe: a message the bot sends shows in a phone's notification preview, so no
text sent here carries a client's name, a reason or a note. They stay behind a Show details
button (`bot.detail_views`), or appear only in an edit of a message (edits do not notify).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from booking.availability import DAY_NAMES, SLOT_LABELS
from booking.formatting import format_short_date
from bot.safety_texts import safety_note

# --- commands ------------------------------------------------------------------------------

CLIENT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Start here: what you can do"),
    ("book", "Ask for a session"),
    ("appointments", "Your requests and sessions"),
    ("register", "Create an account (e-mail code)"),
    ("login", "Link your existing account"),
    ("help", "What this bot can do"),
    ("cancel", "Stop what you are doing"),
)
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("pending", "Requests waiting for a decision"),
    ("today", "Today's sessions"),
    ("upcoming", "Sessions of the next 14 days"),
    ("availability", "Weekdays and booking rules"),
    ("away", "Days away: block dates"),
    ("stats", "Numbers at a glance"),
)


def welcome(first_name: str, *, linked: bool, is_staff: bool, practice: str) -> str:
    """The /start answer (`first_name` unused: a sent message names nobody)."""
    hello = "Hello!"
    if is_staff:
        return (
            f"{hello} You are signed in as staff of {practice}.\n"
            "New requests arrive here with Schedule and Reject buttons.\n"
            "/pending, /today, /upcoming, /availability and /stats are yours; /help lists "
            "everything."
        )
    if linked:
        return (
            f"{hello} This is {practice}.\n"
            "Ask for a session with /book, or see your requests with /appointments."
        )
    return (
        f"{hello} This is {practice}: here you can ask for a video session with the therapist.\n"
        "First create an account (we e-mail you a code, no password needed), or link the "
        "account you already have."
    )


def help_text(*, is_staff: bool) -> str:
    lines = ["What I can do:"]
    lines += [f"/{name} - {description}" for name, description in CLIENT_COMMANDS]
    lines.append("")
    lines.append(CLIENT_SESSIONS_HELP)
    if is_staff:
        lines.append("")
        lines.append("For staff:")
        lines += [f"/{name} - {description}" for name, description in STAFF_COMMANDS]
        lines.append("")
        lines.append(STAFF_SESSIONS_HELP)
        lines.append(ATTENDANCE_HELP)
        lines.append(SERIES_HELP)
    lines.append(WAITLIST_HELP)
    return "\n".join(lines)


CLIENT_SESSIONS_HELP = (
    "Your session: Cancel (on its confirmation or in /appointments) tells you first whether it "
    "is a late cancellation under the practice's notice policy. Ask to move sends the "
    "therapist other dates and times; the session stays booked until they answer. Times the "
    "therapist proposes arrive as buttons: tap one to take it. The day before, tap I'll be "
    "there or Can't make it; when the room opens, Running late tells the therapist at once.\n"
    "A weekly series is one entry in /appointments: Cancel N and all later cancels its next "
    "session and every one after it (you confirm first, told how many and whether any is late)."
)
STAFF_SESSIONS_HELP = (
    "A session's message (in /today, /upcoming, or the request once scheduled) has Move "
    "(day, start, duration; clashes shown first, Schedule anyway past a buffer, a blocked day "
    "or the daily cap), Propose times (up to 3, for the client to pick; also on a waiting "
    "request) and Cancel session. A client's request to move arrives with Move, Propose times "
    "and Keep. /upcoming shows who confirmed they will be there."
)
WAITLIST_HELP = (
    "Waitlist: at the end of the /book calendar, 'tell me if something opens'; on a session in "
    "/appointments, 'tell me if an earlier time opens'. Freed time is held for you for a while: "
    "Take it or No thanks."
)


SERIES_HELP = (
    "Scheduling a request, the summary also offers Every week / Every 2 weeks, then how many "
    "sessions (4, 8, 12 or 26); weeks that clash are listed first, to skip them or choose "
    "another time. Clients see a series as one entry in /appointments."
)
ATTENDANCE_HELP = (
    "When a session's join window closes, I ask whether the client attended "
    "(Attended / No-show; a later press changes the answer). /stats shows the rates."
)


FREE_TEXT = (
    "I did not understand that. Use the menu or the commands: /book to ask for a session, "
    "/appointments to see yours, /help for everything else."
)
NOTHING_TO_CANCEL = "There is nothing to cancel. /help shows what you can do."
CANCELLED = "Cancelled. Nothing was changed. /help shows what you can do."
STALE_BUTTON = "That button is no longer active. Send /start to begin again."
USE_BUTTONS = "Please use the buttons above, or send /cancel to stop."
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side. Please try again in a moment, "
    "or send /cancel to start over."
)
NOT_LINKED = (
    "First create an account with /register, or link the one you have with /login. "
    "It takes a minute: we e-mail you a code."
)
STAFF_ONLY = "Only the practice's staff can do that."


# --- registration and linking --------------------------------------------------------------

ASK_EMAIL_REGISTER = (
    "Let's create your account. What is your e-mail address?\n"
    "We will send a 6-digit code there. (Send /cancel to stop.)"
)
ASK_EMAIL_LOGIN = (
    "Let's link your account. What e-mail address did you register with?\n"
    "We will send a 6-digit code there. (Send /cancel to stop.)"
)
BAD_EMAIL = (
    "That does not look like an e-mail address. Please send it like name@example.com, or /cancel."
)
ASK_NAME_TYPED = "What is your name? Please send your first and last name, e.g. Alice Archer."
NEED_FULL_NAME = (
    "Please send both your first and your last name (up to 100 characters each), e.g. Alice Archer."
)
ASK_PHONE = (
    "Would you like to leave a phone number, in case the therapist needs to reach you? "
    "Tap Share my phone number, or Skip."
)
SHARE_PHONE_BUTTON = "Share my phone number"
SKIP_PHONE_BUTTON = "Skip"
NOT_YOUR_CONTACT = "Please share your own phone number with the button below, or tap Skip."
USE_PHONE_BUTTONS = "Please tap Share my phone number or Skip below."
CODE_ENTER = "Please send the 6-digit code from the e-mail (or tap Resend code)."
PHONE_SAVED = "Thanks."
PHONE_SKIPPED = "No phone number, fine."


def ask_name(first: str = "", last: str = "") -> str:
    """The profile's name is on the button only (a sent message names nobody)."""
    return (
        "Shall we use the name of your Telegram profile (on the button below)?\n"
        "Tap the button, or send your first and last name."
    )


def mask_email(address: str) -> str:
    """'alice@example.com' -> 'a***e@example.com': enough to recognise, not to copy."""
    local, _, domain = address.partition("@")
    if len(local) <= 2:
        shown = local[:1] + "***"
    else:
        shown = f"{local[0]}***{local[-1]}"
    return f"{shown}@{domain}"


def code_sent(address: str) -> str:
    return (
        f"We sent a 6-digit code to {mask_email(address)}. Send it here.\n"
        "It is valid for 10 minutes. Nothing arrived? Check the spam folder, or tap Resend code."
    )


def code_resent(address: str) -> str:
    return f"A new code is on its way to {mask_email(address)}. Only the newest code works."


def wrong_code(detail: str) -> str:
    return f"{detail}\nSend the code again, or tap Resend code."


def _in_minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def too_many_codes(retry_after: int) -> str:
    return f"Too many codes were asked for. Please try again in {_in_minutes(retry_after)}."


def rate_limited(retry_after: int) -> str:
    """Any other limit (tries at a code, requests sent): said the same way everywhere."""
    return f"Too many tries in a short time. Please try again in {_in_minutes(retry_after)}."


def linked(first_name: str = "", *, is_staff: bool) -> str:
    hello = "Welcome!"  # no name in a sent message
    if is_staff:
        return (
            f"{hello} Your staff account is linked to this chat. New requests will arrive "
            "here. /help lists your commands."
        )
    return f"{hello} Your account is linked to this chat. Ask for a session with /book."


def already_linked(address: str) -> str:
    return (
        f"This chat is already linked to {mask_email(address)}. "
        "Go on to link another account instead (the e-mailed code decides), or send /cancel."
    )


# --- booking --------------------------------------------------------------------------------

ASK_DATES = (
    "Which days would suit you? Tap every date that works (several are fine), then Next.\n"
    "Days without a number are closed."
)
NO_DATES_OPEN = (
    "There are no open dates in the next 30 days, sorry. Please try again later or contact "
    "the practice."
)
PICK_A_DATE = "Pick at least one date first."
DATE_CLOSED = "That day is not available."
SLOT_FULL = "That time of day has no room left on the dates you chose."
ASK_SLOTS = "Which times of day suit you? Tap all that work, then Next."
PICK_A_SLOT = "Pick at least one time of day first."
ASK_REASON = (
    "Anything you would like the therapist to know before the session? Type it here, or tap Skip."
)
ASK_NAME_FOR_REQUEST = (
    "What name should the therapist see on your request? Please send your first and last "
    "name, e.g. Alice Archer."
)
REQUEST_SENT = (
    "Your request is sent. The therapist will pick a time from your choices; the "
    "confirmation with the video link will arrive here and by e-mail.\n"
    "/appointments shows your requests."
)
BOOKING_CANCELLED = "Booking cancelled. Nothing was sent. /book starts again."
REASON_TOO_LONG = "That is a bit long. Please keep it under 2000 characters, or tap Skip."


def selected_dates(days: Iterable[date]) -> str:
    return ", ".join(format_short_date(d) for d in sorted(days)) or "none yet"


def booking_summary(
    *,
    first_name: str,
    last_name: str,
    email: str,
    days: Sequence[date],
    slots: Sequence[str],
    reason: str | None,
    crisis_message: str | None = None,
) -> str:
    """The full summary: shown only by editing a message (`booking_summary_sent` goes first)."""
    lines = [
        "Please check your request:",
        f"Name: {first_name} {last_name}",
        f"E-mail: {email}",
        f"Dates: {selected_dates(days)}",
        f"Times: {', '.join(SLOT_LABELS.get(s, s) for s in slots)}",
        f"Note: {reason}" if reason else "Note: none",
        "",
        safety_note(crisis_message),
        "",
        "Send it?",
    ]
    return "\n".join(lines)


# What the summary says as it is sent, before it is edited to the full text (an edit does not
# notify, so the name and the note never reach a lock screen).
BOOKING_SUMMARY_SENT = "Almost done: your summary follows."


def invalid_request(problems: Iterable[str]) -> str:
    return "The request could not be sent:\n" + "\n".join(f"- {p}" for p in problems)


# --- appointments ----------------------------------------------------------------------------

STATUS_LABELS = {
    "pending_review": "waiting for the therapist",
    "scheduled": "scheduled",
    "rejected": "not accepted",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class AppointmentLine:
    """One request as the client sees it (plain values, built by the handler)."""

    status: str
    preferred_dates: Sequence[str]
    preferred_slots: Sequence[str]
    scheduled_time: str | None = None  # already in the practice's zone, named
    duration: str | None = None
    meeting_status: str | None = None
    has_reason: bool = False  # rejected with a reason: a Show details button (`reason_label`)
    series: str | None = None  # "Weekly, Tuesdays 10:00, 8 of 12 left"; the time is the next


NO_APPOINTMENTS = "You have no requests yet. /book asks for a session."


def appointments_list(lines: Sequence[AppointmentLine]) -> str:
    if not lines:
        return NO_APPOINTMENTS
    out = ["Your requests:"]
    for number, line in enumerate(lines, 1):
        status = STATUS_LABELS.get(line.status, line.status)
        out.append("")
        if line.series:
            out.append(f"{number}. {line.series}")
            if line.scheduled_time:
                out.append(f"   Next: {line.scheduled_time}, {line.duration}")
                out.append(_join_hint(line.meeting_status))
        elif line.status == "scheduled" and line.scheduled_time:
            out.append(f"{number}. Scheduled: {line.scheduled_time}, {line.duration}")
            out.append(_join_hint(line.meeting_status))
        else:
            dates = ", ".join(line.preferred_dates)
            slots = ", ".join(line.preferred_slots)
            out.append(f"{number}. {status.capitalize()}: {dates} ({slots})")
            if line.has_reason:
                out.append(f"   A reason was given: tap {reason_label(number)}.")
    return "\n".join(out)


def reason_label(number: int) -> str:
    """The Show details button of a declined request in /appointments."""
    return f"Reason {number}"


def _join_hint(meeting_status: str | None) -> str:
    if meeting_status == "active":
        return "   The room is open now: tap Join."
    if meeting_status == "completed":
        return "   This session is over."
    return "   Join with the button from 10 minutes before the start."


def join_label(local_start: datetime) -> str:
    """A session's Join button, named by its day and time (practice clock): "Join Wed 6 Mar,
    18:30" says which session; a list position ("Join session 2") does not."""
    return f"Join {format_short_date(local_start.date())}, {local_start:%H:%M}"


# --- staff ------------------------------------------------------------------------------------


def request_card(
    *, reference: str, preferred_dates: Sequence[str], preferred_slots: Sequence[str]
) -> str:
    """A request as staff see it on its message: when, and a reference; who and why are
    behind Show details (`bot.detail_views`)."""
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in preferred_slots)
    lines = [
        f"Request ({reference})",
        f"Preferred dates: {', '.join(preferred_dates)}",
        f"Preferred times: {slots}",
    ]
    return "\n".join(lines)


def decider_name(first_name: str, email: str, *, is_reader: bool) -> str:
    """Who decided, as the reader of the chat sees it: "you" for their own decision, else the
    first name, else the local part of the e-mail (staff made with `create-staff --no-input`
    have no name)."""
    if is_reader:
        return "you"
    return first_name.strip() or email.partition("@")[0] or "a colleague"


def outcome_scheduled(by: str, when: str, duration: str) -> str:
    return f"Scheduled by {by}: {when}, {duration}."


def outcome_rejected(by: str, reason: str | None = None) -> str:
    """The reason is not repeated: it is behind Show details."""
    return f"Rejected by {by}."


def already_decided(outcome: str) -> str:
    return f"Already decided, nothing was changed. {outcome}"


def card_with(card: str, footer: str) -> str:
    return f"{card}\n\n{footer}"


ASK_STAFF_DAY = "Pick the day (the client's preferred dates first):"
ASK_OTHER_DAY = "Pick another day:"
ASK_DURATION = "How long is the session?"
ASK_REJECT_REASON = (
    "Why can this request not be accepted? Type a short reason for the client, or tap "
    "Skip to reject without a reason."
)
DECISION_CANCELLED = "Nothing decided yet."
DAY_PASSED = "That day has passed."
SCHEDULED_TOAST = "Scheduled. The client gets the link."
REJECTED_TOAST = "Rejected. The client is told."
NO_PENDING = "No requests are waiting. New ones will arrive here."
NO_TIMES = "No start times are left on that day. Pick another day."


def ask_staff_time(day: date) -> str:
    return f"{format_short_date(day)}: pick the start time (practice time):"


def staff_confirm(
    when: str, duration: str, conflicts: Sequence[str], warnings: Sequence[str] = ()
) -> str:
    """The summary: overlaps (no way on), or clashes staff may override, or the question."""
    if conflicts:
        return (
            f"{when}, {duration} overlaps another session:\n"
            + "\n".join(f"- {c}" for c in [*conflicts, *warnings])
            + "\nPick another time."
        )
    if warnings:
        return (
            "Careful, this time:\n"
            + "\n".join(f"- {w}" for w in warnings)
            + f"\nSchedule the session for {when}, {duration} anyway?"
        )
    return f"Schedule the session for {when}, {duration}?"


def pending_header(count: int, shown: int) -> str:
    if count > shown:
        return f"{count} requests are waiting; here are the oldest {shown}."
    return f"{count} request{'s' if count != 1 else ''} waiting:"


def availability_text(open_days: Iterable[int]) -> str:
    names = [DAY_NAMES[d] for d in sorted(open_days)]
    shown = ", ".join(names) if names else "none (clients cannot book)"
    return f"Open weekdays: {shown}.\nTap a day to open or close it."


def stats_text(
    *, total: int, pending: int, scheduled: int, rejected: int, completion_rate: float
) -> str:
    return (
        "Requests so far:\n"
        f"Total: {total}\n"
        f"Waiting: {pending}\n"
        f"Scheduled: {scheduled}\n"
        f"Rejected: {rejected}\n"
        f"Scheduled share: {completion_rate:.2f}%"
    )


@dataclass(frozen=True)
class SessionLine:
    start: datetime  # aware
    duration_minutes: int
    client: str  # a neutral reference (`booking.messages.chat.reference`), never a name
    meeting_status: str
    confirmed: bool = False  # the client pressed "I'll be there"


def today_text(day: date, sessions: Sequence[SessionLine], zone: ZoneInfo) -> str:
    if not sessions:
        return f"No sessions today ({format_short_date(day)})."
    lines = [f"Today's sessions ({format_short_date(day)}):"]
    for number, session in enumerate(sessions, 1):
        local = session.start.astimezone(zone)
        state = {"active": " - room open", "completed": " - over"}.get(session.meeting_status, "")
        confirmed = " - confirmed ✓" if session.confirmed else ""
        lines.append(
            f"{number}. {local:%H:%M} ({session.client}), {session.duration_minutes} min"
            f"{confirmed}{state}"
        )
    return "\n".join(lines)


def time_of(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)
