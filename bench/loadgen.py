"""The load generator: a separate process that replays pre-built HTTP requests on loopback.

    python -m bench.loadgen --requests FILE --concurrency 16 --duration 3 --max-requests 100000

``FILE`` is JSON ``{"requests": [{"port": N, "method": ..., "path": ..., "headers": {...},
"body_b64": ...}]}`` written by :func:`write_requests`. Every request is serialised to
bytes once, before the clock starts, so the generator does no crypto, no JSON and
no header work while measuring: per request it writes bytes, finds the end of the
response head and its ``Content-Length``, and records the status and latency.

Closed loop: ``concurrency`` keep-alive connections, each sending its next request
when the previous answer is complete. Bounded both ways: it stops at
``--duration`` seconds or ``--max-requests`` completed requests, whichever comes
first (after an unmeasured ``--warmup``). Prints one JSON line with the counts,
statuses, errors, requests per second and latency percentiles.

Pure standard library (asyncio protocols), so a fresh machine needs nothing; a
full HTTP client (aiohttp's, ``requests``) would cost as much CPU per request as
the server under test and blur the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

HOST = "127.0.0.1"
_CONTENT_LENGTH = b"\r\ncontent-length:"


@dataclass(frozen=True)
class RawRequest:
    """One request as it goes on the wire (without Host / Content-Length, added here)."""

    port: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body_b64": base64.b64encode(self.body).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RawRequest":
        return cls(int(data["port"]), data["method"], data["path"], dict(data["headers"]), base64.b64decode(data["body_b64"]))

    def wire(self) -> bytes:
        """HTTP/1.1 keep-alive bytes for this request."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        skip = {"host", "content-length", "connection", "transfer-encoding"}
        lines.extend(f"{k}: {v}" for k, v in self.headers.items() if k.lower() not in skip)
        lines.append(f"Content-Length: {len(self.body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + self.body


def write_requests(path: Path, requests: Iterable[RawRequest]) -> int:
    """Write a requests file for the generator; returns how many requests it holds."""
    items = [r.to_json() for r in requests]
    path.write_text(json.dumps({"requests": items}), encoding="utf-8")
    return len(items)


def read_requests(path: Path) -> list[RawRequest]:
    return [RawRequest.from_json(item) for item in json.loads(path.read_text(encoding="utf-8"))["requests"]]


class _Run:
    """Shared counters and bounds of one generator run."""

    def __init__(self, duration_s: float, max_requests: int, warmup_s: float) -> None:
        self.duration_s = duration_s
        self.max_requests = max_requests
        self.warmup_s = warmup_s
        self.measuring = warmup_s <= 0
        self.started = time.perf_counter()
        self.measure_start = self.started if self.measuring else 0.0
        self.stop_at = self.started + warmup_s + duration_s
        self.stopping = False
        self.completed = 0
        self.warmup_completed = 0
        self.statuses: dict[int, int] = {}
        self.by_port: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []
        self.idle = asyncio.Event()
        self.active = 0

    def record(self, status: int, latency: float, now: float, port: int) -> None:
        if not self.measuring:
            self.warmup_completed += 1
            if now - self.started >= self.warmup_s:
                self.measuring = True
                self.measure_start = now
            return
        self.completed += 1
        self.by_port[port] = self.by_port.get(port, 0) + 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)
        if self.completed >= self.max_requests or now >= self.stop_at:
            self.stopping = True

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class _Connection(asyncio.Protocol):
    """One keep-alive connection replaying its list of requests in a cycle."""

    def __init__(self, run: _Run, payloads: Sequence[bytes], offset: int, port: int) -> None:
        self.run = run
        self.port = port
        self.payloads = payloads
        self.index = offset % len(payloads)
        self.buffer = bytearray()
        self.need: int | None = None
        self.status = 0
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        payload = self.payloads[self.index]
        self.index = (self.index + 1) % len(self.payloads)
        self.sent_at = time.perf_counter()
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.need is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(self.buffer[:end]).lower()
                try:
                    self.status = int(head[9:12])
                    marker = head.find(_CONTENT_LENGTH)
                    if marker < 0:
                        raise ValueError("no Content-Length")
                    start = marker + len(_CONTENT_LENGTH)
                    stop = head.find(b"\r\n", start)
                    length = int(head[start : stop if stop >= 0 else len(head)])
                except ValueError:
                    self.run.error("unparsable_response")
                    self._finish()
                    return
                self.need = end + 4 + length
            if len(self.buffer) < self.need:
                return
            del self.buffer[: self.need]
            self.need = None
            now = time.perf_counter()
            self.run.record(self.status, now - self.sent_at, now, self.port)
            if self.run.stopping or now >= self.run.stop_at:
                self.run.stopping = True
                self._finish()
                return
            self._send()

    def _finish(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.run.error("connection_lost")
            self.done.set_result(None)


async def generate(
    requests: Sequence[RawRequest],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int,
    warmup_s: float = 0.0,
    max_reconnects: int = 100,
) -> dict[str, Any]:
    """Drive the servers named in ``requests`` and return the run's statistics."""
    by_port: dict[int, list[bytes]] = {}
    for request in requests:
        by_port.setdefault(request.port, []).append(request.wire())
    ports = sorted(by_port)
    loop = asyncio.get_running_loop()
    run = _Run(duration_s, max_requests, warmup_s)
    reconnects = 0

    async def worker(slot: int) -> None:
        nonlocal reconnects
        port = ports[slot % len(ports)]
        payloads = by_port[port]
        offset = slot * 7919
        while not run.stopping and time.perf_counter() < run.stop_at:
            try:
                _, protocol = await loop.create_connection(lambda: _Connection(run, payloads, offset, port), HOST, port)
            except OSError as error:
                run.error(f"connect:{type(error).__name__}")
                return
            await protocol.done
            offset = protocol.index
            if run.stopping or time.perf_counter() >= run.stop_at:
                return
            reconnects += 1
            if reconnects > max_reconnects:
                run.stopping = True
                return

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    end = time.perf_counter()
    elapsed = end - (run.measure_start or end)
    latencies = sorted(run.latencies)

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 3)

    ok = sum(n for status, n in run.statuses.items() if 200 <= status < 300)
    return {
        "completed": run.completed,
        "ok": ok,
        "elapsed_s": round(elapsed, 4),
        "rps": round(run.completed / elapsed, 1) if elapsed > 0 else 0.0,
        "ok_rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "warmup_completed": run.warmup_completed,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "by_port": {str(k): v for k, v in sorted(run.by_port.items())},
        "errors": run.errors,
        "reconnects": reconnects,
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "p999": pct(0.999),
                       "max": round(latencies[-1] * 1000, 3) if latencies else None},
        "settings": {
            "concurrency": concurrency,
            "duration_s": duration_s,
            "max_requests": max_requests,
            "warmup_s": warmup_s,
            "distinct_requests": len(requests),
            "ports": ports,
        },
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=Path, required=True, help="requests file (see write_requests)")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds (default 3)")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="stop after this many measured requests")
    parser.add_argument("--warmup", type=float, default=0.0, help="unmeasured seconds first (default 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.concurrency < 1 or args.duration <= 0 or args.max_requests < 1:
        print("concurrency and max-requests must be >= 1, duration > 0", file=sys.stderr)
        return 2
    requests = read_requests(args.requests)
    if not requests:
        print("no requests in the file", file=sys.stderr)
        return 2
    result = asyncio.run(
        generate(
            requests,
            concurrency=args.concurrency,
            duration_s=args.duration,
            max_requests=args.max_requests,
            warmup_s=args.warmup,
        )
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
