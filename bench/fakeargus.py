"""A fake Argus API v2 for the benchmark, run in its own process.

Run it alone with ``python bench/fakeargus.py [--port P] [--prerender 20000:100,...]``;
it prints ``READY <api port> <control port>`` once it listens on 127.0.0.1.

* ``/ds/<N>/api/v2/`` is an API root whose listing holds *N* incidents
  (pks *N* .. 1, newest first; at most ``--max-size``); ``/api/v2/`` holds
  ``--max-size`` incidents.
* ``GET incidents/`` and ``incidents/mine/``: DRF-style cursor pages
  ``{"next", "previous", "results"}`` with **absolute** ``next`` links that
  repeat every query parameter; ``page_size`` defaults to 100. Page bodies
  are rendered once and cached (``--prerender`` renders them at start-up),
  so that the server costs little next to the client.
* ``GET incidents/<pk>/``: one incident.
* ``POST incidents/``: 201 with a fixed incident.
* ``POST incidents/<pk>/events/``: 201 with a fixed END event.
* Requests without ``Authorization: Token ...`` get 401.
* HTTP/1.1 keep-alive; ``Connection: close`` is honoured.

The control port answers ``GET /stats`` with the number of TCP connections
accepted and requests answered on the API port so far, so that the
benchmark can tell how many connections one client run opened.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import re
import sys
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import payloads

DEFAULT_SIZE = 100_000
DEFAULT_PAGE_SIZE = 100
_ROOT = re.compile(r"^(/ds/(\d+))?/api/v2/")
_INCIDENT = re.compile(r"^incidents/(\d+)/$")
_EVENTS = re.compile(r"^incidents/(\d+)/events/$")
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


class FakeArgus:
    """The request router and the page cache."""

    def __init__(self, host: str, max_size: int = DEFAULT_SIZE) -> None:
        self.host = host  # "127.0.0.1:port", for the absolute next links
        self.max_size = max_size
        self._incidents = payloads.incidents_json(1, max_size)  # newest first
        self._pages: dict[tuple, bytes] = {}
        self._created_incident = _json(payloads.created_incident())
        self.connections = 0
        self.requests = 0

    def prerender(self, size: int, page_size: int) -> None:
        """Render every page of a listing of *size* incidents."""
        for offset in range(0, size, page_size):
            self.page(f"/ds/{size}/api/v2/incidents/", size, page_size, offset, ())

    def page(
        self, path: str, size: int, page_size: int, offset: int, extra: tuple[tuple[str, str], ...]
    ) -> bytes:
        """The body of one cursor page (cached)."""
        key = (path, size, page_size, offset, extra)
        body = self._pages.get(key)
        if body is not None:
            return body
        first = self.max_size - size + offset
        items = self._incidents[first : first + min(page_size, size - offset)]

        def link(to: int) -> bytes:
            if to < 0 or to >= size:
                return b"null"
            query = [("cursor", _cursor(to))] if to else []
            query += [*extra, ("page_size", str(page_size))]
            qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
            return json.dumps(f"http://{self.host}{path}?{qs}").encode()

        body = b"".join(
            [
                b'{"next":',
                link(offset + page_size),
                b',"previous":',
                link(offset - page_size) if offset else b"null",
                b',"results":[',
                b",".join(items),
                b"]}",
            ]
        )
        self._pages[key] = body
        return body

    def route(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """The status and JSON body that answer one request."""
        if not headers.get("authorization", "").startswith("Token "):
            return 401, b'{"detail":"Authentication credentials were not provided."}'
        parts = urlsplit(target)
        root = _ROOT.match(parts.path)
        if root is None:
            return 404, b'{"detail":"Not found."}'
        size = min(int(root.group(2)), self.max_size) if root.group(2) else self.max_size
        rest = parts.path[root.end() :]
        if rest in ("incidents/", "incidents/mine/"):
            if method == "POST":
                return 201, self._created_incident
            if method != "GET":
                return 405, b'{"detail":"Method not allowed."}'
            query = parse_qsl(parts.query, keep_blank_values=True)
            page_size, offset, extra = DEFAULT_PAGE_SIZE, 0, []
            for name, value in query:
                if name == "page_size" and value.isdigit() and int(value) > 0:
                    page_size = int(value)
                elif name == "cursor":
                    try:
                        offset = int(base64.b64decode(value).decode()[2:])
                    except ValueError:
                        return 404, b'{"detail":"Invalid cursor"}'
                elif name != "page_size":
                    extra.append((name, value))
            return 200, self.page(parts.path, size, page_size, offset, tuple(extra))
        match = _EVENTS.match(rest)
        if match and method == "POST":
            return 201, _json(payloads.created_event(int(match.group(1))))
        match = _INCIDENT.match(rest)
        if match and method == "GET":
            return 200, _json(payloads.incident(int(match.group(1))))
        return 404, b'{"detail":"Not found."}'

    async def serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer the requests of one keep-alive connection."""
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", 0) or 0)
                if length:
                    await reader.readexactly(length)
                status, body = self.route(method, target, headers)
                self.requests += 1
                close = headers.get("connection", "").lower() == "close"
                writer.write(_head(status, len(body), close) + body)
                await writer.drain()
                if close:
                    return
        finally:
            writer.close()

    async def serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer ``GET /stats`` on the control port."""
        try:
            await reader.readuntil(b"\r\n\r\n")
            body = json.dumps({"connections": self.connections, "requests": self.requests})
            writer.write(_head(200, len(body), True) + body.encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _cursor(offset: int) -> str:
    return base64.b64encode(f"o={offset}".encode()).decode()


def _head(status: int, length: int, close: bool) -> bytes:
    """Response headers like Django's (gunicorn) behind nginx."""
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        f"Server: nginx\r\n"
        f"Date: {formatdate(usegmt=True)}\r\n"
        f"Content-Type: application/json\r\n"
        f"Content-Length: {length}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n"
        f"Vary: Accept, Origin\r\n"
        f"Allow: GET, POST, HEAD, OPTIONS\r\n"
        f"X-Frame-Options: DENY\r\n"
        f"X-Content-Type-Options: nosniff\r\n"
        f"Referrer-Policy: same-origin\r\n"
        f"Cross-Origin-Opener-Policy: same-origin\r\n"
        f"\r\n"
    ).encode("latin-1")


async def main(
    port: int, control_port: int, max_size: int, prerender: list[tuple[int, int]]
) -> None:
    fake = FakeArgus("", max_size=max([max_size, *(n for n, _ in prerender)]))
    api = await asyncio.start_server(fake.serve_client, "127.0.0.1", port)
    control = await asyncio.start_server(fake.serve_control, "127.0.0.1", control_port)
    api_port = api.sockets[0].getsockname()[1]
    fake.host = f"127.0.0.1:{api_port}"
    for size, page_size in prerender:
        fake.prerender(size, page_size)
    print("READY", api_port, control.sockets[0].getsockname()[1], flush=True)
    async with api, control:
        await asyncio.gather(api.serve_forever(), control.serve_forever())


def _parse_prerender(text: str) -> list[tuple[int, int]]:
    pairs = []
    for item in filter(None, text.split(",")):
        size, _, page_size = item.partition(":")
        pairs.append((int(size), int(page_size or DEFAULT_PAGE_SIZE)))
    return pairs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--control-port", type=int, default=0)
    parser.add_argument("--max-size", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--prerender", type=_parse_prerender, default=[], metavar="N:PS,...")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.port, args.control_port, args.max_size, args.prerender))
