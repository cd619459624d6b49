"""The layout of every e-mail: a greeting, paragraphs, an optional code or button, the signature.

`compose(...)` gives the outbox payload `{"subject", "text", "html"[, "attachments"]}`;
`account_emails` and `appointment_emails` fill it in.
"""

from __future__ import annotations

from html import escape

from booking.settings import Settings


def hello(first_name: str | None) -> str:
    """'Hello Alice,' or, without a name, 'Hello,'."""
    return f"Hello {first_name}," if first_name else "Hello,"


def compose(
    settings: Settings,
    *,
    subject: str,
    greeting: str,
    paragraphs: list[str],
    code: str | None = None,
    link: tuple[str, str] | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> dict:
    """An e-mail payload for `booking.notifications.enqueue(channel="email", ...)`.

    `code` is shown large (one-time codes); `link` is (label, url) shown as a button.
    """
    text_parts = [greeting, *paragraphs]
    html_parts = [f"<p>{escape(greeting)}</p>"] + [f"<p>{escape(p)}</p>" for p in paragraphs]
    if code:
        text_parts.insert(2, f"    {code}")
        html_parts.insert(
            2,
            '<p style="font-size:28px;font-weight:bold;letter-spacing:6px;'
            f'font-family:monospace">{escape(code)}</p>',
        )
    if link:
        label, url = link
        text_parts.append(f"{label}: {url}")
        html_parts.append(
            f'<p><a href="{escape(url, quote=True)}" style="display:inline-block;padding:10px 18px;'
            f'background:#2f6f5e;color:#fff;text-decoration:none;border-radius:6px">'
            f"{escape(label)}</a></p>"
        )
    signature = f"— {settings.practice_name}"
    text = "\n\n".join([*text_parts, signature]) + "\n"
    html = (
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5;color:#222">'
        + "".join(html_parts)
        + f"<p>{escape(signature)}</p></body></html>"
    )
    payload: dict = {"subject": f"{subject} — {settings.practice_name}", "text": text, "html": html}
    if attachments:
        payload["attachments"] = attachments
    return payload
