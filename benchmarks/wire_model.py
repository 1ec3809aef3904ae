"""The wire between this app and PortOne, modelled on loopback (``benchmarks.wire``).

- a PortOne stand-in (the project's fake) that answers only over TLS, with a
  self-signed certificate made for the run;
- in front of it, a TCP proxy that delivers every chunk either way half a round
  trip after it was sent, and makes a new connection's first bytes wait one
  more round trip (the TCP handshake). TLS's handshake goes through it like any
  other exchange, so it pays its own round trips;
- both in a process of their own, so the app under measurement never waits on
  them for its interpreter lock.

Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ipaddress
import queue
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
IMP_KEY = "bench-key"
IMP_SECRET = "bench-secret"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files in ``directory``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PortOne stand-in")])
    now = datetime.now(UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "stand-in.pem", directory / "stand-in.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    server: _StandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1  # the answer leaves in one write: one TLS record, one segment

    def setup(self) -> None:
        self.request.do_handshake()  # here, in this connection's thread, not in accept()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.fake.handle(self.command, self.path, dict(self.headers), body)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
        self.wfile.flush()

    do_GET = do_POST = do_DELETE = _serve


class _StandIn(ThreadingHTTPServer):
    """The fake PortOne over HTTPS (TLS 1.2 or 1.3, as the client offers)."""

    daemon_threads = True

    def __init__(self, fake: Any, context: ssl.SSLContext) -> None:
        super().__init__((HOST, 0), _Handler)
        self.fake = fake
        self.context = context

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        return self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        ), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-handshake is not news


class DelayProxy:
    """TCP on loopback with a round trip's latency: each chunk is delivered ``rtt / 2`` after it
    was read, in order; a new connection's first client bytes wait one more ``rtt``."""

    def __init__(self, target_port: int, rtt: float) -> None:
        self.target_port = target_port
        self.rtt = rtt
        self.connections = 0
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._stopped = threading.Event()

    def start(self) -> DelayProxy:
        threading.Thread(target=self._accept, name="wire-accept", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((HOST, self.target_port))
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            self.connections += 1
            self._pipe(client, upstream, handshake=self.rtt)
            self._pipe(upstream, client, handshake=0.0)

    def _pipe(self, src: socket.socket, dst: socket.socket, handshake: float) -> None:
        chunks: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
        one_way = self.rtt / 2

        def read() -> None:
            extra, last = handshake, 0.0
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                last = max(time.monotonic() + one_way + extra, last)
                extra = 0.0
                chunks.put((last, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = chunks.get()
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                try:
                    if not data:
                        dst.shutdown(socket.SHUT_WR)
                        return
                    dst.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, name="wire-read", daemon=True).start()
        threading.Thread(target=write, name="wire-write", daemon=True).start()


def serve(conn: Connection, rtt: float, cert_path: str, key_path: str) -> None:
    """The child process: stand-in and proxy, driven over ``conn``.

    Sends the proxy's port, then answers ``(op, arguments)`` messages until ``None``:
    ``add`` (a list of ``add_certification`` keyword sets → their imp_uids), ``stats``.
    """
    from django_portone_cert.testing import FakePortOne

    fake = FakePortOne(imp_key=IMP_KEY, imp_secret=IMP_SECRET, api_version="v1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    stand_in = _StandIn(fake, context)
    threading.Thread(target=stand_in.serve_forever, name="stand-in", daemon=True).start()
    proxy = DelayProxy(int(stand_in.server_address[1]), rtt).start()
    conn.send(proxy.port)
    while (message := conn.recv()) is not None:
        op, arguments = message
        if op == "add":
            conn.send([fake.add_certification(**kwargs) for kwargs in arguments])
        elif op == "stats":
            conn.send(
                {
                    "requests": fake.count(),
                    "token_requests": fake.token_requests,
                    "connections": proxy.connections,
                }
            )
    proxy.stop()
    stand_in.shutdown()
