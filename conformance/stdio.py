"""Adapters in any language: a program that speaks JSON-RPC 2.0 over its stdin and stdout.

``sealmail conformance run PROVIDER --client-cmd 'node adapter.mjs'`` uses
:class:`StdioAdapterFactory` as the client factory. For each check the
framework calls the factory, which starts the command (split like a shell
would, run without one, in the current directory) and sends ``init``; each
adapter method the check calls becomes one request, its arguments by name
(see :func:`to_wire`); the check's end closes stdin. The protocol, and every
provider's methods and parameter shapes, are in FRAMEWORK.md beside this file.

A program that crashes, prints a line that is not a JSON-RPC answer, answers
another id or stays silent raises :class:`~.framework.AdapterFailure`, which
fails the check with that said plainly; its stderr goes with the evidence.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import inspect
import itertools
import json
import os
import queue
import shlex
import subprocess
import threading
import time
from collections import deque
from typing import Any, Callable, Iterator, Mapping

from . import framework
from .framework import AdapterFailure

EXIT_GRACE_S = 3.0
"""How long a program may take to exit after its stdin closed before it is killed."""
STDERR_KEEP_LINES = 40
"""Lines of the program's stderr kept (the last ones) for the evidence."""
STDERR_KEEP_CHARS = 500
"""Characters kept of each of those lines."""
MAX_ANSWER_CHARS = 16 * 1024 * 1024
"""Longest stdout line read as an answer; a longer one fails the check (the rest of it is read and dropped)."""
ORPHANED_STDOUT_GRACE_S = 0.5
"""How long stdout may stay open after the program exited (a child it started holds it) before that counts as its end."""
_EOF = object()
_TOO_LONG = object()


def to_wire(value: Any) -> Any:
    """A Python argument as JSON: dataclasses as objects of their fields, ``bytes`` as
    ``{"base64": "<standard base64>"}``, datetimes as ISO 8601 with their UTC offset,
    tuples as arrays."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def adapter_methods(adapter: type | None) -> dict[str, inspect.Signature]:
    """The public methods of an adapter Protocol, by name, with their signatures (``self`` dropped)."""
    if adapter is None:
        return {}
    methods = {}
    for name, member in inspect.getmembers(adapter, inspect.isfunction):
        if not name.startswith("_"):
            signature = inspect.signature(member)
            methods[name] = signature.replace(parameters=list(signature.parameters.values())[1:])
    return methods


def _bounded_lines(stream: Any, limit: int) -> Iterator[tuple[str, bool]]:
    """``(line, whole)`` for each line of ``stream``, at most ``limit`` characters held at once; a longer
    line comes as its first ``limit`` characters with ``whole`` False, the rest read and dropped."""
    while line := stream.readline(limit):
        if line.endswith("\n") or len(line) < limit:
            yield line.rstrip("\r\n"), True
            continue
        yield line, False  # at once: the program may never end the line
        while (rest := stream.readline(limit)) and not rest.endswith("\n"):
            pass


def _pump(stream: Any, limit: int, sink: Callable[[str, bool], None], at_end: Callable[[], None]) -> None:
    """Reader thread: every line of ``stream`` to ``sink`` (so the program never blocks on a full pipe)."""
    try:
        for line, whole in _bounded_lines(stream, limit):
            sink(line, whole)
    except (OSError, ValueError):
        pass
    at_end()


class AdapterError(Exception):
    """The adapter answered with a JSON-RPC ``error``: its client failed (the Python adapter's "raised")."""

    def __init__(self, code: Any, message: str) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code


class StdioAdapterFactory:
    """Client factory: ``factory(base_url, config)`` starts ``command`` and returns a :class:`StdioClient`."""

    def __init__(self, command: str, adapter: type | None) -> None:
        self.command = command
        self.argv = shlex.split(command)
        if not self.argv:
            raise ValueError("the adapter command is empty")
        self.methods = adapter_methods(adapter)
        self.silent_at_start: str | None = None
        """Set when a start timed out on ``init``: later checks fail at once instead of waiting as long again."""
        self.__qualname__ = f"stdio:{command}"
        self.__module__ = "sealmail.conformance.stdio"

    def __call__(self, base_url: str, config: dict[str, Any]) -> StdioClient:
        if self.silent_at_start:
            raise AdapterFailure(f"not started again: on an earlier check {self.silent_at_start}")
        started = time.monotonic()  # the framework's start-up limit counts starting the program too
        client = StdioClient(self.argv, self.methods)
        try:
            budget = framework.STARTUP_TIMEOUT_S - (time.monotonic() - started)
            client.request("init", {"base_url": base_url, "config": config}, within_s=budget)
        except AdapterError as error:
            client.close()
            raise AdapterFailure(f"the adapter refused init: {error}{client.failure_notes(prefix=True)}") from None
        except AdapterFailure as failure:
            client.close()
            if client.timed_out:
                self.silent_at_start = str(failure).partition("\n")[0].removeprefix("the adapter ")
            raise
        return client


class StdioClient:
    """One running adapter program; attribute access gives its adapter methods."""

    def __init__(self, argv: list[str], methods: dict[str, inspect.Signature]) -> None:
        self._methods = methods
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._lines: queue.Queue[Any] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=STDERR_KEEP_LINES)
        self._broken: str | None = None
        self.timed_out = False
        self._reaper: threading.Thread | None = None
        try:
            self._process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=os.getcwd(), text=True, encoding="utf-8", errors="replace", bufsize=1,
            )
        except OSError as error:
            raise AdapterFailure(f"could not start the adapter {shlex.join(argv)!r}: {error}") from None
        self._readers = [
            threading.Thread(target=_pump, args=(self._process.stdout, MAX_ANSWER_CHARS, self._answer_line, lambda: self._lines.put(_EOF)), daemon=True),
            threading.Thread(target=_pump, args=(self._process.stderr, STDERR_KEEP_CHARS, self._stderr_line, lambda: None), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _answer_line(self, line: str, whole: bool) -> None:
        self._lines.put(line if whole else _TOO_LONG)

    def _stderr_line(self, line: str, whole: bool) -> None:
        self._stderr.append(line if whole else line + " [...]")

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self._methods:
            raise AttributeError(name)
        signature = self._methods[name]

        def method(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return self.request(name, {key: to_wire(value) for key, value in bound.arguments.items()})

        method.__name__ = name
        return method

    def request(self, method: str, params: dict[str, Any], within_s: float | None = None) -> Any:
        """Send one request and wait for its answer; :class:`AdapterError` when the client failed.

        ``within_s``: the framework's limit for this call (default :data:`~.framework.CALL_TIMEOUT_S`).
        """
        with self._lock:
            if self._broken:
                raise AdapterFailure(self._broken)
            request_id = next(self._ids)
            line = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}, ensure_ascii=False)
            try:
                assert self._process.stdin is not None
                self._process.stdin.write(line + "\n")
                self._process.stdin.flush()
            except (OSError, ValueError):
                return self._fail(f"the adapter closed its stdin before request id {request_id} ({method}){self._exit_status()}")
            return self._answer(request_id, method, framework.CALL_TIMEOUT_S if within_s is None else within_s)

    def _answer(self, request_id: int, method: str, within_s: float) -> Any:
        # The framework's own timeout wraps this call: answer a little earlier, so the reason is ours.
        timeout = max(0.1, within_s - min(1.0, within_s / 10))
        line = self._next_line(timeout)
        if line is None:
            self.timed_out = True
            return self._fail(f"the adapter did not answer request id {request_id} ({method}) within {timeout:.1f}s")
        if line is _EOF:
            return self._fail(f"the adapter exited before answering request id {request_id} ({method}){self._exit_status()}")
        if line is _TOO_LONG:
            return self._fail(f"the adapter printed a line longer than {MAX_ANSWER_CHARS} characters in answer to request id {request_id} ({method})")
        try:
            answer = json.loads(line)
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            return self._fail(f"the adapter printed a line that is not JSON in answer to request id {request_id} ({method}): {line[:120]!r}")
        if not isinstance(answer, dict) or answer.get("jsonrpc") != "2.0" or ("result" in answer) == ("error" in answer):
            return self._fail(f"the adapter's answer to request id {request_id} ({method}) is not a JSON-RPC 2.0 response "
                              f"(needs jsonrpc \"2.0\" and exactly one of result, error): {line[:120]!r}")
        if answer.get("id") != request_id:
            return self._fail(f"the adapter answered id {answer.get('id')!r} to request id {request_id} ({method})")
        if "error" in answer:
            error = answer["error"]
            if not isinstance(error, dict) or not isinstance(error.get("message"), str):
                return self._fail(f"the adapter's error answer to request id {request_id} ({method}) lacks error.message: {line[:120]!r}")
            raise AdapterError(error.get("code"), error["message"])
        return answer["result"]

    def _next_line(self, timeout: float) -> Any:
        """The next stdout line, :data:`_EOF`, or None after ``timeout``. A program that exited counts as
        ended after :data:`ORPHANED_STDOUT_GRACE_S` even while a child it started keeps its stdout open."""
        deadline = time.monotonic() + timeout
        exited_at: float | None = None
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                return self._lines.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                pass
            if self._process.poll() is not None:
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at >= ORPHANED_STDOUT_GRACE_S:
                    return _EOF
        return None

    def _fail(self, reason: str) -> Any:
        self._broken = reason
        self._kill()
        raise AdapterFailure(reason + self.failure_notes(prefix=True))

    def _exit_status(self) -> str:
        try:
            code = self._process.wait(timeout=EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            return ""
        return f" (exit status {code})"

    def failure_notes(self, prefix: bool = False) -> str:
        """The program's stderr (its last lines), for a failing check's evidence; waits for it to exit first."""
        if self._reaper is not None:
            self._reaper.join()
        if self._process.poll() is not None:
            self._readers[1].join(timeout=1.0)  # the last lines of a program that exited
        if not self._stderr:
            return ""
        return ("\n" if prefix else "") + "adapter stderr:\n  " + "\n  ".join(self._stderr)

    def close(self) -> None:
        """Close the program's stdin; a reaper thread waits for it to exit and kills it after :data:`EXIT_GRACE_S`.

        The next check need not wait for this one's program to tear down (Node takes ~0.2 s); a failing
        check does, in :meth:`failure_notes`, so its evidence has the whole stderr.
        """
        self._close_stdin()
        if self._reaper is None and self._process.poll() is None:
            self._reaper = threading.Thread(target=self._reap, name="sealmail-adapter-reaper")
            self._reaper.start()

    def _close_stdin(self) -> None:
        try:
            if self._process.stdin is not None:
                self._process.stdin.close()
        except OSError:
            pass

    def _reap(self) -> None:
        try:
            self._process.wait(timeout=EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            self._stderr.append(f"[sealmail: the adapter did not exit within {EXIT_GRACE_S:g}s of stdin closing; killed]")
            self._process.kill()
            self._process.wait()

    def _kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._close_stdin()
        self._process.wait()
