"""What the practice says to people: every message's content, and nothing else.

Pure functions from values to an outbox payload (see `booking.notifications`); which
message goes to whom and when is decided by the notices modules
(`booking.account_notices`, `booking.appointment_notices`).

- `email`: `compose(...)`, the one layout of every e-mail (text + HTML), and `hello`
- `account_emails`: one-time codes, "someone tried to register", "password changed"
- `appointment_emails`: the booking flow's e-mails (receipt, staff notice, confirmation
  with invitation, rejection, reminders)
- `chat`: the booking flow's Telegram messages
- `calendar`: the `.ics` invitation (RFC 5545, escaped and folded by hand)
"""
