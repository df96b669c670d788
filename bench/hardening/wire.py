"""Raw HTTP/1.1 over a blocking socket: the fuzzer's client.

aiohttp's and requests' clients normalise or refuse exactly the inputs a fuzzer
wants to send (odd methods, undecodable header bytes, duplicate headers, hand-made
chunked framing), so requests are written as bytes and the answer is read with the
standard library's ``http.client.HTTPResponse`` (Content-Length, chunked or close).
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass, field


@dataclass
class WireReply:
    status: int
    headers: dict[str, str]
    body: bytes
    header_list: list[tuple[str, str]] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class NoReply(Exception):
    """The server closed, reset or timed out without a complete HTTP answer."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


def exchange(host: str, port: int, raw: bytes, method: str, timeout: float = 10.0) -> WireReply:
    """Send ``raw`` on a fresh connection and read one response to it.

    A server may answer (413, 400) and close before reading a large body; the
    answer is still read when sending fails half-way.
    """
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        send_error: OSError | None = None
        try:
            sock.sendall(raw)
        except socket.timeout as error:
            raise NoReply("timeout", "server stopped reading the request") from error
        except OSError as error:
            send_error = error
        response = http.client.HTTPResponse(sock, method=method.upper())
        try:
            response.begin()
            body = response.read()
        except socket.timeout as error:
            raise NoReply("timeout", f"no complete answer within {timeout}s") from error
        except (http.client.HTTPException, OSError) as error:
            cause = f"; sending failed first: {send_error}" if send_error else ""
            raise NoReply("no_answer", f"{type(error).__name__}: {error}{cause}") from error
        _await_close(sock)
        pairs = list(response.getheaders())
        return WireReply(response.status, {k.lower(): v for k, v in pairs}, body, pairs)
    finally:
        sock.close()


def _await_close(sock: socket.socket) -> None:
    """Wait until the server closes (we always send ``Connection: close``).

    aiohttp finishes a request after answering it (draining an unread body,
    logging); waiting for the close ties those late effects to this request.
    """
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
