"""The installed package, as a user gets it: a wheel built from this tree, in fresh virtual
environments (``python -m venv``, dependencies from PyPI).

- The core install alone (no extras) verifies a QR text and pulls in nothing web, database or
  image related.
- vic lives beside PyPI's ``did``, ``verifier``, ``wallet``, ``contexts`` and ``vc`` (the bare
  names vic's folders once installed under): installing vic leaves theirs untouched, both work,
  and uninstalling any of them leaves vic whole.

Slow (venvs and downloads): marked ``slow``, which CI runs (``make test`` runs every test). The
wheel and the demo's mark are built once per session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = "vehicle-inspection-vc"
NAMESAKES = ("did", "verifier", "wallet", "contexts", "vc")
# httpx is in the core install on purpose (online status lists and did:web through the guarded
# fetcher), imported on first use only: the import check below keeps it out of vic.verifier.
NOT_IN_CORE = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "uvicorn",
    "fpdf2",
    "pillow",
    "qrcode",
    "zxing-cpp",
    "pypdfium2",
    "typer",
    "rich",
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

VERIFY = """
import json, sys
from pathlib import Path
from vic.verifier import StaticStatusLists, TrustList, verify_credential
demo = Path(sys.argv[1])
text = (demo / "mark.txt").read_text().strip()
lists = [json.loads((demo / f"status-{p}.json").read_text()) for p in ("revocation", "suspension")]
trust = TrustList.read(demo / "trust.json")
with_status = verify_credential(text, trust=trust, status_source=StaticStatusLists(lists))
without = verify_credential(text, trust=trust, check_status_lists=False)
import vic.verifier
print(json.dumps({
    "with_status": with_status.status.value,
    "without": without.status.value,
    "verified": without.verified,
    "file": vic.verifier.__file__,
}))
"""


def run(*args: str | Path, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
        cwd=cwd or Path("/"),
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this tree (not editable), built once."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    skip = shutil.ignore_patterns(
        ".git",
        ".venv",
        "tests",
        "node_modules",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".pytest_cache",
        "demo-out",
    )
    shutil.copytree(ROOT, source, symlinks=True, ignore=skip)
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-w",
        work / "dist",
        source,
    )
    (built,) = (work / "dist").glob("*.whl")
    names = zipfile.ZipFile(built).namelist()
    assert "vic/verifier/__init__.py" in names
    assert "vic/py.typed" in names
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"vic"}, "the wheel installs one top-level package"
    return built


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's outputs: a VC1-R mark (superseded, so REVOKED), its trust list and lists."""
    out = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "vic.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def fresh_venv(where: Path) -> Path:
    run(sys.executable, "-m", "venv", where)
    return where / "bin" / "python"


def installed(python: Path) -> set[str]:
    listing = json.loads(run(python, "-m", "pip", "list", "--format", "json"))
    return {row["name"].lower() for row in listing}


def verify_in(python: Path, demo: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(run(python, "-c", VERIFY, demo))
    return result


def vic_files_intact(python: Path) -> None:
    """Every file vic's RECORD lists exists with its recorded hash."""
    code = (
        "import base64, hashlib, importlib.metadata as m, sys\n"
        f"dist = m.distribution({DIST!r})\n"
        "bad = []\n"
        "for f in dist.files:\n"
        "    if f.hash is None: continue\n"
        "    p = f.locate()\n"
        "    digest = base64.urlsafe_b64encode(hashlib.new(f.hash.mode, p.read_bytes()).digest())"
        ".rstrip(b'=').decode() if p.exists() else None\n"
        "    if digest != f.hash.value: bad.append(str(f))\n"
        "print('\\n'.join(bad))\n"
    )
    assert run(python, "-c", code).strip() == ""


def tree_digest(python: Path, package: str) -> str:
    code = (
        "import hashlib, importlib.util, pathlib\n"
        f"spec = importlib.util.find_spec({package!r})\n"
        "root = pathlib.Path(spec.origin).parent\n"
        "h = hashlib.sha256()\n"
        "for p in sorted(root.rglob('*.py')):\n"
        "    h.update(str(p.relative_to(root)).encode()); h.update(p.read_bytes())\n"
        "print(root, h.hexdigest())\n"
    )
    return run(python, "-c", code).strip()


def test_the_core_install_alone_verifies_a_qr_text(wheel: Path, demo: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--quiet", wheel)
    assert installed(python) & set(NOT_IN_CORE) == set()
    result = verify_in(python, demo)
    assert result["with_status"] == "REVOKED"  # the registration mark, superseded in the demo
    assert result["without"] == "VALID"
    assert result["verified"] is True
    assert str(result["file"]).startswith(str(tmp_path / "venv"))
    heavy = run(
        python,
        "-c",
        "import sys, vic.verifier; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'sqlalchemy', 'PIL', 'qrcode', 'zxingcpp', 'httpx')))",
    )
    assert heavy.strip() == "[]"


def test_vic_lives_beside_its_pypi_namesakes(wheel: Path, demo: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    # did's own dependency requests-gssapi needs Kerberos headers to build: its files are what
    # could collide, so it goes in without dependencies.
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "did")
    run(python, "-m", "pip", "install", "--quiet", *NAMESAKES[1:])
    before = {name: tree_digest(python, name) for name in NAMESAKES}
    run(python, "-m", "pip", "install", "--quiet", wheel)
    assert {name: tree_digest(python, name) for name in NAMESAKES} == before
    for name in NAMESAKES:
        run(python, "-c", f"import {name}")
    assert verify_in(python, demo)["without"] == "VALID"
    vic_files_intact(python)
    for name in NAMESAKES:
        run(python, "-m", "pip", "uninstall", "--yes", "--quiet", name)
        vic_files_intact(python)
        assert verify_in(python, demo)["with_status"] == "REVOKED"
    assert installed(python) & set(NAMESAKES) == set()
