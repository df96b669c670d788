"""Commands that run the shipped stdio adapters (conformance/adapters/<language>/) in tests.

Node's ``jose`` is installed once into a cache (``$SEALMAIL_ADAPTER_CACHE``,
default ``~/.cache/sealmail-adapters``) and reused; the adapter sources are
copied beside it (Node resolves packages from a module's own directory up).
The Java adapter is compiled once with ``javac`` into the cache, so each
check starts a JVM on classes instead of compiling ``java Adapter.java``
again (what users run; same source). Both keyed by a hash of the sources.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "conformance" / "adapters"
JOSE = "jose@5"
JAVA_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto")
"""Quicker JVM start-up for short-lived processes (C1 only, no parallel GC threads)."""


def cache_root() -> Path:
    """``$SEALMAIL_ADAPTER_CACHE``, else ``~/.cache/sealmail-adapters``, else (read-only home) one in the temp dir."""
    chosen = Path(os.environ.get("SEALMAIL_ADAPTER_CACHE") or Path.home() / ".cache" / "sealmail-adapters")
    try:
        chosen.mkdir(parents=True, exist_ok=True)
        return chosen
    except OSError:
        return Path(tempfile.gettempdir()) / f"sealmail-adapters-{os.getuid()}"


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One xdist worker at a time prepares a cache directory."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (.ci/run installs it)")


def node_command(provider: str) -> str:
    """``node <cache>/<hash>/<provider>.mjs``, with ``jose`` installed in the cache."""
    _need("node")
    _need("npm")
    sources = sorted((ADAPTERS / "node").glob("*.mjs"))
    root = cache_root() / "node"
    with _locked(root):
        if not (root / "node_modules" / "jose" / "package.json").exists():
            subprocess.run(["npm", "install", "--prefix", str(root), "--no-audit", "--no-fund", "--silent", JOSE],
                           check=True, capture_output=True, timeout=300)
        copy = root / _digest(sources)
        if not copy.exists():
            staging = root / f".staging-{os.getpid()}"
            staging.mkdir()
            for source in sources:
                shutil.copy2(source, staging / source.name)
            staging.rename(copy)
    return shlex.join(["node", str(copy / f"{provider}.mjs")])


def java_command(provider: str) -> str:
    """``java -cp <cache>/<hash> Adapter <provider>`` after one ``javac`` of conformance/adapters/java/Adapter.java."""
    _need("java")
    _need("javac")
    source = ADAPTERS / "java" / "Adapter.java"
    root = cache_root() / "java"
    with _locked(root):
        classes = root / _digest([source])
        if not classes.exists():
            staging = root / f".staging-{os.getpid()}"
            subprocess.run(["javac", "-d", str(staging), str(source)], check=True, capture_output=True, timeout=300)
            staging.rename(classes)
    return shlex.join(["java", *JAVA_FLAGS, "-cp", str(classes), "Adapter", provider])


def php_command(provider: str) -> str:
    _need("php")
    return shlex.join(["php", str(ADAPTERS / "php" / "adapter.php"), provider])


COMMANDS = {"node": node_command, "java": java_command, "php": php_command}
