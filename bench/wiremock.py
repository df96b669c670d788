"""WireMock standalone for the peers figure: installed on demand into a cache folder, run on 127.0.0.1 only.

The npm package ``wiremock`` bundles the standalone jar (``build/wiremock-standalone-*.jar``);
:func:`ensure_jar` installs it with ``npm install --prefix ~/.cache/sealmail-bench/wiremock wiremock``
the first time (a bench-only dependency, never imported by sealmail) and returns why not when
``java`` or ``npm`` is missing. The jar is run with ``java -jar`` directly (the npm launcher would
add a node process to the measured process tree), bound to 127.0.0.1 on a free port, with a
file-based stub for the one path; WireMock 3 makes no update checks or other outbound calls.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Mapping

from .coldstart import wait_healthy
from .servers import ServerProcess

CACHE = Path(os.environ.get("SEALMAIL_BENCH_CACHE", Path.home() / ".cache" / "sealmail-bench"))
WIREMOCK_DIR = CACHE / "wiremock"


class Unavailable(RuntimeError):
    """A peer cannot run here (its runtime or installer is missing); the message is one line."""


def find_jar() -> Path | None:
    jars = sorted((WIREMOCK_DIR / "node_modules" / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
    return jars[-1] if jars else None


def ensure_jar() -> Path:
    """The WireMock standalone jar, installed from npm into the cache when missing; raises :class:`Unavailable`."""
    if shutil.which("java") is None:
        raise Unavailable("java is not installed (WireMock needs Java 11+): skipped")
    jar = find_jar()
    if jar is not None:
        return jar
    if shutil.which("npm") is None:
        raise Unavailable("npm is not installed (WireMock comes from the npm package 'wiremock'): skipped")
    WIREMOCK_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--prefix", str(WIREMOCK_DIR), "--no-audit", "--no-fund", "wiremock"],
                          capture_output=True, text=True, timeout=600)
    jar = find_jar()
    if done.returncode != 0 or jar is None:
        raise Unavailable(f"npm install wiremock failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:] or ''}")
    return jar


def java_version() -> str:
    done = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60)
    return (done.stderr or done.stdout).splitlines()[0] if (done.stderr or done.stdout) else "unknown"


def free_port() -> int:
    """A port free on 127.0.0.1 now (WireMock is told the number; the tiny race is acceptable in a benchmark)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_stub(root: Path, method: str, path: str, answer: Mapping[str, Any]) -> None:
    """A file-based stub mapping: ``method path`` answers 200 with ``answer`` as JSON.

    The body is given as text with its ``Content-Length`` (a ``jsonBody`` goes out chunked, which
    the load generator does not parse; a fixed length is also what the other servers send).
    """
    body = json.dumps(answer, separators=(",", ":"))
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    mapping = {
        "request": {"method": method, "url": path},
        "response": {"status": 200, "headers": {"Content-Type": "application/json", "Content-Length": str(len(body))}, "body": body},
    }
    (root / "mappings" / "send.json").write_text(json.dumps(mapping), encoding="utf-8")


def start(jar: Path, root: Path, *, journal: bool, timeout: float = 120.0) -> ServerProcess:
    """``java -jar wiremock-standalone.jar`` on 127.0.0.1, until ``GET /__admin/health`` answers."""
    port = free_port()
    argv = ["java", "-jar", str(jar), "--bind-address", "127.0.0.1", "--port", str(port),
            "--root-dir", str(root), "--disable-banner"]
    if not journal:
        argv.append("--no-request-journal")
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url + "/__admin/health", started + timeout)
    except TimeoutError:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise RuntimeError(f"WireMock did not start: {err.decode(errors='replace')[-1000:]}") from None
    server = ServerProcess("wiremock", process, {"url": url, "argv": argv}, started_s=time.perf_counter() - started)
    server.extra["spawned_at"] = started
    return server
