"""Figure 3: per-test cost of the sealmail pytest fixtures against pytest-httpserver's.

Two generated test files, each with 300 tests making one request: one uses the
``<provider>_mock`` fixture (the real mock: auth, decrypt, validate, journal,
store, reset before each test), the other pytest-httpserver's ``httpserver``
fixture (an expectation registered per test, canned JSON answer). The request
bytes and the client (``http.client``) are the same. Each file runs in its own
``pytest`` process; a tiny plugin times ``pytest_runtestloop`` (setup, call and
teardown of every test, server start included), so interpreter start-up and
collection are left out. Runs alternate A/B/A/B; medians.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .measure import interleave, median
from .profiles import Profile
from .report import Figure, ratio
from .servers import ROOT

TESTS = 300

TIMER_PLUGIN = '''
import json, os, time
import pytest

FIRST = []

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    yield
    if not FIRST:
        FIRST.append(time.perf_counter() - started)

@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    with open(os.environ["SEALMAIL_BENCH_TIMING"], "w") as out:
        json.dump({"seconds": elapsed, "first_test_s": FIRST[0] if FIRST else None,
                   "tests": session.testscollected, "failed": session.testsfailed}, out)
'''

COMMON = '''
import http.client
import json
from pathlib import Path

import pytest

REQUEST = json.loads(Path(__file__).with_name("request.json").read_text())
BODY = REQUEST["body"].encode("latin-1")


def send(url):
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(REQUEST["method"], REQUEST["path"], body=BODY, headers=REQUEST["headers"])
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
'''

OURS = COMMON + '''

@pytest.mark.parametrize("i", range({tests}))
def test_send(i, {fixture}):
    assert send({fixture}.url) == 200
'''

THEIRS = COMMON + '''

@pytest.mark.parametrize("i", range({tests}))
def test_send(i, httpserver):
    httpserver.expect_request(REQUEST["path"], method=REQUEST["method"]).respond_with_json(
        {{"data": {{"message_id": "0" * 32}}, "message": "OK", "status": "success"}}
    )
    assert send(httpserver.url_for("/")) == 200
'''


def httpserver_available() -> bool:
    return importlib.util.find_spec("pytest_httpserver") is not None


def fixture_name(profile: Profile) -> str:
    return profile.provider_id.replace("-", "_") + "_mock"


def write_request(folder: Path, profile: Profile) -> Any:
    """``folder/request.json``: one valid request for the mock with its default credentials (as the fixture has them)."""
    from sealmail.mockservers.core import MockHandle, ServerThread, create_app

    with ServerThread() as thread:
        handle = MockHandle(thread.start(create_app(profile.provider_id, profile.settings)))
        request = profile.build(handle.config, 1)[0]
    (folder / "request.json").write_text(json.dumps({
        "method": request.method, "path": request.path, "headers": request.headers, "body": request.body.decode("latin-1"),
    }), encoding="utf-8")
    return request


def write_test_files(folder: Path, fixture: str, tests: int, suffix: str = "") -> tuple[Path, Path]:
    """``test_ours{suffix}.py`` (the sealmail fixture) and ``test_theirs{suffix}.py`` (pytest-httpserver), ``tests`` each."""
    ours, theirs = folder / f"test_ours{suffix}.py", folder / f"test_theirs{suffix}.py"
    ours.write_text(OURS.format(tests=tests, fixture=fixture), encoding="utf-8")
    theirs.write_text(THEIRS.format(tests=tests), encoding="utf-8")
    return ours, theirs


def measure(profile: Profile, rounds: int, tests: int = TESTS) -> Figure:
    """Both files, ``rounds`` times each, interleaved."""
    fixture = fixture_name(profile)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        request = write_request(folder, profile)
        (folder / "bench_timer.py").write_text(TIMER_PLUGIN, encoding="utf-8")
        write_test_files(folder, fixture, tests)
        runs = interleave(rounds, lambda: run_file(folder, "test_ours.py"), lambda: run_file(folder, "test_theirs.py"))
    ours = median([r["per_test_ms"] for r in runs.a])
    theirs = median([r["per_test_ms"] for r in runs.b])
    failed = sum(r["failed"] for r in runs.a + runs.b)
    ours_later = median([r["later_tests_ms"] for r in runs.a if "later_tests_ms" in r])
    theirs_later = median([r["later_tests_ms"] for r in runs.b if "later_tests_ms" in r])
    ours_first = median([r["first_test_s"] * 1000 for r in runs.a if r.get("first_test_s") is not None])
    theirs_first = median([r["first_test_s"] * 1000 for r in runs.b if r.get("first_test_s") is not None])
    return Figure(
        figure="3-fixtures",
        subject=f"{tests} tests, one request each: {fixture} (real mock) vs pytest-httpserver",
        value=ours, unit="ms/test", baseline_name="httpserver fixture", baseline=theirs,
        ratio=0.0 if failed else ratio(theirs, ours), target=1.0,
        note=(f"ratio = httpserver ms/test / ours (>= 1: ours no slower); first test {ours_first:.0f} ms vs {theirs_first:.0f} ms "
              f"(server start, imports), later tests {ours_later:.2f} vs {theirs_later:.2f} ms each"
              f"{'; INVALID: failed tests' if failed else ''}"),
        raw={"ours": runs.a, "theirs": runs.b, "request": f"{request.method} {request.path}"},
    )


def run_file(folder: Path, name: str) -> dict[str, Any]:
    timing = folder / f"{name}.timing.json"
    env = {**os.environ, "SEALMAIL_BENCH_TIMING": str(timing), "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "bench_timer", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--rootdir", str(folder), "-c", os.devnull, str(folder / name)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )
    if not timing.exists():
        raise RuntimeError(f"pytest {name} did not run: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    data = json.loads(timing.read_text(encoding="utf-8"))
    data["per_test_ms"] = round(data["seconds"] / max(1, data["tests"]) * 1000, 4)
    if data.get("first_test_s") is not None and data["tests"] > 1:
        data["later_tests_ms"] = round((data["seconds"] - data["first_test_s"]) / (data["tests"] - 1) * 1000, 4)
    data["exit_code"] = done.returncode
    return data
