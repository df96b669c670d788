"""A refused body with a content coding is not decoded to its end after the answer.

Before: aiohttp's lingering close read the rest of the unread body for up to 10 s, decompressing
it on the loop all mocks share: a 2 MB gzip body of zeros refused with 413 after its first 8 MiB
went on to inflate 2 GB (seconds of CPU, the other mocks waiting). Now the connection closes after
the answer; a raw body is still drained (cheap, and the client is not reset while it sends).
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import pytest
from aiohttp import compression_utils

from sealmail.mockservers.core import create_app

MIB = 1 << 20
INFLATED_MIB = 300


def _gzip_of_zeros(mib: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join([packer.compress(b"\0" * MIB) for _ in range(mib)] + [packer.flush()])


@pytest.mark.parametrize(("path", "extra", "status"), [
    ("/v6/mail/send", "", b"413"), ("/__mock__/faults", "", b"413"),
    ("/__mock__/faults", "Origin: http://evil.example\r\n", b"403"),  # refused before its body is read
])
async def test_the_rest_of_a_refused_gzip_body_is_not_inflated(
    aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch, path: str, extra: str, status: bytes
) -> None:
    inflated = [0]
    original = compression_utils.ZLibDecompressor.decompress_sync

    def counting(self: Any, data: bytes, max_length: int = 0) -> bytes:
        out = original(self, data, max_length)
        inflated[0] += len(out)
        return out

    monkeypatch.setattr(compression_utils.ZLibDecompressor, "decompress_sync", counting)
    client = await aiohttp_client(create_app("netcore-email", {"max_body_bytes": 1 * MIB}))
    bomb = _gzip_of_zeros(INFLATED_MIB)
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            f"{extra}Content-Length: {len(bomb)}\r\n\r\n").encode()
    writer.write(head + bomb)
    answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    assert answer.startswith(b"HTTP/1.1 " + status)
    try:
        await asyncio.wait_for(reader.read(), 30)  # the server closes the connection after the answer
    except ConnectionResetError:
        pass
    writer.close()
    assert inflated[0] < 32 * MIB, f"{inflated[0] // MIB} MiB inflated after the answer"
