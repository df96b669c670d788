"""The README's "Use it from your project" tests run as written, in a project of their own.

Every ```python block of the README whose first line is ``# test_<name>.py`` is a complete test file;
all of them are written into a fresh directory and run with ``pytest`` in a subprocess (as a user's
project would run them, with the plugin found through its entry point). Every test in them must pass,
and there must be a sync and an async test for each provider.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"```python\n# (test_\w+\.py)\n(.*?)```", re.S)
PROVIDER_FIXTURES = ("netcore_email_mock", "autosend_mock", "ncp_mailer_mock", "netcore_ce_mock", "stayprivate_mock")


def readme_examples() -> dict[str, str]:
    return {name: f"# {name}\n{body}" for name, body in EXAMPLE.findall(README.read_text(encoding="utf-8"))}


def test_every_provider_has_a_sync_and_an_async_example() -> None:
    examples = readme_examples()
    for fixture in PROVIDER_FIXTURES:
        users = [code for code in examples.values() if fixture in code]
        assert users, f"no README example uses {fixture}"
        code = "\n".join(users)
        assert re.search(rf"^def test_\w+\({fixture}", code, re.M), f"no sync test for {fixture}"
        assert re.search(rf"^async def test_\w+\({fixture}", code, re.M), f"no async test for {fixture}"


def test_readme_examples_pass_as_written(tmp_path: Path) -> None:
    examples = readme_examples()
    for name, code in examples.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    expected = sum(len(re.findall(r"^(?:async )?def test_", code, re.M)) for code in examples.values())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{expected} passed" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize("heading", ["Endpoints", "Credentials and request format", "Responses and errors",
                                     "Control API extras", "Settings", "Bad input", "Conformance and vectors"])
def test_every_provider_section_has_the_same_parts(heading: str) -> None:
    text = README.read_text(encoding="utf-8")
    providers = text.split("\n## Providers\n", 1)[1].split("\n## ", 1)[0]
    sections = re.split(r"\n### ", providers)[1:]
    assert len(sections) == 5
    for section in sections:
        assert f"\n#### {heading}\n" in section, f"{section.splitlines()[0]} has no '{heading}' part"
