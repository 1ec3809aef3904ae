"""A :class:`FakePortOne` over real HTTP on loopback, for end-to-end tests and benchmarks."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ..portone.fake.api import FakePortOne


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Answer in one segment, at once: no Nagle/delayed-ACK stall on kept-alive connections.
    disable_nagle_algorithm = True
    wbufsize = -1

    def setup(self) -> None:
        super().setup()
        self.server.open_sockets.add(self.connection)
        if self.server.connect_latency:
            # A new connection costs a round trip before the first request (TCP handshake).
            time.sleep(self.server.connect_latency)

    def finish(self) -> None:
        self.server.open_sockets.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        self.server.connections_seen.add(self.client_address)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.fake.handle(self.command, self.path, dict(self.headers), body)
        if response.delay:
            time.sleep(response.delay)
        if response.fault == "timeout":
            time.sleep(self.server.hang_seconds)
            self.close_connection = True
            return
        if response.fault in ("reset", "refused"):
            # SO_LINGER 0: close with a TCP reset instead of a clean shutdown.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        # send_response() without its Date: the fake's own, by the fake's clock.
        self.log_request(response.status)
        self.send_response_only(response.status)
        self.send_header("Server", self.version_string())
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
        self.wfile.flush()

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakePortOne
    hang_seconds: float
    connections_seen: set[tuple[str, int]]
    open_sockets: set[socket.socket]
    connect_latency: float


class FakePortOneServer:
    """Serve ``fake`` on ``http://127.0.0.1:<port>`` in a background thread.

    >>> with FakePortOneServer(FakePortOne()) as server:
    ...     settings.PORTONE_CERT["API_BASE_URL"] = server.url

    ``hang_seconds`` is how long a "timeout" fault keeps the request waiting;
    ``connect_latency`` is added once per new connection (a handshake's round trip).
    ``connections`` counts the TCP connections clients opened.
    """

    def __init__(
        self,
        fake: FakePortOne,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hang_seconds: float = 30,
        connect_latency: float = 0.0,
    ) -> None:
        self.fake = fake
        self._server = _Server((host, port), _Handler)
        self._server.fake = fake
        self._server.hang_seconds = hang_seconds
        self._server.connections_seen = set()
        self._server.open_sockets = set()
        self._server.connect_latency = connect_latency
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def connections(self) -> int:
        return len(self._server.connections_seen)

    def start(self) -> FakePortOneServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-portone", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        # Kept-alive connections would hold their threads in a read: end them.
        for sock in list(self._server.open_sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakePortOneServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
