"""E-mail delivery for the outbox: SMTP through aiosmtplib, or the console in development."""

from __future__ import annotations

import logging
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid

import aiosmtplib

from booking.notifications import PermanentSendError, SendError
from booking.settings import Settings
from models import Notification

log = logging.getLogger(__name__)


def _charset(text: str) -> str:
    return "us-ascii" if text.isascii() else "utf-8"


def _attachment(attachment: dict) -> Message:
    # "text/calendar; charset=utf-8; method=REQUEST": the type, then its parameters.
    content_type, *parameters = attachment["content_type"].split(";")
    maintype, _, subtype = content_type.strip().partition("/")
    content = attachment["content"]
    if maintype == "text":
        part: Message = MIMEText(content, subtype, "utf-8")
    else:
        part = MIMEApplication(content.encode("utf-8"), subtype)
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name and name.lower() != "charset":  # MIMEText sets the charset itself
            part.set_param(name, value)
    part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


def build_message(settings: Settings, recipient: str, payload: dict) -> Message:
    """A text + HTML message from EMAIL_FROM, signed with the practice's name.

    Built with the `email.mime` classes (the `compat32` policy): the modern `EmailMessage`
    parses every header it is given through its header registry, which made building and
    flattening a message two thirds of what delivering an e-mail cost (bench/FIXES.md).
    Text parts are UTF-8 (base64 when not plain ASCII); non-ASCII headers are encoded words.
    """
    text = MIMEText(payload["text"], "plain", _charset(payload["text"]))
    body: Message = text
    if payload.get("html"):
        html = payload["html"]
        body = MIMEMultipart(
            "alternative",
            _subparts=[text, MIMEText(html, "html", _charset(html))],
        )
    attachments = payload.get("attachments", [])
    message = (
        MIMEMultipart("mixed", _subparts=[body, *map(_attachment, attachments)])
        if attachments
        else body
    )
    message["From"] = formataddr((settings.practice_name, settings.email_from), charset="utf-8")
    message["To"] = recipient
    subject = payload["subject"]
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    domain = settings.email_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    return message


class ConsoleEmailSender:
    """Development backend: logs the e-mail (this is the developer's own inbox)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, notification: Notification) -> None:
        payload = notification.payload
        build_message(self.settings, notification.recipient, payload)  # as SMTP would
        log.info(
            "console e-mail (EMAIL_BACKEND=console)\nSubject: %s\n\n%s",
            payload["subject"],
            payload["text"],
        )


class SmtpEmailSender:
    """Sends over SMTP with SMTP_TLS = none, starttls or ssl, and an optional login.

    `send` uses a connection of its own; the dispatcher sends a round's messages through
    `session()`, which keeps one connection open for them all.
    """

    def __init__(self, settings: Settings, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port_effective,
            username=s.smtp_username or None,
            password=s.smtp_password.get_secret_value() or None,
            use_tls=s.smtp_tls == "ssl",
            start_tls=True if s.smtp_tls == "starttls" else False,
            timeout=self.timeout,
        )

    def session(self) -> SmtpSession:
        return SmtpSession(self)

    async def send(self, notification: Notification) -> None:
        async with self.session() as session:
            await session.send(notification)


class SmtpSession:
    """One SMTP connection for many messages: opened (and logged in) at the first send,
    opened again after a failure, closed with QUIT at the end.

    Each message is its own transaction on it: a refused recipient fails only its own
    message (the envelope is reset and the connection goes on).
    """

    def __init__(self, sender: SmtpEmailSender) -> None:
        self.sender = sender
        self._smtp: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> SmtpSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass  # a polite QUIT is all we lose
        finally:
            # Whatever happened (a relay that hung up, a cancelled shutdown), the socket closes.
            smtp.close()

    async def send(self, notification: Notification) -> None:
        message = build_message(self.sender.settings, notification.recipient, notification.payload)
        try:
            reused = self._smtp is not None and self._smtp.is_connected
            try:
                await self._send(message)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # The relay hung up on a connection it had kept open: once more on a new one.
                self._drop()
                await self._send(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            reason = f"SMTP recipient refused: {', '.join(str(c) for c in codes)}"
            if codes and all(500 <= code < 600 for code in codes):
                # "No such mailbox" will not change by trying again in an hour.
                raise PermanentSendError(reason) from exc
            raise SendError(reason) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self._drop()  # in an unknown state: the next message starts on a new connection
            raise SendError(f"SMTP delivery failed: {type(exc).__name__}: {exc}") from exc

    async def _send(self, message: Message) -> None:
        if self._smtp is None or not self._smtp.is_connected:
            self._drop()
            smtp = self.sender.client()
            try:
                await smtp.connect()
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        await self._smtp.send_message(message)

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def email_sender(settings: Settings) -> ConsoleEmailSender | SmtpEmailSender:
    if settings.email_backend == "smtp":
        return SmtpEmailSender(settings)
    return ConsoleEmailSender(settings)
