"""The ``sealmail`` command as a whole: one-line usage errors (exit 2, no traceback) in every
subcommand, plain-text help that lists each provider's settings, a cheap ``--version``, and the
vector commands' one-line answer when an independent implementation is missing."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sealmail import __version__
from sealmail.cli import main
from sealmail.mockservers.core import providers

ROOT = Path(__file__).resolve().parents[2]
REST_MARKUP = re.compile(r"``|:[a-z]+:`")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``sealmail ARGV`` in this process: exit status, stdout, stderr."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's exit for --help and usage errors
        status = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_version_is_cheap_and_python_m_is_the_same_command() -> None:
    probe = "import sys; from sealmail.cli import main; main(['--version']); print(sorted(m for m in sys.modules if m.split('.')[0] in {'aiohttp', 'cryptography', 'jwcrypto'}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.splitlines() == [f"sealmail {__version__}", "[]"]
    module = subprocess.run([sys.executable, "-m", "sealmail", "--version"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert module.stdout == f"sealmail {__version__}\n" and module.returncode == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["serve", "--port-base", "70000"], "--port-base: 70000 is out of range: give 0..65530"),
        (["serve", "--port-base", "-1"], "out of range"),
        (["serve", "--port-base", "eighty"], "not a port number: 'eighty'"),
        (["serve", "--provider", "nope"], "unknown provider(s): nope; known: netcore-email"),
        (["serve", "--set", "autosend.initial_keys=many"], "bad settings"),
        (["serve", "--set", "netcore-email.success_status=500"], "success_status must be 200 or 202"),
        (["serve", "--set", "netcore-ce.default_key=short"], "bad settings for netcore-ce: CBC key must be 32 characters"),
        (["serve", "--set", "stayprivate.company_private_key_pem=not-a-key"], "bad settings for stayprivate"),
        (["serve", "--config", "/nonexistent/mocks.json"], "No such file or directory"),
        (["serve", "--config", "/"], "Is a directory"),
        (["serve", "--autosend-rotate-every", "soon"], "bad settings"),
        (["serve", "--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["nonsense"], "unknown command 'nonsense'"),
        (["conformance"], "sealmail conformance: error: the following arguments are required: COMMAND"),
        (["conformance", "list", "nope"], "no conformance suite for 'nope'"),
        (["conformance", "run", "nope"], "no conformance suite for 'nope'"),
        (["conformance", "run", "autosend", "--client", "no_such_module:factory"], "cannot load --client no_such_module:factory"),
        (["conformance", "run", "autosend", "--client", "no-colon"], "must look like pkg.module:factory"),
        (["conformance", "run", "autosend", "--properties", "-1"], "--properties: wants a number of payloads >= 0"),
        (["conformance", "check", "autosend", "--url", "http://127.0.0.1:1"], "cannot read the journal of http://127.0.0.1:1"),
        (["vectors", "replay", "--provider", "autosend", "--url", "ftp://x"], "--url: want http(s)://host:port"),
        (["vectors", "replay", "--provider", "autosend", "--url", "http://127.0.0.1:1"], "cannot connect to 127.0.0.1:1"),
        (["vectors", "replay", "--provider", "autosend", "--url", "http://h:x"], "bad port"),
        (["vectors", "replay", "--provider", "autosend", "--url", "http://h:1", "--header", "nocolon"], "--header: want 'Name: value'"),
        (["vectors", "verify", "--provider", "nope"], "no vector generator for 'nope'"),
        (["vectors", "verify", "/nonexistent"], "no vectors of"),
        (["vectors", "generate", "--seed", "x"], "invalid int value: 'x'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert message in err
    assert err.startswith("sealmail")


def test_unreadable_config_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "mocks.json"
    config.write_bytes(b"\xff\xfe not utf-8")
    status, _, err = run(["serve", "--config", str(config)], capsys)
    assert status == 2 and len(err.splitlines()) == 1 and "bad settings" in err


HELP_PAGES = [
    [], ["serve"], ["list"], ["conformance"], ["conformance", "run"], ["conformance", "list"], ["conformance", "check"],
    ["vectors"], ["vectors", "generate"], ["vectors", "verify"], ["vectors", "replay"],
]


@pytest.mark.parametrize("argv", HELP_PAGES, ids=lambda argv: " ".join(argv) or "top")
def test_help_is_plain_text_under_the_sealmail_name(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([*argv, "--help"], capsys)
    assert status == 0
    assert not REST_MARKUP.search(out), REST_MARKUP.search(out)
    assert out.startswith("usage: sealmail" + "".join(" " + word for word in argv))


def test_serve_help_lists_every_provider_and_each_of_its_settings(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["serve", "--help"], capsys)
    sections = re.split(r"\n  (?=\S)", out.split("settings (--set", 1)[1])
    by_provider = {section.split(" ", 1)[0]: section for section in sections[1:]}
    assert list(by_provider) == ["every", *providers()]
    for provider in providers().values():
        section = by_provider[provider.id] + by_provider["every"]
        for field in dataclasses.fields(provider.config_type):
            assert re.search(rf"^    {field.name} = ", section, re.MULTILINE), (provider.id, field.name)
    assert "    success_status = 200\n        200 as the seed's sample; 202 is also documented" in by_provider["netcore-email"]
    assert "    max_body_bytes = 12582912\n" in by_provider["stayprivate"]  # its own default, not the common one


@pytest.mark.parametrize("blocked, distribution", [("Crypto", "pycryptodome"), ("joserfc", "joserfc")])
@pytest.mark.parametrize("command", [["verify"], ["replay", "--provider", "autosend", "--url", "http://127.0.0.1:9"]])
def test_vector_commands_name_a_missing_independent_library_in_one_line(blocked: str, distribution: str, command: list[str]) -> None:
    probe = f"import sys; sys.modules[{blocked!r}] = None; from sealmail.cli import main; raise SystemExit(main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", probe, "vectors", *command], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"sealmail vectors {command[0]}: error: needs {distribution} (a sealmail dependency), not installed here: pip install {distribution}"
    ]
