"""python-telegram-bot's requests sent with aiohttp's client instead of httpx.

python-telegram-bot sends every Bot API call through a `BaseRequest`; its default,
`HTTPXRequest`, costs the bot about 1 ms of CPU per call, and a button press is two calls
(answer the press, edit the message). aiohttp's client, already the API's server, does
the same for less (bench/RESULTS.md, the bot's CPU per update). Everything else stays
python-telegram-bot's: the JSON it sends, how it reads the answer, its errors and retries.

- `AiohttpRequest(connection_pool_size=256, read_timeout=5.0, write_timeout=5.0,
  connect_timeout=5.0, pool_timeout=1.0, media_write_timeout=20.0)`: the same defaults as
  `HTTPXRequest`; a timeout is `telegram.error.TimedOut`, any other transport failure
  `telegram.error.NetworkError`
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` (opened by `initialize`)."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            # trust_env: HTTPS_PROXY and the like are honoured, as httpx honoured them.
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, trust_env=True
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        data: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            form = aiohttp.FormData(fields or {})
            for name, (filename, content, mimetype) in files.items():
                if not isinstance(content, bytes):
                    content = content.read()  # a file handle
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        # aiohttp has no write timeout of its own: the write is bounded by the whole request's
        # (connect, write and read together), as httpx's write timeout bounds the upload.
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        parts = (connect, pool, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as res:
                return res.status, await res.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
