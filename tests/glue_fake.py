"""An in-memory Argus behind requests-mock, for the unit tests of pyargus.glue.

It keeps incidents the way argus-server 2.10 does where the toolkit cares:
``source_incident_id`` unique per source over open and closed incidents (a
duplicate POST answers the recorded 400), ``GET incidents/mine/`` with the
``open``, ``source_incident_id`` (stripped, as Django strips it), ``tags``,
``page_size`` and ``cursor`` parameters and ``?count``, END and RES events,
PATCH of editable fields. Every request is recorded; :attr:`FakeArgus.faults`
can make any request fail.

The async glue needs a real HTTP server (aiohttp does not go through
requests): :func:`serving` serves the same fake on 127.0.0.1, for an
:class:`~pyargus.async_client.AsyncClient` and a sync
:class:`~pyargus.client.Client` alike (the parity tests run both on it).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
import requests_mock

from tests.conftest import API

ROOT = API.rsplit("/api/v2/", 1)[0]
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
DUPLICATE = [
    'duplicate key value violates unique constraint "incident_unique_source_incident_id_per_source"'
]


class Fault(Exception):
    """Raised by a fault hook: answer with *status* and *body* instead."""

    def __init__(self, status: int, body: Any = None) -> None:
        self.status, self.body = status, body


class FakeArgus:
    """See the module docs. ``requests`` holds ``(method, path, query)`` of every request."""

    def __init__(
        self, mock: requests_mock.Mocker | None = None, *, username: str = "testsource"
    ) -> None:
        #: The API root the next-page links point to (set by :func:`serving`).
        self.api = API
        self._lock = threading.Lock()
        self.incidents: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.username = username
        self.source_user = 3 if username == "testsource" else 99
        self.version = "2.10.2"
        self.heartbeat = True
        #: ``hook(method, path, query)``: raise :class:`Fault` to fail a request.
        self.faults: Callable[[str, str, dict[str, str]], None] | None = None
        #: ``lose(method, path)``: true to act on the request, then lose the answer.
        self.lose: Callable[[str, str], bool] | None = None
        self._pk = 0
        if mock is not None:
            mock.register_uri(
                requests_mock.ANY, re.compile(re.escape(ROOT) + "/.*"), content=self._handle
            )

    # Test set-up

    def add(
        self, sid: str | None, *, open: bool = True, minutes_ago: int = 0, **fields: Any
    ) -> dict[str, Any]:
        """Store an incident (open, or closed an hour ago) and return its wire form."""
        self._pk += 1
        start = T0 - timedelta(minutes=minutes_ago or self._pk)
        end = "infinity" if open else (start + timedelta(minutes=1)).isoformat()
        incident = {
            "pk": self._pk,
            "start_time": start.isoformat(),
            "end_time": end,
            "source": {
                "pk": 2,
                "name": "testsource",
                "type": {"name": "pyargus"},
                "user": 3,
                "base_url": "",
            },
            "source_incident_id": sid or "",
            "details_url": "",
            "description": f"incident {sid}",
            "level": 5,
            "ticket_url": "",
            "metadata": {},
            "tags": [],
            "stateful": True,
            "open": open,
            "acked": False,
        }
        for name, value in fields.items():
            if name == "tags":
                value = [
                    {"tag": f"{k}={v}", "added_by": 3, "added_time": start.isoformat()}
                    for k, v in value.items()
                ]
            incident[name] = value
        self.incidents[self._pk] = incident
        return incident

    def open_ids(self) -> set[str]:
        return {i["source_incident_id"] for i in self.incidents.values() if i["open"]}

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.requests]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1
            for m, p, _ in self.requests
            if (method is None or m == method) and (path is None or p.endswith(path))
        )

    # The server

    def _handle(self, request: Any, context: Any) -> bytes:
        body = request.json() if request.body else None
        status, answer, lost = self.respond(request.method, request.url, body)
        if lost:
            raise requests.exceptions.ConnectionError("connection reset after the server acted")
        context.headers["Content-Type"] = "application/json"
        context.status_code = status
        return b"" if answer is None else json.dumps(answer).encode()

    def respond(self, method: str, url: str, body: Any) -> tuple[int, Any, bool]:
        """``(status, JSON body, lost)`` for one request (*lost*: acted, answer lost)."""
        parts = urlsplit(url)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:  # one request at a time, as a database transaction would
            self.requests.append((method, path, query))
            try:
                if self.faults is not None:
                    self.faults(method, path, query)
                status, answer = self._route(method, path, query, body)
                lost = self.lose is not None and self.lose(method, path)
            except Fault as fault:
                status, answer, lost = fault.status, fault.body, False
        return status, answer, lost

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        rel = path[len("/api/v2/") :] if path.startswith("/api/v2/") else path
        if path == "/api/":
            return 200, {"server-version": self.version, "api-version": {"stable": "v2"}}
        if rel == "auth/user/":
            return 200, {"username": self.username, "first_name": "", "last_name": "", "email": ""}
        if rel == "incidents/sources/heartbeat/":
            if not self.heartbeat:
                return 404, {"detail": "Not found."}
            return (
                (405, {"detail": 'Method "GET" not allowed.'}) if method == "GET" else (204, None)
            )
        if rel == "incidents/sources/":
            return 200, [
                {
                    "pk": 2,
                    "name": "testsource",
                    "type": {"name": "pyargus"},
                    "user": 3,
                    "base_url": "",
                }
            ]
        if match := re.fullmatch(r"auth/users/(\d+)/", rel):
            name = "testsource" if int(match.group(1)) == 3 else "other"
            return 200, {"username": name, "first_name": "", "last_name": "", "email": ""}
        if rel == "incidents/mine/" and method == "GET":
            return 200, self._list(query)
        if rel == "incidents/" and method == "POST":
            return self._create(body)
        if match := re.fullmatch(r"incidents/(\d+)/", rel):
            incident = self.incidents.get(int(match.group(1)))
            if incident is None:
                return 404, {"detail": "Not found."}
            if method == "PATCH":
                for name, value in body.items():
                    incident[name] = value
            return 200, incident
        if match := re.fullmatch(r"incidents/(\d+)/events/", rel):
            return self._event(int(match.group(1)), body)
        return 404, {"detail": "Not found."}

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        items = sorted(self.incidents.values(), key=lambda i: i["start_time"], reverse=True)
        if "open" in query:
            items = [i for i in items if i["open"] == (query["open"] == "true")]
        sid = query.get("source_incident_id", "").strip()  # Django strips filter values
        if sid:
            items = [i for i in items if i["source_incident_id"] == sid]
        if query.get("tags"):
            wanted = set(query["tags"].split(","))
            items = [i for i in items if wanted <= {t["tag"] for t in i["tags"]}]
        if "count" in query:
            return {"count": len(items)}
        size = int(query.get("page_size", 100))
        start = int(query.get("cursor", 0))
        page = items[start : start + size]
        following = None
        if start + size < len(items):
            params = {k: v for k, v in query.items() if k != "cursor"}
            following = f"{self.api}incidents/mine/?{urlencode({**params, 'cursor': start + size})}"
        return {"next": following, "previous": None, "results": page}

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        sid = body.get("source_incident_id", "")
        if sid and any(i["source_incident_id"] == sid for i in self.incidents.values()):
            return 400, DUPLICATE
        incident = self.add(sid or None)
        incident.update({k: v for k, v in body.items() if k != "tags"})
        incident["tags"] = [dict(t, added_by=3) for t in body.get("tags", [])]
        incident["end_time"] = body.get("end_time", "infinity")
        incident["open"] = incident["end_time"] == "infinity"
        return 201, incident

    def _event(self, pk: int, body: dict[str, Any]) -> tuple[int, Any]:
        incident = self.incidents.get(pk)
        if incident is None:
            return 404, {"detail": "Not found."}
        kind = body["type"]
        if kind == "END" and incident["open"]:
            incident["end_time"], incident["open"] = body["timestamp"], False
        elif kind == "RES" and not incident["open"]:
            incident["end_time"], incident["open"] = "infinity", True
        event = {
            "pk": 1000 + pk,
            "incident": pk,
            "actor": {"pk": 3, "username": self.username},
            "timestamp": body["timestamp"],
            "received": body["timestamp"],
            "type": {"value": kind, "display": kind},
            "description": body.get("description") or "",
        }
        return 201, event


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # One write per answer, sent at once (no 40 ms Nagle / delayed-ACK stalls).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        url = self.server.root + self.path
        status, answer, lost = self.server.argus.respond(self.command, url, body)
        if lost:  # acted on it; the answer never arrives
            self.close_connection = True
            return
        payload = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # concurrent clients (gather) connect at once
    argus: FakeArgus
    root: str


@contextmanager
def serving(argus: FakeArgus) -> Iterator[str]:
    """Serve *argus* over HTTP on 127.0.0.1 (a free port); yields its API root."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.argus = argus
    server.root = f"http://127.0.0.1:{server.server_address[1]}"
    argus.api = server.root + "/api/v2/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield argus.api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
