"""Decrypt throughput of the autosend mock's JWE endpoint against raw RSA-OAEP decryption, in one run.

    .venv/bin/python bench/autosend_throughput.py [--seconds 0.5] [--rounds 8] [--concurrency 8]

The mock runs in its own process (``python -m sealmail serve --provider autosend``),
as ``make serve`` users run it, so the HTTP client and the server do not share a GIL.
Measured, interleaved over several rounds (median reported: the machine is shared and noisy):

- ``raw RSA-OAEP-256``: ``cryptography`` private-key decryption of one 256-byte encrypted key (the baseline);
- ``jwe.decrypt``: sealmail.mockservers.crypto.jwe parse + policy + unwrap + AES-GCM of a whole token;
- ``HTTP plaintext``: ``POST /v1/contacts/email`` with a plain JSON body (HTTP, journal, validation, store);
- ``HTTP JWE``: the same endpoint with the JWE envelope, sequential and with ``--concurrency`` requests in flight.

Tokens are made before timing: only the server side (decryption) is measured. Ratios are
against the raw RSA-OAEP baseline and, for HTTP rows, the plaintext endpoint, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any, Awaitable, Callable

import aiohttp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend import spec
from sealmail.mockservers.providers.autosend.keys import default_supply

CONTACT = {"email": "bench@example.com", "firstName": "Bench", "customFields": {"plan": "pro", "seats": 3}}
OAEP_SHA256 = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            fn()
        count += 20
    return count / elapsed


async def http_rate(send: Callable[[], Awaitable[int]], seconds: float, concurrency: int) -> float:
    count = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            status = await send()
            if status != 200:
                raise RuntimeError(f"unexpected status {status}")
            count += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - start)


def start_mock() -> tuple[subprocess.Popen[str], str]:
    """The autosend mock in a child process on an ephemeral port; returns it and its base URL."""
    command = [sys.executable, "-m", "sealmail", "serve", "--provider", "autosend", "--port-base", "0", "--json", "--quiet",
               "--set", "autosend.journal_capacity=1000", "--set", "autosend.message_capacity=1000"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise SystemExit("the mock did not start")
    return process, json.loads(line)["mocks"][0]["base_url"]


async def measure(url: str, seconds: float, rounds: int, concurrency: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    private = default_supply().key(0)  # the mock's fixed default key (same committed material)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        async with http.get(url + spec.JWKS_PATH) as response:
            entry = (await response.json())["keys"][0]
        assert entry["n"] == private.export_public(as_dict=True)["n"]
        public = jwe.import_encryption_key(entry)
        plaintext = json.dumps(CONTACT).encode()
        tokens = [jwe.encrypt_compact(plaintext, public, kid=entry["kid"]) for _ in range(64)]
        parsed = jwe.parse_compact(tokens[0])
        raw_key = private.get_op_key("unwrapKey")
        headers_plain = {"Authorization": f"Bearer {spec.DEFAULT_API_KEY}", "Content-Type": "application/json"}
        headers_jwe = {**headers_plain, "X-Payload-Encryption": "jwe", "X-Key-Id": entry["kid"]}
        bodies = [json.dumps({"encryptedData": t}).encode() for t in tokens]
        endpoint = url + spec.UPSERT_CONTACT_PATH
        cycle = [0]

        async def send_plain() -> int:
            async with http.post(endpoint, data=plaintext, headers=headers_plain) as response:
                await response.read()
                return response.status

        async def send_jwe() -> int:
            cycle[0] += 1
            async with http.post(endpoint, data=bodies[cycle[0] % len(bodies)], headers=headers_jwe) as response:
                await response.read()
                return response.status

        await http_rate(send_jwe, 0.3, 2)  # warm-up: connections, caches
        for _ in range(rounds):
            results.setdefault("raw RSA-OAEP-256", []).append(rate(lambda: raw_key.decrypt(parsed.encrypted_key, OAEP_SHA256), seconds))
            results.setdefault("jwe.decrypt (parse+unwrap+GCM)", []).append(
                rate(lambda: jwe.decrypt(jwe.parse_compact(tokens[0]), private, jwe.AUTOSEND_POLICY), seconds))
            results.setdefault("HTTP plaintext, 1 in flight", []).append(await http_rate(send_plain, seconds, 1))
            results.setdefault("HTTP JWE, 1 in flight", []).append(await http_rate(send_jwe, seconds, 1))
            results.setdefault(f"HTTP JWE, {concurrency} in flight", []).append(await http_rate(send_jwe, seconds, concurrency))
        async with http.get(url + "/__mock__/requests?outcome=rejected") as response:
            rejected = (await response.json())["requests"]
        assert not rejected, rejected[:3]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="time per measurement slice")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved slices per measurement (median reported)")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    process, url = start_mock()
    try:
        results = asyncio.run(measure(url, args.seconds, args.rounds, args.concurrency))
    finally:
        process.terminate()
        process.wait(timeout=10)
    baseline = statistics.median(results["raw RSA-OAEP-256"])
    plain = statistics.median(results["HTTP plaintext, 1 in flight"])
    print(f"autosend decrypt throughput (median of {args.rounds} interleaved rounds, {args.seconds}s each; mock in its own process)")
    print(f"{'measurement':34} {'ops/s':>10} {'vs raw RSA-OAEP':>16} {'vs HTTP plaintext':>18}")
    for name, values in results.items():
        median = statistics.median(values)
        versus_plain = f"{median / plain:17.2f}x" if name.startswith("HTTP") else f"{'':18}"
        print(f"{name:34} {median:10.0f} {median / baseline:15.2f}x {versus_plain}")


if __name__ == "__main__":
    main()
