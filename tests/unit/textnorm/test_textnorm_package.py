"""textnorm's face: `__all__` lists exactly the public names of its private modules, each
importable from the package, and the package needs no fuzzy-matching library."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import twinbot.textnorm as textnorm

PACKAGE = Path(textnorm.__file__).parent
MODULES = sorted(path for path in PACKAGE.glob("_*.py") if path.name != "__init__.py")


def _defined(path: Path) -> set[str]:
    """The public names a module defines at its top level."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def test_all_lists_every_public_name_of_the_private_modules() -> None:
    defined = set().union(*map(_defined, MODULES))
    assert sorted(textnorm.__all__) == sorted(defined)
    assert len(set(textnorm.__all__)) == len(textnorm.__all__)


def test_the_package_namespace_holds_exactly_all() -> None:
    public = {name for name in vars(textnorm) if not name.startswith("_")}
    assert public == set(textnorm.__all__)


@pytest.mark.parametrize("name", textnorm.__all__)
def test_each_name_is_importable_and_is_its_modules(name: str) -> None:
    value = getattr(textnorm, name)
    owners = [path.stem for path in MODULES if name in _defined(path)]
    assert len(owners) == 1, owners
    module = importlib.import_module(f"twinbot.textnorm.{owners[0]}")
    assert getattr(module, name) is value


@pytest.mark.parametrize("path", [PACKAGE / "__init__.py", *MODULES], ids=lambda p: p.name)
def test_no_module_imports_rapidfuzz(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            assert all(alias.name.split(".")[0] != "rapidfuzz" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "rapidfuzz", path.name
