"""A small HTTP/1.1 client on asyncio streams, for many simulated browsers in one process.

One connection per request, closed by the server when the answer is complete, as gunicorn's
sync workers do; the answer is read to the end of the connection. It keeps each browser's
cookies and sends what the TLS proxy in front of gunicorn would (``X-Forwarded-Proto``), so
the application sees the HTTPS requests production sees: secure cookies, the CSRF origin
check. It stays small and cheap on the CPU it shares with the server it measures.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.core import signing

# What messages.success() and the others put in Django's message cookie (its levels).
SUCCESS_LEVEL = 25
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    ms: float

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    def csrf_token(self) -> str:
        found = _CSRF_INPUT.search(self.body)
        return found.group(1).decode() if found else ""


@dataclass
class Browser:
    """One person's browser: the server it talks to and the cookies it holds."""

    host: str
    port: int
    timeout: float = 30.0
    cookies: dict[str, str] = field(default_factory=dict)
    # the levels of the messages the last answer left in the message cookie
    message_levels: list[int] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    async def get(self, path: str) -> Answer:
        return await self._request("GET", path)

    async def post(self, path: str, form: dict[str, str], referer: str) -> Answer:
        return await self._request("POST", path, urlencode(form).encode(), referer=referer)

    async def _request(self, method: str, path: str, body: bytes = b"", referer: str = "") -> Answer:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "X-Forwarded-Proto: https",
            "Connection: close",
            "Accept-Language: pl",
            "User-Agent: regflow-bench-http",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"Origin: {self.origin}",
                f"Referer: {self.origin}{referer}",
            ]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        began = time.perf_counter()
        raw = await asyncio.wait_for(self._exchange(request), self.timeout)
        ms = (time.perf_counter() - began) * 1000
        answer = _parse(raw, ms)
        self._keep_cookies(answer)
        return answer

    async def _exchange(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(request)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    def _keep_cookies(self, answer: Answer) -> None:
        self.message_levels = []
        for key, value in answer.headers:
            if key.lower() != "set-cookie":
                continue
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if name == "messages":
                    # A browser would show them on the page the redirect leads to, which
                    # takes them out of the cookie; reading them here does the same.
                    self.message_levels = _message_levels(morsel.value)
                elif morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def _parse(raw: bytes, ms: float) -> Answer:
    head, _sep, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ConnectionError("no HTTP answer")
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    answer = Answer(int(parts[1]), headers, body, ms)
    if "chunked" in answer.header("Transfer-Encoding").lower():
        answer.body = _unchunk(body)
    return answer


def _unchunk(body: bytes) -> bytes:
    out, rest = bytearray(), body
    while rest:
        size_line, _sep, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2 :]
    return bytes(out)


def _message_levels(value: str) -> list[int]:
    """The levels in Django's message cookie, read without its key (the signature is the
    server's business; the content is what the next page would show)."""
    payload = value.strip('"').split(":", 1)[0]
    try:
        data = signing.b64_decode(payload.lstrip(".").encode())
        if payload.startswith("."):
            data = zlib.decompress(data)
        stored = json.loads(data)
    except (ValueError, zlib.error):
        return [0]
    return [item[2] for item in stored if isinstance(item, list) and len(item) > 2]
