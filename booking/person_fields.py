"""The rules for a person's fields (names, e-mail, phone, free texts), defined once.

Accounts and appointments validate with these, and the API's request schemas take their
limits from the same constants, so a published `maxLength` and the rule that enforces it
can never disagree.
"""

from __future__ import annotations

import re

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit
PHONE_MAX_LENGTH = 32
PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,28}[0-9]$"
PHONE_RE = re.compile(PHONE_PATTERN)
REASON_MAX_LENGTH = 2000
REJECTION_REASON_MAX_LENGTH = 1000
MAX_PREFERRED_DATES = 30
