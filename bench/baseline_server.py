"""The baseline server: a bare aiohttp handler that reads the body and returns a small JSON.

    python -m bench.baseline_server --path /v6/mail/send [--path ...] [--work none|jwe|jws]

Runs exactly as the mocks do (``AppRunner`` without access log, 127.0.0.1,
ephemeral port) and prints one JSON line ``{"url": ..., "pid": ...}`` once it
accepts connections. ``--work`` adds the raw cryptography a JOSE endpoint cannot
avoid, done with ``cryptography`` directly (see :mod:`bench.rawjose`): ``jwe``
unwraps and decrypts a compact JWE found in the body's ``encryptedData``; ``jws``
verifies the RS256 JWT in ``Authorization: Bearer``. Keys come from
``--key-file`` (JSON written by the benchmark: PEM private key for ``jwe``, PEM
public key for ``jws``). ``aesgcm`` is netcore-email's pipeline with every check
left out (:mod:`bench.ceiling`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

from aiohttp import web
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .rawjose import RawJweDecryptor, RawJwsVerifier

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_handler(work: str, key_file: Path | None) -> Handler:
    """The bare handler, optionally doing the raw JOSE work of a request."""
    if work == "none":

        async def bare(request: web.Request) -> web.Response:
            await request.read()
            return web.json_response({"status": "ok"})

        return bare
    if work == "aesgcm":
        journal: collections.deque[Any] = collections.deque(maxlen=10_000)
        store: collections.deque[Any] = collections.deque(maxlen=10_000)

        async def aesgcm(request: web.Request) -> web.Response:
            """netcore-email's irreducible work, no checks: key/IV/body base64, AES-256-GCM, JSON, keep, answer."""
            body = await request.read()
            headers = request.headers
            key = base64.b64decode(headers["X-AES-KEY"], validate=True)
            iv = base64.b64decode(headers["X-AES-IV"], validate=True)
            payload = json.loads(AESGCM(key).decrypt(iv, base64.b64decode(body, validate=True), None))
            message_id = secrets.token_hex(16)
            journal.append((dict(headers), body))
            store.append((message_id, payload))
            return web.json_response({"data": {"message_id": message_id}, "message": "OK", "status": "success"})

        return aesgcm
    if key_file is None:
        raise SystemExit("--work needs --key-file")
    keys = json.loads(key_file.read_text(encoding="utf-8"))
    if work == "jwe":
        decryptor = RawJweDecryptor.from_pem(keys["private_pem"].encode("ascii"))

        async def jwe(request: web.Request) -> web.Response:
            body = await request.read()
            token = json.loads(body)["encryptedData"]
            json.loads(decryptor.decrypt(token))
            return web.json_response({"status": "ok"})

        return jwe
    if work == "jws":
        verifier = RawJwsVerifier.from_pem(keys["public_pem"].encode("ascii"))

        async def jws(request: web.Request) -> web.Response:
            await request.read()
            token = request.headers["Authorization"].partition(" ")[2]
            verifier.verify(token)
            return web.json_response({"status": "ok"})

        return jws
    raise SystemExit(f"unknown --work {work!r}")


async def serve(paths: Sequence[str], handler: Handler) -> None:
    app = web.Application()
    for path in paths:
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, reuse_address=True)
    await site.start()
    server = site._server  # aiohttp exposes the bound socket only here (as sealmail.mockservers.core.runner does)
    assert server is not None and server.sockets
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sys.stdout.write(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_server")
    parser.add_argument("--path", action="append", required=True, help="route to serve (repeatable)")
    parser.add_argument("--work", choices=("none", "jwe", "jws", "aesgcm"), default="none")
    parser.add_argument("--key-file", type=Path)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop (as sealmail serve --loop)")
    args = parser.parse_args(argv)
    factory = None
    if args.loop == "uvloop":  # not via sealmail.mockservers.eventloop: the baseline imports nothing of sealmail
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(serve(args.path, make_handler(args.work, args.key_file)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
