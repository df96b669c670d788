"""``python -m bench.hardening.slow_clients`` (run by ``make soak``): 2,000 half-sent requests vs a new client.

A ``sealmail serve`` child process (netcore-email) runs with the file-descriptor
limit of a default desktop (``--fd-limit``, 1024, hard and soft, so the server
cannot raise it). The bench opens ``--slow`` connections that each send part of
a request head and then nothing, and measures how long a new client waits for
``GET /__mock__/health`` while they are open, and how many slow connections the
server still holds after ``--hold-check`` seconds.

Two configurations, interleaved per round: the shipped defaults (header
timeout 10 s, connection cap 512) and a baseline with the protections turned
off (cap and timeouts at an hour: what the mocks did before). Prints medians
and spread; writes ``bench/slow-clients-results.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from sealmail.mockservers.core.connections import raise_open_file_limit

RESULTS = Path(__file__).resolve().parent.parent / "slow-clients-results.json"
UNPROTECTED = ["--set", "netcore-email.max_connections=1000000", "--set", "netcore-email.header_timeout_s=3600",
               "--set", "netcore-email.idle_timeout_s=3600"]
CONFIGS = {"defaults": [], "unprotected": UNPROTECTED}
HEAD = b"POST /v6/mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: "


def _start_server(extra: list[str], fd_limit: int) -> tuple[subprocess.Popen[str], int]:
    def limit_fds() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    child = subprocess.Popen(
        [sys.executable, "-m", "sealmail", "serve", "--provider", "netcore-email", "--port-base", "0", "--json", "--quiet", "--no-inspector", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=limit_fds,
    )
    assert child.stdout is not None
    table = json.loads(child.stdout.readline())
    port = int(table["mocks"][0]["base_url"].rsplit(":", 1)[1])
    return child, port


async def _health_wait(port: int, timeout: float) -> float | None:
    """Seconds until a new client has the health answer; None if it did not within ``timeout``."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = await reader.read()
            writer.close()
    except (TimeoutError, OSError):
        return None
    return time.perf_counter() - started if reply.startswith(b"HTTP/1.1 200 ") else None


async def _one_round(port: int, slow: int, hold_check: float, timeout: float) -> dict[str, Any]:
    opened_at = time.perf_counter()
    gate = asyncio.Semaphore(100)  # under the listen backlog: no SYN retransmits on the client side

    async def open_slow() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5.0)
            except (TimeoutError, OSError):
                return None  # the server is not accepting: that is what is measured next
            writer.write(HEAD)
            return reader, writer

    connections = [c for c in await asyncio.gather(*(open_slow() for _ in range(slow))) if c is not None]
    opened = time.perf_counter()
    waits = [await _health_wait(port, timeout) for _ in range(3)]
    remaining = hold_check - (time.perf_counter() - opened)

    async def still_open(reader: asyncio.StreamReader) -> bool:
        try:
            return await asyncio.wait_for(reader.read(1), max(remaining, 0.01)) != b""
        except TimeoutError:
            return True
        except OSError:
            return False

    held = sum(await asyncio.gather(*(still_open(reader) for reader, _ in connections)))
    for _, writer in connections:
        writer.close()
    answered = [w for w in waits if w is not None]
    return {
        "slow_opened": len(connections),
        "opening_s": round(opened - opened_at, 2),
        "new_client_answered": f"{len(answered)}/{len(waits)}",
        "new_client_wait_s": statistics.median(answered) if answered else None,
        f"held_after_{hold_check:g}s": held,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hardening.slow_clients", description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=2000, help="half-sent connections (default 2000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per configuration (default 2)")
    parser.add_argument("--fd-limit", type=int, default=1024, help="the server's RLIMIT_NOFILE (default 1024)")
    parser.add_argument("--hold-check", type=float, default=12.0, help="count slow connections still held this long after the last one opened")
    parser.add_argument("--timeout", type=float, default=5.0, help="a new client gives up after this long")
    args = parser.parse_args(argv)
    raise_open_file_limit(args.slow + 1024)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in CONFIGS}
    for _ in range(args.rounds):
        for name, extra in CONFIGS.items():
            child, port = _start_server(extra, args.fd_limit)
            try:
                results[name].append(asyncio.run(_one_round(port, args.slow, args.hold_check, args.timeout)))
            finally:
                child.terminate()
                child.wait(10)
    summary = {}
    for name, rounds in results.items():
        waits = [r["new_client_wait_s"] for r in rounds if r["new_client_wait_s"] is not None]
        held = [r[f"held_after_{args.hold_check:g}s"] for r in rounds]
        summary[name] = {
            "new_client_wait_ms_median": round(statistics.median(waits) * 1000, 1) if waits else None,
            "new_client_wait_ms_spread": [round(min(waits) * 1000, 1), round(max(waits) * 1000, 1)] if waits else None,
            "new_client_answered": [r["new_client_answered"] for r in rounds],
            "held_after_check_median": statistics.median(held),
        }
        print(f"{name:12} new client: {summary[name]['new_client_answered']} answered, median wait "
              f"{summary[name]['new_client_wait_ms_median']} ms (spread {summary[name]['new_client_wait_ms_spread']}); "
              f"slow connections held {args.hold_check:g} s after opening: {summary[name]['held_after_check_median']} of {args.slow}")
    RESULTS.write_text(json.dumps({"settings": vars(args), "summary": summary, "rounds": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
