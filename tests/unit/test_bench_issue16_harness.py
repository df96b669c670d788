"""The pure parts of issue 16's benchmark figures (bench/loops, peers, headroom, fixtures-process): no servers, milliseconds.

The figures themselves run only in ``make bench``; this checks the code that shapes their input and numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.headroom import lua_string, wrk_script
from bench.loops import rotate, summary
from bench.profiles import PreparedRequest
from bench.wiremock import write_stub


def test_lua_literals_escape_everything_but_printable_ascii() -> None:
    assert lua_string(b'a"\\\x00\xff z') == '"a\\034\\092\\000\\255 z"'


def test_wrk_script_formats_each_request_once_with_its_host(tmp_path: Path) -> None:
    requests = [PreparedRequest("POST", "/v6/mail/send", {"X-AES-IV": f"iv{i}", "Host": "ignored"}, f"body{i}".encode()) for i in range(3)]
    text = wrk_script(tmp_path / "s.lua", requests, "127.0.0.1:9").read_text(encoding="ascii")
    assert text.count("wrk.format(") == 3 and '"iv2"' in text and '"body0"' in text
    assert '"ignored"' not in text and text.count('"127.0.0.1:9"') == 3
    assert "done = function(summary, latency, requests)" in text


def test_wiremock_stub_answers_with_a_fixed_length(tmp_path: Path) -> None:
    write_stub(tmp_path, "POST", "/v6/mail/send", {"status": "success"})
    mapping = json.loads((tmp_path / "mappings" / "send.json").read_text(encoding="utf-8"))
    response = mapping["response"]
    assert mapping["request"] == {"method": "POST", "url": "/v6/mail/send"}
    assert json.loads(response["body"]) == {"status": "success"}
    assert response["headers"]["Content-Length"] == str(len(response["body"]))


def test_rotate_interleaves_and_summary_takes_medians() -> None:
    order: list[str] = []

    def run(name: str, rps: float) -> dict[str, object]:
        order.append(name)
        return {"ok_rps": rps, "completed": 10, "ok": 10, "errors": {}, "latency_ms": {"p50": 1.0, "p99": 3.0},
                "server_cpu_us_per_request": 100.0}

    results = rotate(3, {"a": lambda: run("a", 10.0), "b": lambda: run("b", 20.0)})
    assert order == ["a", "b"] * 3
    stats = summary(results["b"])
    assert stats["rps"] == 20.0 and stats["p99_ms"] == 3.0 and stats["rejected"] == 0
