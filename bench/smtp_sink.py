"""A local SMTP server (aiosmtpd) that counts what arrives and when, for the benches."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller
from support import free_port

MARKER = re.compile(rb"bench-rem-(\d+)")


class SmtpSink:
    """`with SmtpSink() as sink:` ... `sink.port`, `sink.arrivals` [(time, marker or None)]."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, int | None]] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = MARKER.search(envelope.content or b"")
        with self._lock:
            self.arrivals.append((time.time(), int(found.group(1)) if found else None))
        return "250 OK"

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def count(self) -> int:
        return len(self.arrivals)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
