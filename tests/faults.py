"""A scripted, fault-injecting HTTP server on 127.0.0.1 for the resilience tests.

:class:`FaultServer` answers each request with the next scripted
:class:`Action` (per path, then for any path, then its default) and records
what it saw, so a test can count attempts and read the headers sent::

    with FaultServer() as server:
        server.script(Reply(503), Reply(200, json={...}))
        ...
        assert server.count() == 2

Actions cover what networks and proxies do to a client: statuses with any
headers and body, slow answers (read timeouts), connections closed before
or after the request was read, resets, truncated/empty/HTML/invalid bodies,
raw bytes, redirects, and :class:`Forward`, which relays a request to a
real server and can drop the answer after that server acted on it.

Everything is bounded in time: every socket has a timeout, delays end when
the server stops, and :meth:`FaultServer.close` always shuts it down. Only
loopback addresses are used. :class:`RefusedPort` and
:class:`FullBacklog` give a refused connection and a connect timeout.
"""

from __future__ import annotations

import json as jsonlib
import socket
import socketserver
import ssl
import struct
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Action",
    "Delay",
    "Drop",
    "DropBeforeRequest",
    "FaultServer",
    "Forward",
    "FullBacklog",
    "Raw",
    "RefusedPort",
    "Reply",
    "Reset",
    "Seen",
    "Truncated",
]

HOST = "127.0.0.1"
_MAX_HEAD = 64 * 1024
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Seen:
    """A request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return jsonlib.loads(self.body)


class Action:
    """What the server does with one connection (after reading the request)."""

    reads_request = True

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        raise NotImplementedError


def _response(status: int, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Reply(Action):
    """An HTTP answer. ``json=`` sets the body and its Content-Type."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None

    def payload(self) -> bytes:
        body = self.body.encode() if isinstance(self.body, str) else self.body
        headers = dict(self.headers)
        if self.json is not None:
            body = jsonlib.dumps(self.json).encode()
            headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Content-Length", str(len(body)))
        headers.setdefault("Connection", "close")
        return _response(self.status, headers, body)

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        conn.sendall(self.payload())


def html_page(status: int, title: str) -> Reply:
    """An HTML error page, as nginx or Django send them."""
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return Reply(status, body, {"Content-Type": "text/html"})


@dataclass
class Delay(Action):
    """Wait *seconds* (less if the server stops), then do *then*."""

    seconds: float
    then: Action = field(default_factory=lambda: Reply(200, json={}))

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        if not server.stopping.wait(self.seconds):
            self.then.run(conn, seen, server)


class Drop(Action):
    """Read the request, then close the connection without answering."""

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        pass


class DropBeforeRequest(Drop):
    """Close the connection as soon as it is accepted, reading nothing."""

    reads_request = False


class Reset(Action):
    """Read the request, then reset the connection (TCP RST)."""

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@dataclass
class Raw(Action):
    """Send these bytes as they are, then close."""

    data: bytes

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        conn.sendall(self.data)


@dataclass
class Truncated(Action):
    """Announce *length* bytes of JSON, send only *body*, then close."""

    body: bytes = b'{"pk": 1, "descr'
    length: int = 200

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        head = {"Content-Type": "application/json", "Content-Length": str(self.length)}
        conn.sendall(_response(200, head, self.body))


@dataclass
class Forward(Action):
    """Relay the request to ``host:port``; with *drop_answer*, drop its answer.

    The upstream server gets the whole request and answers it; with
    ``drop_answer=True`` the client's connection is then closed without a
    byte of that answer, as when a proxy or the network fails at the worst
    moment. *delay* holds the answer back that many seconds (a slow network
    after the server acted). :attr:`answers` keeps the status lines of the
    upstream answers.
    """

    port: int
    drop_answer: bool = False
    delay: float = 0.0
    host: str = HOST
    timeout: float = 30.0
    answers: list[bytes] = field(default_factory=list)

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        assert seen is not None
        headers = dict(seen.headers)
        headers["host"] = f"{self.host}:{self.port}"
        headers["connection"] = "close"
        head = [f"{seen.method} {seen.path} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + seen.body
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as upstream:
            upstream.sendall(request)
            answer = _read_until_closed(upstream)
        self.answers.append(answer.split(b"\r\n", 1)[0])
        if self.delay and server.stopping.wait(self.delay):
            return
        if not self.drop_answer:
            conn.sendall(answer)


def _read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_request(conn: socket.socket) -> Seen | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > _MAX_HEAD:
            return None
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Seen(method, path, headers, body)


class _Handler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        fault = self.server.fault
        conn: socket.socket = self.request
        conn.settimeout(fault.timeout)
        fault.accepted()
        try:
            if fault.tls is not None:
                conn = fault.tls.wrap_socket(conn, server_side=True)
            seen = None
            if fault.peek_reads_request():
                seen = _read_request(conn)
                if seen is None:
                    return
            action = fault.next_action(seen)
            action.run(conn, seen, fault)
            if not isinstance(action, Reset):
                conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client went away, or TLS failed: as the test intends
        finally:
            conn.close()


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    fault: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a failed test connection is not the server's problem


class FaultServer:
    """A scripted HTTP/1.1 server on 127.0.0.1 (plain or TLS). See the module docs.

    :param default: the action once the scripts are used up.
    :param tls: a server-side :class:`ssl.SSLContext` to serve HTTPS.
    :param timeout: socket timeout of every connection, in seconds.
    :param port: the port to listen on (a free one if 0).
    :param host: the loopback address to listen on.
    """

    def __init__(
        self,
        default: Action | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        timeout: float = 10.0,
        port: int = 0,
        host: str = HOST,
    ) -> None:
        self.default = default or Reply(404, json={"detail": "Not found."})
        self.tls = tls
        self.timeout = timeout
        self.seen: list[Seen] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._scripts: dict[str | None, deque[Action]] = {}
        self._lock = threading.Lock()
        self._server = _TCPServer((host, port), _Handler)
        self._server.fault = self
        self.port = self._server.server_address[1]
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def script(self, *actions: Action, path: str | None = None) -> FaultServer:
        """Queue *actions* for requests to *path* (any path if ``None``)."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(actions)
        return self

    def accepted(self) -> None:
        with self._lock:
            self.connections += 1

    def peek_reads_request(self) -> bool:
        with self._lock:
            queue = self._scripts.get(None)
            action = queue[0] if queue else self.default
        return action.reads_request

    def next_action(self, seen: Seen | None) -> Action:
        """Record *seen* (if a request was read) and pop the action for it."""
        with self._lock:
            keys: tuple[str | None, ...] = (None,)
            if seen is not None:
                self.seen.append(seen)
                keys = (seen.path.split("?", 1)[0], None)
            for key in keys:
                queue = self._scripts.get(key)
                if queue:
                    return queue.popleft()
            return self.default

    def count(self, path: str | None = None) -> int:
        """How many requests were read (to *path*, query ignored, if given)."""
        return sum(1 for s in self.seen if path is None or s.path.split("?", 1)[0] == path)

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RefusedPort:
    """A loopback port that refuses connections (bound, not listening) until :meth:`serve`."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind((HOST, 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self.server: FaultServer | None = None

    def serve(self, default: Action) -> FaultServer:
        """From now on, accept connections on the port and answer with *default*."""
        self._sock.close()
        self.server = FaultServer(default, port=self.port)
        return self.server

    def close(self) -> None:
        self._sock.close()
        if self.server is not None:
            self.server.close()

    def __enter__(self) -> RefusedPort:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class FullBacklog:
    """A loopback port whose accept queue is full: connecting times out."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind((HOST, 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._held: list[socket.socket] = []
        # Fill the queue; later connects get no SYN-ACK until they time out.
        for _ in range(8):
            sock = socket.socket()
            sock.settimeout(0.2)
            try:
                sock.connect((HOST, self.port))
            except OSError:
                sock.close()
                break
            self._held.append(sock)

    def close(self) -> None:
        for sock in self._held:
            sock.close()
        self._listener.close()

    def __enter__(self) -> FullBacklog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def run_in_threads(work: Any, count: int, timeout: float) -> list[BaseException]:
    """Run ``work(n)`` for n in range(*count*) in as many threads; the exceptions raised."""
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors
