"""Issue 12's "Done when": the checkout as a user gets it, installed (not editable) into its own venv.

Builds the wheel once per module (from a copy of the shipped folders, so the checkout gains no
build/ or egg-info), installs it with ``--no-deps`` into a fresh venv that borrows this venv's
dependencies through a ``.pth`` line (no network, seconds instead of a minute), then:

- checks the wheel: only ``sealmail`` at the top level, the documents the error texts point to
  are inside, every package-data pattern in pyproject.toml matches something (nothing dead);
- runs a user project that has its OWN ``conformance/``, ``vectors/`` and ``mockservers/``
  packages with ``python -m pytest``: sync and async tests against every provider fixture, and
  tests/typing/annotated_user_tests.py as a real test file;
- runs ``sealmail --version``, ``sealmail conformance list`` and ``sealmail vectors verify`` there;
- runs ``mypy --strict`` on the annotated user test file (exit 0), and on a copy with a type
  error (reported), so the typed handles are checked for real.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import sealmail

from .. import in_flight

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("pyproject.toml", "README.md", "mockservers", "conformance", "vectors")
TYPED_SAMPLE = ROOT / "tests" / "typing" / "annotated_user_tests.py"
PROVIDER_FIXTURES = ("netcore_email_mock", "autosend_mock", "ncp_mailer_mock", "netcore_ce_mock", "stayprivate_mock")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    bin: Path
    project: Path

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=self.project, capture_output=True, text=True, timeout=timeout)


def build_wheel(out: Path) -> Path:
    source = out / "source"
    for name in SHIPPED:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out), str(source)],
        check=True, capture_output=True, text=True, timeout=240,
    )
    (wheel,) = out.glob("sealmail-*.whl")
    return wheel


def fresh_venv(where: Path) -> Path:
    """A venv without pip whose only borrowed path is this venv's site-packages (dependencies, pip, mypy)."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # A plain path line: this venv's editable-install hook (a .pth 'import' line there) does not run.
    borrowed = dict.fromkeys(sysconfig.get_paths()[kind] for kind in ("purelib", "platlib"))
    Path(site, "borrowed_dependencies.pth").write_text("".join(f"{path}\n" for path in borrowed), encoding="utf-8")
    return python


def user_project(project: Path) -> None:
    """A project that shadows every repository folder name with its own package."""
    for own in ("conformance", "vectors", "mockservers"):
        (project / own).mkdir(parents=True)
        (project / own / "__init__.py").write_text(f'OWNER = "the user\'s own {own}"\n', encoding="utf-8")
    (project / "pyproject.toml").write_text('[project]\nname = "user-app"\nversion = "1"\n', encoding="utf-8")
    tests = project / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("", encoding="utf-8")
    fixtures = ", ".join(PROVIDER_FIXTURES)
    (tests / "test_every_provider.py").write_text(f'''
import asyncio
import json
import urllib.error
import urllib.request

import aiohttp
import pytest

import conformance, mockservers, vectors
from sealmail import MockHandle

FIXTURES = {list(PROVIDER_FIXTURES)!r}


def test_own_packages_are_the_users() -> None:
    for package in (conformance, mockservers, vectors):
        assert package.OWNER.startswith("the user's own")


@pytest.mark.parametrize("fixture", FIXTURES)
def test_sync(fixture: str, request: pytest.FixtureRequest) -> None:
    mock: MockHandle = request.getfixturevalue(fixture)
    with urllib.request.urlopen(mock.url + "/__mock__/health", timeout=10) as answer:
        assert json.load(answer)["status"] == "ok"
    assert mock.requests() == []  # control calls are not journaled


@pytest.mark.asyncio
@pytest.mark.parametrize("fixture", FIXTURES)
async def test_async(fixture: str, request: pytest.FixtureRequest) -> None:
    mock: MockHandle = request.getfixturevalue(fixture)
    async with aiohttp.ClientSession() as session:
        async with session.post(mock.url + "/no/such/api/path", data=b"{{}}") as answer:
            assert 400 <= answer.status < 500
    assert mock.rejections(), mock.explain()  # the mock journaled the stray request


def test_isolated_across_tests({fixtures}) -> None:
    """Every fixture starts empty even though the async tests above left rejections behind."""
    for mock in ({fixtures},):
        assert mock.requests() == []


def test_in_flight_a_abandons_a_delayed_request(netcore_email_mock) -> None:
    """A request delayed by a fault, given up by its client: it is still in flight when this test ends."""
    netcore_email_mock.fault(delay_ms=600)
    with handler_started(netcore_email_mock) as started:
        try:
            urllib.request.urlopen(urllib.request.Request(netcore_email_mock.url + "/v6/mail/send", data=b"{{}}"), timeout=0.1)
        except OSError:  # the client's timeout
            pass
        else:
            raise AssertionError("the delayed request answered before the client gave up")
        assert started.wait(10)  # in flight when this test ends, however loaded the machine


def test_in_flight_b_never_sees_it(netcore_email_mock) -> None:
    """Issue 12: the abandoned request must not appear in this test's journal, not even as a 401."""
    netcore_email_mock.fault(delay_ms=900)  # longer than A's delay: A's request would have finished by now
    request = urllib.request.Request(netcore_email_mock.url + "/v6/mail/send", data=b"{{}}",
                                     headers={{"Authorization": "Bearer " + netcore_email_mock.config["api_key"]}})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 400  # this test's own request: authenticated, bad payload
    assert [e.id for e in netcore_email_mock.requests()] == [1], netcore_email_mock.explain()


@pytest.mark.asyncio
async def test_in_flight_c_abandons_a_delayed_request_async(autosend_mock) -> None:
    autosend_mock.fault(delay_ms=600)
    with handler_started(autosend_mock) as started:
        with pytest.raises(asyncio.TimeoutError):
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.1)) as session:
                await session.post(autosend_mock.url + "/v1/mails/send", data=b"{{}}")
        assert await asyncio.to_thread(started.wait, 10)


@pytest.mark.asyncio
async def test_in_flight_d_never_sees_it_async(autosend_mock) -> None:
    autosend_mock.fault(delay_ms=900)
    headers = {{"Authorization": "Bearer " + autosend_mock.config["api_key"], "Content-Type": "application/json"}}
    async with aiohttp.ClientSession() as session:
        async with session.post(autosend_mock.url + "/v1/mails/send", data=b"{{}}", headers=headers) as answer:
            assert answer.status == 400
    assert [e.id for e in autosend_mock.requests()] == [1], autosend_mock.explain()
''' + in_flight.SOURCE, encoding="utf-8")
    shutil.copy2(TYPED_SAMPLE, tests / "test_typed_fixtures.py")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("installed-wheel")
    wheel = build_wheel(base / "dist")
    python = fresh_venv(base / "venv")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=240)
    project = base / "project"
    user_project(project)
    return Installed(wheel, python, python.parent, project)


def test_wheel_ships_only_sealmail_and_what_its_texts_point_to(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    record = next(n for n in names if n.endswith(".dist-info/RECORD"))
    recorded = [line.split(",")[0] for line in zipfile.ZipFile(installed.wheel).read(record).decode().splitlines() if line]
    assert {path.split("/")[0] for path in recorded} == {"sealmail", record.split("/")[0]}
    for document in ("sealmail/conformance/FRAMEWORK.md", "sealmail/vectors/FRAMEWORK.md", "sealmail/py.typed",
                     "sealmail/vectors/wycheproof/LICENSE"):
        assert document in names
    assert not [n for n in names if "__pycache__" in n or "/tests/" in n or n.startswith("bench/")]
    metadata = zipfile.ZipFile(installed.wheel).read(record.replace("RECORD", "METADATA")).decode()
    pytest_extra = {line.split(";")[0].split(">")[0].split()[-1] for line in metadata.splitlines()
                    if line.startswith("Requires-Dist:") and "extra == \"pytest\"" in line}
    assert pytest_extra == {"pytest", "pytest-aiohttp", "pytest-asyncio", "requests"}  # the README's sync and async tests
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for package, patterns in config["package-data"].items():
        folder = package.replace(".", "/") + "/"
        for pattern in patterns:
            assert any(fnmatch.fnmatch(n, folder + pattern) for n in names), f"{package}: {pattern!r} ships nothing"


def test_a_user_project_with_its_own_conformance_vectors_mockservers_runs_every_fixture(installed: Installed) -> None:
    result = installed.run(str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-p", "no:xdist", "tests")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    typed_tests = len(re.findall(r"^(?:async )?def test_", TYPED_SAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    in_flight = 4  # the in-flight isolation cases, sync and async
    expected = 1 + 2 * len(PROVIDER_FIXTURES) + 1 + in_flight + typed_tests  # nothing skipped: async tests really ran
    assert result.stdout.splitlines()[-1].startswith(f"{expected} passed"), result.stdout[-2000:]
    where = installed.run(str(installed.python), "-c", "import sealmail, conformance; print(sealmail.__file__); print(conformance.__file__)")
    sealmail_file, conformance_file = where.stdout.split()
    assert sealmail_file.startswith(str(installed.python.parent.parent))  # the wheel, not the checkout
    assert conformance_file == str(installed.project / "conformance" / "__init__.py")


def test_the_sealmail_command_works_in_the_user_project(installed: Installed) -> None:
    sealmail_command = str(installed.bin / "sealmail")
    version = installed.run(sealmail_command, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"sealmail {sealmail.__version__}"
    listing = installed.run(sealmail_command, "conformance", "list", "autosend")
    assert listing.returncode == 0 and listing.stdout.startswith("autosend\t")
    verify = installed.run(sealmail_command, "vectors", "verify", "--provider", "netcore-email", "--provider", "ncp-mailer")
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr
    assert verify.stdout.strip().endswith(" 0 failed") and "DISAGREE" not in verify.stdout


def test_mypy_strict_accepts_the_annotated_user_tests_and_catches_a_model_type_error(installed: Installed) -> None:
    cache = installed.project.parent / "mypy-cache"
    mypy = (str(installed.python), "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(cache))
    clean = installed.run(*mypy, "tests/test_typed_fixtures.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    broken = installed.project / "typed_with_a_mistake.py"
    broken.write_text(
        TYPED_SAMPLE.read_text(encoding="utf-8")
        + "\n\ndef test_mistake(netcore_email_mock: NetcoreEmailMock) -> None:\n    netcore_email_mock.model.rotate()\n",
        encoding="utf-8",
    )
    reported = installed.run(*mypy, broken.name)
    assert reported.returncode == 1
    assert '"NetcoreEmailModel" has no attribute "rotate"' in reported.stdout
