"""``sealmail serve`` (also ``python -m sealmail serve``): run the mocks for local development.

Each provider listens on ``--port-base`` plus its offset (netcore-email +1,
autosend +2, ncp-mailer +3, netcore-ce +4, stayprivate +5); ``--port-base 0``
gives ephemeral ports. The web inspector listens on the port base itself
(``--no-inspector`` turns it off). Binds 127.0.0.1 unless told otherwise.
Ctrl-C or SIGTERM stops cleanly. ``--tls`` serves HTTPS with a local CA, ``--persist``
keeps state in SQLite across restarts, and every request is logged as a line
(``--log-format json``, ``--quiet``); see docs/serve.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO

from sealmail.argparsing import fail, parser_with_commands, plain_text

from .core import MockConfig, create_app, providers, start_mock
from .core.connections import connection_share, raise_open_file_limit
from .core.control import describe
from .core.exposure import TOKEN_ENV, Exposure, ExposureError
from .core.requestlog import LOG_FORMATS, RequestLog
from .core.runner import DEFAULT_HOST, RunningMock, freeze_startup_objects, tune_allocator
from .core.settings_doc import SettingDoc, setting_docs
from .core.tenants import TENANTS
from .core.tls import LocalCA, default_data_dir, load_or_create_ca, trust_lines
from .inspector import start_inspector
from .eventloop import LOOP_CHOICES, LOOP_ENV, LoopUnavailable, choose_loop, requested_loop, running_loop_name

SERVE_DESCRIPTION = """\
Run the provider mocks on 127.0.0.1 until Ctrl-C or SIGTERM. Each provider listens on
--port-base plus its offset (shown below); --port-base 0 gives ephemeral ports. The
start-up table (or --json line) shows each base URL and the credentials to use."""


if TYPE_CHECKING:
    from .core.persistence import Persistence


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``sealmail serve|list``; providers may add ``serve`` options (``add_cli_arguments``)."""
    parser, commands = parser_with_commands("sealmail", "Strict local mocks of the sealmail providers.")
    serve = commands.add_parser(
        "serve",
        help="run provider mocks until interrupted",
        description=SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _epilog_on_help(serve, settings_help)  # every provider's settings: built for --help only (~150 ms at start)
    serve.add_argument("--provider", action="append", dest="providers", metavar="ID", help=f"provider id, repeatable (default: all of {', '.join(providers())})")
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port-base", type=port_base, default=8100, metavar="PORT", help=f"provider N listens on PORT+N (0..{max_port_base()}; default 8100); 0 for ephemeral ports")
    serve.add_argument("--config", type=Path, metavar="FILE", help='JSON file: {"<provider id>": {"<setting>": value}}')
    serve.add_argument("--set", action="append", default=[], metavar="ID.NAME=VALUE", help="override one setting (repeatable; settings listed below)")
    serve.add_argument("--json", action="store_true", help="print the start-up table as one JSON line")
    serve.add_argument("--no-inspector", dest="inspector", action="store_false",
                       help="do not serve the web inspector (default: at the port base, e.g. http://127.0.0.1:8100/)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with the local CA in the data directory")
    serve.add_argument("--persist", action="store_true", help="keep journal, messages and state in SQLite across restarts")
    serve.add_argument("--db", type=Path, help="SQLite file for --persist (default: <data dir>/state.sqlite3)")
    serve.add_argument("--log-format", choices=LOG_FORMATS, default="text", help="request log lines: text or json")
    serve.add_argument("--quiet", action="store_true", help="no request log")
    serve.add_argument("--control-token", help=f"token every /__mock__/ call must carry (default: ${TOKEN_ENV}); required off loopback")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME", help="extra Host name to answer to (repeatable)")
    _add_data_dir(serve)
    serve.add_argument("--loop", choices=LOOP_CHOICES, help=f"event loop: auto (uvloop if installed, the default), asyncio, uvloop; env {LOOP_ENV}")
    for provider in providers().values():
        hook = getattr(provider, "add_cli_arguments", None)
        if hook is not None:
            hook(serve)
    commands.add_parser("list", help="list the implemented providers", description="List the implemented providers: id, port offset, title.")
    ca = commands.add_parser("ca", help="the local CA of --tls (made on first use)")
    ca.add_argument("--path", action="store_true", help="print only the CA certificate's path (for scripts)")
    _add_data_dir(ca)
    return parser


def _epilog_on_help(parser: argparse.ArgumentParser, epilog: Callable[[], str]) -> None:
    """Give ``parser`` the epilog ``epilog()`` when its help is formatted, not when it is built."""
    format_help = parser.format_help

    def format_help_with_epilog() -> str:
        if parser.epilog is None:
            parser.epilog = epilog()
        return format_help()

    parser.format_help = format_help_with_epilog  # type: ignore[method-assign]


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help=f"CA and database directory (default {default_data_dir()})")


def max_port_base() -> int:
    """The highest ``--port-base`` that leaves every provider's port (base + offset) valid."""
    return 65535 - max((p.port_offset for p in providers().values()), default=0)


def port_base(text: str) -> int:
    """argparse type of ``--port-base``: 0, or a base whose every provider port fits in 1..65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= max_port_base():
        raise argparse.ArgumentTypeError(f"{value} is out of range: give 0..{max_port_base()} (ports are base + offset up to 65535)")
    return value


def settings_help(width: int = 100) -> str:
    """Every provider's settings (name, default, meaning), from the config dataclasses."""
    common = {doc.name: doc for doc in setting_docs(MockConfig)}
    lines = ["settings (--set ID.NAME=VALUE, or --config FILE holding {\"ID\": {\"NAME\": VALUE}}):", "", "  every provider:"]
    lines += _setting_lines(common.values(), width)
    for provider in providers().values():
        own = [d for d in setting_docs(provider.config_type) if d.name not in common or d.default != common[d.name].default]
        lines += ["", f"  {provider.id} (port base+{provider.port_offset}, {provider.title}):"]
        lines += _setting_lines(own, width)
    return "\n".join(lines)


def _setting_lines(docs: Any, width: int) -> list[str]:
    lines: list[str] = []
    for doc in docs:
        lines.append(f"    {doc.name} = {_shown_default(doc)}")
        if doc.meaning:
            lines += textwrap.wrap(plain_text(doc.meaning), width, initial_indent=" " * 8, subsequent_indent=" " * 8)
    return lines


def _shown_default(doc: SettingDoc) -> str:
    value = doc.default
    if isinstance(value, (tuple, list)):
        value = ",".join(map(str, value))  # the CLI form of a list setting
    shown = value if isinstance(value, str) else json.dumps(value)
    if "\n" in shown or len(shown) > 48:
        shown = shown.splitlines()[0][:40] + "..."
    return shown or '""'


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
    inspector: bool = True,
    tls: LocalCA | None = None,
    log: RequestLog | None = None,
    persistence: Persistence | None = None,
    freeze: bool = False,
    exposure: Exposure | None = None,
) -> None:
    """Start the given mocks, print where they are, and run until ``stop`` is set or a signal arrives.

    ``tls``: serve HTTPS with a leaf of this CA; ``log``: one line per request;
    ``persistence``: state restored before start, saved as it changes and on stop;
    ``freeze``: hide the start-up objects from the garbage collector (a process that only serves).
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
    web_ui: RunningMock | None = None
    context = tls.server_context(h for p in provider_ids for h in known[p].api_hosts) if tls is not None else None
    cap = connection_share(len(provider_ids) + int(inspector))  # together under the open-file limit
    if cap is not None and cap < MockConfig.max_connections:
        print(f"sealmail serve: the open-file limit allows {cap} connections per mock (ulimit -n)", file=sys.stderr, flush=True)
    try:
        for provider_id in provider_ids:
            provider = known[provider_id]
            port = port_base + provider.port_offset if port_base else 0
            app = create_app(provider, settings.get(provider_id, {}))
            if persistence is not None:
                persistence.attach(app)
            running.append(await start_mock(app, host, port, context, exposure=exposure, connection_cap=cap))
        # The inspector forwards control calls without a token: served only where none is needed (docs/security.md).
        if inspector and exposure.loopback and exposure.control_token is None:
            client_ssl = tls.client_context() if tls is not None else None
            web_ui = await start_inspector(running, host, port_base, ssl=client_ssl, connection_cap=cap)
        print_table(running, out, as_json=as_json, inspector_url=web_ui.url + "/" if web_ui else None,
                    ca_file=tls.cert_file if tls is not None else None)
        if freeze:
            freeze_startup_objects()
        if not exposure.loopback:
            print(exposure_banner(exposure), file=sys.stderr, flush=True)
        for mock in running if log is not None else ():
            log.attach(mock.state)
            mock.app[TENANTS].when_created(log.attach)  # tenants' requests are logged too
        await stop.wait()
    finally:
        if web_ui is not None:
            await web_ui.runner.cleanup()
        for mock in reversed(running):
            await mock.runner.cleanup()
        if persistence is not None:
            persistence.close()


def print_table(running: Sequence[RunningMock], out: TextIO, *, as_json: bool = False, inspector_url: str | None = None,
                ca_file: Path | None = None) -> None:
    """One row per mock: provider, base URL, and the credentials to paste into an app (and the CA to trust)."""
    rows = [describe(m.state, m.url) for m in running]
    loop_name = running_loop_name()  # None when called outside a loop
    if as_json:
        extra = {**({"inspector_url": inspector_url} if inspector_url else {}), **({"ca_file": str(ca_file)} if ca_file else {})}
        out.write(json.dumps({"mocks": rows, **extra, **({"event_loop": loop_name} if loop_name else {})}) + "\n")
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
    if ca_file is not None:
        out.write(f"HTTPS with the local CA {ca_file} (trust it once):\n")
        example = running[0].url if running else "https://127.0.0.1:<port>"
        out.writelines(f"  {line}\n" for line in trust_lines(ca_file, example))
    if inspector_url:
        out.write(f"Inspector: {inspector_url}\n")
    if loop_name:
        out.write(f"event loop: {loop_name}\n")
    out.write("Control API: GET <base URL>/__mock__/ lists each mock's control calls (health, config, requests, reset, faults, clock...); /__mock__/openapi.json describes them (OpenAPI 3.1). Ctrl-C stops.\n")
    out.flush()


def exposure_banner(exposure: Exposure) -> str:
    """The warning a non-loopback bind prints: who can reach the mocks and what protects them."""
    return (
        f"WARNING: listening on {exposure.bind_host}: every machine that can reach this address can call the mocks. "
        "The control API (/__mock__/: keys, credentials, reset, faults) requires the control token "
        "(Authorization: Bearer <token> or X-Sealmail-Token); the web inspector is not served. Test keys only; see docs/security.md."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``sealmail serve|list``: exit 0 after a clean stop, 1 when a mock cannot start, 2 on usage errors."""
    args = build_parser().parse_args(argv)
    known = providers()
    if args.command == "list":
        for provider in known.values():
            print(f"{provider.id}\t+{provider.port_offset}\t{provider.title}")
        return 0
    if args.command == "ca":
        return _ca(args)
    chosen = args.providers or list(known)
    unknown = [p for p in chosen if p not in known]
    if unknown:
        return fail("sealmail serve", f"unknown provider(s): {', '.join(unknown)}; known: {', '.join(known)}")
    try:
        settings = settings_from(args)
    except (ValueError, TypeError, OSError) as error:
        return fail("sealmail serve", f"bad settings: {error}")
    for provider_id, values in settings.items():
        if not values:
            continue
        try:  # fail fast: build the app once, so a bad key or value is refused before anything listens
            create_app(known[provider_id], values)
        except Exception as error:  # whatever a provider raises on these values, it is a usage error
            return fail("sealmail serve", f"bad settings for {provider_id}: {error}")
    try:
        token = args.control_token or os.environ.get(TOKEN_ENV) or None
        exposure = Exposure.for_bind(args.host, control_token=token, allowed_hosts=args.allow_host)
    except ExposureError as error:
        return fail("sealmail serve", str(error))
    try:
        loop = choose_loop(requested_loop(args.loop))
    except LoopUnavailable as error:
        return fail("sealmail serve", str(error))
    raise_open_file_limit()  # each connection is a file descriptor (core/connections.py)
    try:
        tls = load_or_create_ca(args.data_dir) if args.tls else None
        persistence = _open_persistence(args) if args.persist or args.db else None
        log = None if args.quiet else RequestLog(sys.stdout, args.log_format)
        tune_allocator()
        loop.run(
            serve(chosen, host=args.host, port_base=args.port_base, settings=settings, out=sys.stdout, as_json=args.json,
                  tls=tls, log=log, persistence=persistence, inspector=args.inspector, freeze=True, exposure=exposure)
        )
    except OSError as error:
        print(f"sealmail serve: cannot start: {error}", file=sys.stderr)
        return 1
    return 0


def _open_persistence(args: argparse.Namespace) -> Persistence:
    from .core.persistence import Persistence, default_db_path

    return Persistence.open(args.db or default_db_path(args.data_dir))


def _ca(args: argparse.Namespace) -> int:
    """``sealmail ca [--path]``: the CA file (made on first use) and the lines that trust it."""
    try:
        ca = load_or_create_ca(args.data_dir)
    except (OSError, ValueError) as error:
        print(f"cannot load the local CA: {error}", file=sys.stderr)
        return 1
    if args.path:
        print(ca.cert_file)
        return 0
    print(f"{ca.cert_file}  (SHA-256 {ca.fingerprint})")
    for line in trust_lines(ca.cert_file):
        print(line)
    return 0
