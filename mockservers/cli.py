"""``python -m sealmail serve`` (also ``sealmail serve``): run the mocks for local development.

Each provider listens on ``--port-base`` plus its offset (netcore-email +1,
autosend +2, ncp-mailer +3, netcore-ce +4, stayprivate +5); ``--port-base 0``
gives ephemeral ports. Binds 127.0.0.1 unless told otherwise. Ctrl-C or
SIGTERM stops cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from .core import create_app, providers, start_mock
from .core.connections import raise_open_file_limit
from .core.control import describe
from .core.exposure import TOKEN_ENV, Exposure, ExposureError
from .core.runner import DEFAULT_HOST, RunningMock


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sealmail", description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run provider mocks until interrupted")
    serve.add_argument("--provider", action="append", dest="providers", metavar="ID", help="provider id (repeatable; default: all)")
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port-base", type=int, default=8100, help="port of provider N is base+N; 0 for ephemeral ports")
    serve.add_argument("--config", type=Path, help='JSON file: {"<provider id>": {"<setting>": value}}')
    serve.add_argument("--set", action="append", default=[], metavar="ID.KEY=VALUE", help="override one setting")
    serve.add_argument("--json", action="store_true", help="print the start-up table as one JSON line")
    serve.add_argument("--control-token", help=f"token every /__mock__/ call must carry (default: ${TOKEN_ENV}); required off loopback")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME", help="extra Host name to answer to (repeatable)")
    for provider in providers().values():
        hook = getattr(provider, "add_cli_arguments", None)
        if hook is not None:
            hook(serve)
    commands.add_parser("list", help="list the implemented providers")
    return parser


def settings_from(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Per-provider overrides from ``--config``, provider hooks and ``--set`` (later wins).

    Raises ``ValueError`` (or ``TypeError``, ``OSError``) on unusable settings.
    """
    settings: dict[str, dict[str, Any]] = {}
    if args.config is not None:
        loaded = json.loads(args.config.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError("--config must hold a JSON object keyed by provider id")
        for provider_id, values in loaded.items():
            settings.setdefault(provider_id, {}).update(values)
    for provider in providers().values():
        hook = getattr(provider, "settings_from_cli", None)
        if hook is not None:
            settings.setdefault(provider.id, {}).update(hook(args))
    for item in args.set:
        target, sep, value = item.partition("=")
        provider_id, dot, key = target.partition(".")
        if not sep or not dot:
            raise ValueError(f"--set wants ID.KEY=VALUE, got {item!r}")
        settings.setdefault(provider_id, {})[key] = value
    unknown = sorted(set(settings) - set(providers()))
    if unknown:
        raise ValueError(f"unknown provider(s) in settings: {', '.join(unknown)}")
    return settings


async def serve(
    provider_ids: Sequence[str],
    *,
    host: str,
    port_base: int,
    settings: dict[str, dict[str, Any]],
    out: TextIO,
    as_json: bool = False,
    stop: asyncio.Event | None = None,
    exposure: Exposure | None = None,
) -> None:
    """Start the given mocks, print where they are, and run until ``stop`` is set or a signal arrives.

    ``exposure`` (default: ``Exposure.for_bind(host)``) guards the control API (docs/security.md).
    """
    known = providers()
    exposure = exposure or Exposure.for_bind(host)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            pass
    running: list[RunningMock] = []
    try:
        for provider_id in provider_ids:
            provider = known[provider_id]
            port = port_base + provider.port_offset if port_base else 0
            app = create_app(provider, settings.get(provider_id, {}))
            running.append(await start_mock(app, host, port, exposure=exposure))
        print_table(running, out, as_json=as_json)
        if not exposure.loopback:
            print(exposure_banner(exposure), file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        for mock in reversed(running):
            await mock.runner.cleanup()


def print_table(running: Sequence[RunningMock], out: TextIO, *, as_json: bool = False) -> None:
    """One row per mock: provider, base URL, and the credentials to paste into an app."""
    rows = [describe(m.state, m.url) for m in running]
    if as_json:
        out.write(json.dumps({"mocks": rows}) + "\n")
        out.flush()
        return
    width = max((len(r["provider"]) for r in rows), default=8)
    out.write(f"{'provider'.ljust(width)}  base URL\n")
    for row in rows:
        out.write(f"{row['provider'].ljust(width)}  {row['base_url']}\n")
        for key, value in row.items():
            if key in {"provider", "base_url"}:
                continue
            shown = value if isinstance(value, str) else json.dumps(value)
            if "\n" in shown:
                shown = shown.splitlines()[0] + " ... (see /__mock__/config)"
            out.write(f"{'':{width}}    {key}: {shown}\n")
    out.write("Control API: <base URL>/__mock__/{health,config,requests,messages,reset,faults,clock}. Ctrl-C stops.\n")
    out.flush()


def exposure_banner(exposure: Exposure) -> str:
    """The warning a non-loopback bind prints: who can reach the mocks and what protects them."""
    return (
        f"WARNING: listening on {exposure.bind_host}: every machine that can reach this address can call the mocks. "
        "The control API (/__mock__/: keys, credentials, reset, faults) requires the control token "
        "(Authorization: Bearer <token> or X-Sealmail-Token). Test keys only; see docs/security.md."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    known = providers()
    if args.command == "list":
        for provider in known.values():
            print(f"{provider.id}\t+{provider.port_offset}\t{provider.title}")
        return 0
    chosen = args.providers or list(known)
    unknown = [p for p in chosen if p not in known]
    if unknown:
        print(f"unknown provider(s): {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
        for provider_id, values in settings.items():
            known[provider_id].make_config(values)  # fail fast on a bad setting
    except (ValueError, TypeError, OSError) as error:
        print(f"bad settings: {error}", file=sys.stderr)
        return 2
    try:
        token = args.control_token or os.environ.get(TOKEN_ENV) or None
        exposure = Exposure.for_bind(args.host, control_token=token, allowed_hosts=args.allow_host)
    except ExposureError as error:
        print(f"refusing to start: {error}", file=sys.stderr)
        return 2
    raise_open_file_limit()  # each connection is a file descriptor (core/connections.py)
    try:
        asyncio.run(
            serve(chosen, host=args.host, port_base=args.port_base, settings=settings, out=sys.stdout, as_json=args.json, exposure=exposure)
        )
    except OSError as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return 1
    return 0
