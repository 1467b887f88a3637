"""The layering as a test: every import in the library packages (lazy ones inside functions too)
follows the arrows of docs/architecture.md, and ``vic.verifier`` stays light.

    contexts -> did -> vc -> httpkit -> issuer | verifier | wallet -> cli

A package may import its own modules and any package to its left; the three roles never import
each other; httpkit is for services (vc never imports it). Imports name the ``vic`` namespace
(``from vic.vc import ...``), never a bare role folder.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ALLOWED: dict[str, frozenset[str]] = {
    "contexts": frozenset({"contexts"}),
    "did": frozenset({"contexts", "did"}),
    "vc": frozenset({"contexts", "did", "vc"}),
    "httpkit": frozenset({"contexts", "did", "vc", "httpkit"}),
    "issuer": frozenset({"contexts", "did", "vc", "httpkit", "issuer"}),
    "verifier": frozenset({"contexts", "did", "vc", "httpkit", "verifier"}),
    "wallet": frozenset({"contexts", "did", "vc", "httpkit", "wallet"}),
    "cli": frozenset({"contexts", "did", "vc", "httpkit", "issuer", "verifier", "wallet", "cli"}),
}
PACKAGES = tuple(ALLOWED)

HEAVY = ("fastapi", "starlette", "sqlalchemy", "PIL", "qrcode", "zxingcpp", "httpx", "uvicorn")
"""What ``import vic.verifier`` must not load (web, database, image and HTTP client libraries)."""


@dataclass(frozen=True)
class Import:
    """One import statement: where it is and the module it names (absolute)."""

    path: Path
    line: int
    module: str
    lazy: bool
    type_checking: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["vic", *parts])


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> Iterator[Import]:
    """Every import of a module, with whether it runs lazily (in a function) or only for the
    type checker."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node: ast.AST, lazy: bool, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(path, child.lineno, alias.name, lazy, typing_only)
            elif isinstance(child, ast.ImportFrom):
                module = _resolve(path, child)
                yield Import(path, child.lineno, module, lazy, typing_only)
                for alias in child.names:  # ``from vic import verifier`` names a package too
                    if module == "vic":
                        yield Import(path, child.lineno, f"vic.{alias.name}", lazy, typing_only)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, True, typing_only)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                for part in child.body:
                    yield from walk(ast.Module(body=[part], type_ignores=[]), lazy, True)
                for part in child.orelse:
                    yield from walk(ast.Module(body=[part], type_ignores=[]), lazy, typing_only)
            else:
                yield from walk(child, lazy, typing_only)

    yield from walk(tree, False, False)


def library_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_library_package_is_walked() -> None:
    found = {p.relative_to(ROOT).parts[0] for p in library_modules()}
    assert found == set(PACKAGES)
    links = {p.name for p in (ROOT / "vic").iterdir() if p.is_symlink()}
    assert links == set(PACKAGES), "every role folder is linked into vic/ and listed here"


def violations(path: Path) -> list[str]:
    """The imports of a library module that break the arrows, one line each."""
    package = path.relative_to(ROOT).parts[0]
    wrong = []
    for imp in imports_of(path):
        top, _, rest = imp.module.partition(".")
        where = f"{path.relative_to(ROOT)}:{imp.line}"
        if top in PACKAGES:
            wrong.append(f"{where}: bare import of {imp.module} (use vic.{imp.module})")
        elif top == "vic" and rest and rest.split(".")[0] not in ALLOWED[package]:
            wrong.append(f"{where}: {package} -> {rest.split('.')[0]} ({imp.module})")
    return wrong


def test_every_import_follows_the_arrows() -> None:
    assert [line for path in library_modules() for line in violations(path)] == []


def _modules_loaded_at_import(start: str) -> dict[str, list[str]]:
    """The vic modules ``import start`` loads (module-level imports, followed), with the
    outside modules each of them imports at module level."""
    seen: dict[str, list[str]] = {}
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        parts = name.split(".")[1:]
        path = ROOT.joinpath(*parts)
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if not source.exists():  # ``from vic.x import name``: a name, not a module
            continue
        seen[name] = []
        package = ".".join(name.split(".")[:-1])
        if package.count(".") >= 1:
            todo.append(package)  # importing a module imports its packages
        for imp in imports_of(source):
            if imp.lazy or imp.type_checking:
                continue
            if imp.module.startswith("vic."):
                todo.append(imp.module)
                head = imp.module
                while head.count(".") > 1:  # every package on the way is imported too
                    head = head.rsplit(".", 1)[0]
                    todo.append(head)
            else:
                seen[name].append(imp.module)
    return seen


def test_vic_verifier_imports_nothing_heavy_at_package_level() -> None:
    loaded = _modules_loaded_at_import("vic.verifier")
    assert "vic.verifier.verify" in loaded  # the walk follows the package's imports
    heavy = {
        f"{module} imports {outside}"
        for module, outside_modules in loaded.items()
        for outside in outside_modules
        if outside.split(".")[0] in HEAVY
    }
    assert heavy == set()
    assert not [m for m in loaded if m.startswith(("vic.issuer", "vic.wallet", "vic.cli"))]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from vic.issuer.engine import Issuer\n", ["verifier -> issuer (vic.issuer.engine)"]),
        ("def f():\n    import vic.cli.main\n", ["verifier -> cli (vic.cli.main)"]),
        ("if TYPE_CHECKING:\n    from ..wallet import w\n", ["verifier -> wallet (vic.wallet)"]),
        ("from verifier import verify\n", ["bare import of verifier (use vic.verifier)"]),
        ("from vic import wallet\n", ["verifier -> wallet (vic.wallet)"]),
        ("from .verify import x\nfrom ..vc import y\n", []),
    ],
)
def test_the_walk_catches_a_wrong_arrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, expected: list[str]
) -> None:
    """The checker itself: a planted module with a wrong import is caught, lazy or not."""
    fake_root = tmp_path / "repo"
    (fake_root / "verifier").mkdir(parents=True)
    planted = fake_root / "verifier" / "planted.py"
    planted.write_text(source, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", fake_root)
    assert [line.split(": ", 1)[1] for line in violations(planted)] == expected


def test_import_vic_verifier_in_a_fresh_interpreter_loads_nothing_heavy() -> None:
    code = (
        "import sys, vic.verifier; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith(('vic.issuer', 'vic.wallet', 'vic.cli', 'vic.httpkit')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
