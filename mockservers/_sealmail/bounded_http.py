"""One HTTP exchange with a server sealmail does not control, within a time and size limit.

``sealmail conformance check --url`` and ``sealmail vectors replay`` talk to a
server the user (or a third party) runs. A socket timeout alone bounds each
read, not the answer: a server that sends one byte a second, an endless
chunked body or a 2 GB ``Content-Length`` would hold the command forever or
fill its memory. :func:`exchange` gives the whole answer (headers and body)
one deadline, enforced by a watchdog that shuts the socket down, and reads at
most ``max_body_bytes`` of body. Redirects are never followed (http.client
does not): the caller sees the 3xx status and its ``Location``.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

MAX_BODY_BYTES = 512 * 1024 * 1024
"""Largest answer body read: a mock's whole journal as JSON (its default budget of 64 MiB stored answers
about 60 MB) fits with room for a raised ``journal_max_bytes``; an endless body still ends here."""
_READ_CHUNK = 64 * 1024


class AnswerRefused(http.client.HTTPException):
    """The server's answer broke a limit: too slow to finish, or too large. ``str()`` says which, in one line."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def exchange(
    connection: http.client.HTTPConnection,
    send: Callable[[http.client.HTTPConnection], None],
    *,
    timeout_s: float,
    max_body_bytes: int | None = None,
) -> Answer:
    """``send(connection)`` writes the request; the answer must be complete within ``timeout_s`` of the start.

    ``max_body_bytes`` defaults to :data:`MAX_BODY_BYTES`. Raises :class:`AnswerRefused` on a late or oversized answer, ``OSError`` /
    ``http.client.HTTPException`` on a broken one. The connection is closed on return.
    """
    limit = MAX_BODY_BYTES if max_body_bytes is None else max_body_bytes
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        if connection.sock is not None:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    started = time.monotonic()
    watchdog = threading.Timer(timeout_s, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        send(connection)
        response = connection.getresponse()
        body = bytearray()
        while chunk := response.read1(_READ_CHUNK):
            body += chunk
            if len(body) > limit:
                raise AnswerRefused(f"answered with a body larger than {limit} bytes (stopped reading there)")
        if expired.is_set():  # the cut may look like a clean end of a close-delimited body
            raise AnswerRefused(f"did not finish its answer within {timeout_s:g}s")
        return Answer(response.status, response.headers, bytes(body))
    except (OSError, http.client.HTTPException) as error:
        if expired.is_set() or time.monotonic() - started >= timeout_s:
            raise AnswerRefused(f"did not finish its answer within {timeout_s:g}s") from None
        raise error
    finally:
        watchdog.cancel()
        connection.close()
