"""Figure "headroom": is the load generator the bottleneck?

Two checks in one run, on netcore-email's main endpoint (``sealmail serve --loop asyncio``) and
the bare aiohttp handler:

- **CPU per request of the generator itself** (``python -m bench.loadgen``, its ``rusage`` as a
  child process) against the server's (``/proc/<pid>/stat``). On 2 cores a closed-loop generator
  that needs less CPU per request than the server leaves the server the larger share.
- **wrk** (a compiled generator, Debian package ``wrk``), when installed, driving the same servers
  with the same pre-built request bytes (a Lua script cycling through them: ``wrk.format`` once
  per request at start-up, so no IV or nonce is ever reused), 1 thread, same connections and
  duration, interleaved with ``bench.loadgen``. If the Python generator were the limit, wrk would
  report a higher ratio; the figure is the throughput ratio mock / bare under each generator.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from .loops import rotate
from .measure import LoadSettings, cpu_seconds, median, requests_file, run_load
from .profiles import PreparedRequest, Profile, main_path
from .report import Figure, ratio
from .servers import ServerProcess, port_of, start_baseline, start_mocks

WRK_DONE = r'''
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
'''


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lua_string(data: bytes) -> str:
    """``data`` as a Lua string literal (decimal escapes for anything but printable ASCII)."""
    out = []
    for byte in data:
        if 32 <= byte < 127 and byte not in (34, 92):
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(path: Path, requests: Sequence[PreparedRequest], host: str) -> Path:
    """A Lua script that pre-formats every request once and cycles through them."""
    lines = ["local raw = {}", "init = function(args)"]
    for r in requests:
        headers = {k: v for k, v in r.headers.items() if k.lower() not in {"host", "content-length", "connection"}}
        headers["Host"] = host
        table = "{" + ", ".join(f"[{lua_string(k.encode())}] = {lua_string(v.encode('latin-1'))}" for k, v in headers.items()) + "}"
        lines.append(f"  raw[#raw + 1] = wrk.format({lua_string(r.method.encode())}, {lua_string(r.path.encode())}, {table}, {lua_string(r.body)})")
    lines += ["end", "local i = 0", "request = function()", "  i = i % #raw + 1", "  return raw[i]", "end", WRK_DONE]
    path.write_text("\n".join(lines), encoding="ascii")
    return path


def run_wrk(url: str, script: Path, settings: LoadSettings, server: ServerProcess) -> dict[str, Any]:
    """One wrk run (1 thread, ``settings.concurrency`` connections); its CPU and the server's per request."""
    argv = ["wrk", "-t1", f"-c{settings.concurrency}", f"-d{max(1, round(settings.duration_s))}s", "-s", str(script), url]
    server_before, own_before = cpu_seconds(server.pid), children_cpu_s()
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    served = result["requests"]
    errors = sum(result["errors"].values())
    result.update({
        "wall_s": round(wall, 3),
        "ok_rps": round((served - result["errors"]["status"]) / (result["duration_us"] / 1e6), 1),
        "latency_ms": {"p50": result["p50_us"] / 1000, "p99": result["p99_us"] / 1000},
        "server_cpu_us_per_request": round((cpu_seconds(server.pid) - server_before) / served * 1e6, 2) if served else None,
        "generator_cpu_us_per_request": round((children_cpu_s() - own_before) / served * 1e6, 2) if served else None,
        "invalid": errors,
    })
    return result


def run_python(path: Path, settings: LoadSettings, server: ServerProcess) -> dict[str, Any]:
    """One ``bench.loadgen`` run, with the generator's own CPU per request added."""
    before = children_cpu_s()
    result = run_load(path, settings, server=server)
    served = result["completed"] + result["warmup_completed"]
    result["generator_cpu_us_per_request"] = round((children_cpu_s() - before) / served * 1e6, 2) if served else None
    result["invalid"] = (result["completed"] - result["ok"]) + sum(result["errors"].values())
    return result


def measure(profile: Profile, settings: LoadSettings) -> list[Figure]:
    has_wrk = shutil.which("wrk") is not None
    with start_mocks([profile.provider_id], {profile.provider_id: profile.settings}) as mock, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        requests = profile.build(mock.info["mocks"][0], settings.distinct_requests)
        with start_baseline([main_path(requests)]) as bare:
            targets = {"mock": (mock, mock.info["urls"][profile.provider_id]), "bare": (bare, bare.info["url"])}
            runs: dict[str, Callable[[], dict[str, Any]]] = {}
            for name, (server, url) in targets.items():
                path = requests_file(folder, name, url, requests)
                runs[f"loadgen/{name}"] = lambda path=path, server=server: run_python(path, settings, server)
                if has_wrk:
                    script = wrk_script(folder / f"{name}.lua", requests, f"127.0.0.1:{port_of(url)}")
                    runs[f"wrk/{name}"] = lambda url=url, script=script, server=server: run_wrk(url, script, settings, server)
            results = rotate(settings.rounds, runs)
    stat = {name: {
        "rps": median([r["ok_rps"] for r in rs]),
        "server_cpu_us": median([r["server_cpu_us_per_request"] for r in rs if r.get("server_cpu_us_per_request")]),
        "generator_cpu_us": median([r["generator_cpu_us_per_request"] for r in rs if r.get("generator_cpu_us_per_request")]),
        "p50_ms": median([r["latency_ms"]["p50"] for r in rs]), "p99_ms": median([r["latency_ms"]["p99"] for r in rs]),
        "invalid": sum(r["invalid"] for r in rs),
    } for name, rs in results.items()}
    figures = []
    for target in ("mock", "bare"):
        s = stat[f"loadgen/{target}"]
        figures.append(Figure(
            figure="headroom",
            subject=f"bench.loadgen CPU per request vs the server's ({'netcore-email mock' if target == 'mock' else 'bare aiohttp'})",
            value=s["generator_cpu_us"], unit="us/req", baseline_name="server CPU per request", baseline=s["server_cpu_us"],
            ratio=ratio(s["server_cpu_us"], s["generator_cpu_us"]),
            note=f"ratio = server CPU / generator CPU per request (> 1: the server is the heavier side); {s['rps']:,.0f} req/s",
            raw={"stats": s},
        ))
    if has_wrk:
        py = ratio(stat["loadgen/mock"]["rps"], stat["loadgen/bare"]["rps"])
        compiled = ratio(stat["wrk/mock"]["rps"], stat["wrk/bare"]["rps"])
        invalid = stat["wrk/mock"]["invalid"] or stat["loadgen/mock"]["invalid"]
        figures.append(Figure(
            figure="headroom",
            subject=f"figure 1 ratio ({profile.provider_id} / bare aiohttp) under wrk vs under bench.loadgen",
            value=compiled, unit="ratio", baseline_name="the same ratio under bench.loadgen", baseline=py,
            ratio=0.0 if invalid else ratio(compiled, py),
            note=("wrk " + ", ".join(f"{t} {stat['wrk/' + t]['rps']:,.0f} req/s p50/p99 {stat['wrk/' + t]['p50_ms']:.1f}/{stat['wrk/' + t]['p99_ms']:.1f} ms "
                                     f"(wrk CPU {stat['wrk/' + t]['generator_cpu_us']:.0f} us/req)" for t in ("mock", "bare"))
                  + "; loadgen " + ", ".join(f"{t} {stat['loadgen/' + t]['rps']:,.0f} req/s" for t in ("mock", "bare"))
                  + ("; INVALID: rejected requests or errors" if invalid else "")),
            raw={"stats": stat},
        ))
    figures[0].raw["runs"] = results
    return figures
