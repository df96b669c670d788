"""A loopback HTTP server that answers every request with one scripted misbehaviour (for the client-side tools' tests)."""

from __future__ import annotations

import socket
import threading
from typing import Callable, Iterator

Script = Callable[[threading.Event], Iterator[bytes]]


def fixed(status: str, body: bytes, *headers: str) -> Script:
    """A well-formed answer with ``body``."""
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    return lambda stop: iter([head.encode() + body])


def byte_by_byte(stop: threading.Event) -> Iterator[bytes]:
    """One byte every 50 ms: each read finishes well within a socket timeout, the answer never does."""
    yield b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    while not stop.wait(0.05):
        yield b" "


def endless_chunked(stop: threading.Event) -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    while not stop.is_set():
        yield b"1000\r\n" + b" " * 0x1000 + b"\r\n"


def huge_content_length(stop: threading.Event) -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nContent-Length: 2000000000\r\n\r\n"
    while not stop.is_set():
        yield b" " * 0x1000


class HostileServer:
    """``with HostileServer(script) as url:`` serves ``script`` to every connection until the block ends."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close() alone does not, on Linux)
        except OSError:
            pass
        self.listener.close()
        self.thread.join(timeout=5)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                for data in self.script(self.stop):
                    connection.sendall(data)
            except OSError:
                pass
