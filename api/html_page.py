"""The frame of the few HTML pages the service serves (`/` and `/api/docs/`).

The caller escapes the title and writes the rest of the head and the body.
"""

from __future__ import annotations

_TOP = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
"""


def html_page(title: str, body: str, head: str = "") -> str:
    """A whole document: `title` (already escaped), extra `head` lines, then `body`."""
    return f"{_TOP}<title>{title}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
