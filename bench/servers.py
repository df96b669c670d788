"""Servers under test, each in its own process: the mocks and the bare baseline.

A server prints one JSON line once it accepts connections; we read that line
(bounded by a timeout) instead of sleeping. Processes are ours alone: stopped
with SIGTERM by pid, killed only if they do not stop.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


class ServerStartError(RuntimeError):
    pass


@dataclass
class ServerProcess:
    """A started server process and what its start-up line said."""

    name: str
    process: subprocess.Popen[bytes]
    info: dict[str, Any]
    started_s: float = 0.0
    """Seconds from spawn to the start-up line."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> dict[str, int]:
        """Current (``VmRSS``) and peak (``VmHWM``) resident memory of the process, KiB."""
        return read_rss_kib(self.pid)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_rss_kib(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount = line.split(":", 1)
                values["rss_kib" if name == "VmRSS" else "peak_rss_kib"] = int(amount.split()[0])
    return values


def spawn(name: str, argv: Sequence[str], *, timeout: float = 60.0, env: dict[str, str] | None = None) -> ServerProcess:
    """Start ``argv`` and wait (bounded) for its first stdout line, parsed as JSON."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    line = _read_line(process, timeout)
    elapsed = time.perf_counter() - started
    try:
        info = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        process.kill()
        _, err = process.communicate(timeout=10)
        raise ServerStartError(f"{name}: no start-up line (got {line[:200]!r}); stderr: {err.decode(errors='replace')[-2000:]}") from None
    return ServerProcess(name, process, info, started_s=elapsed)


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    chunks = b""
    fd = process.stdout.fileno()
    try:
        while b"\n" not in chunks:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                process.kill()
                raise ServerStartError(f"no start-up line within {timeout}s")
            data = os.read(fd, 65536)
            if not data:
                break
            chunks += data
    finally:
        selector.close()
    return chunks.split(b"\n", 1)[0]


def start_mocks(
    provider_ids: Sequence[str], settings: dict[str, dict[str, Any]] | None = None, extra: Sequence[str] = (), *, loop: str = "asyncio"
) -> ServerProcess:
    """``python -m sealmail serve --port-base 0 --json --quiet --loop LOOP [extra...]`` for these providers.

    ``info["urls"]`` maps provider id to base URL; ``info["mocks"]`` is the
    start-up table (credentials) as ``GET /__mock__/config`` shows it.
    """
    # --quiet: nobody reads the request log after the start-up line (a full pipe would stall the server).
    argv = [PYTHON, "-m", "sealmail", "serve", "--port-base", "0", "--json", "--quiet", "--loop", loop, *extra]
    for provider_id in provider_ids:
        argv += ["--provider", provider_id]
    for provider_id, values in (settings or {}).items():
        for key, value in values.items():
            argv += ["--set", f"{provider_id}.{key}={value}"]
    server = spawn("mocks", argv)
    server.info["urls"] = {row["provider"]: row["base_url"] for row in server.info["mocks"]}
    return server


def start_baseline(paths: Sequence[str], *, work: str = "none", key_file: Path | None = None, loop: str = "asyncio") -> ServerProcess:
    """The bare aiohttp server of :mod:`bench.baseline_server` on these paths."""
    argv = [PYTHON, "-m", "bench.baseline_server", "--work", work, "--loop", loop]
    for path in paths:
        argv += ["--path", path]
    if key_file is not None:
        argv += ["--key-file", str(key_file)]
    return spawn("baseline", argv)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])
