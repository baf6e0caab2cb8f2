"""A persistent cache of built matcher indexes, so `twinbot ask`, `chat` and `run` start fast.

Building the index analyses every phrasing (stems, Russian lemmas, compounds): most of a
one-question `twinbot ask`. The validated knowledge base and its built `Matcher` are
pickled under the user's cache folder, keyed by a fingerprint of everything they depend
on — the knowledge files' bytes and the source of the modules that analyse and validate
them — so any edit to either makes a new key. Only knowledge bases that passed validation
are stored. A cache that can't be read or written is ignored: it only costs the rebuild.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from twinbot import __version__
from twinbot.knowledge import KnowledgeBase
from twinbot.matcher import Matcher, gc_paused

#: Bump when the pickled layout changes in a way the source fingerprint wouldn't catch.
CACHE_FORMAT = 1
_KEEP = 4
#: The modules whose code shapes a cached index (a test holds this closed under imports).
_SOURCES = (
    "matcher.py",
    "textnorm.py",
    "typos.py",
    "lexicon.py",
    "loader.py",
    "validate.py",
    "knowledge.py",
    "errors.py",
)


def cache_dir() -> Path:
    """$TWINBOT_CACHE_DIR, else $XDG_CACHE_HOME/twinbot, else ~/.cache/twinbot."""
    configured = os.environ.get("TWINBOT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twinbot"


def fingerprint(knowledge_dir: Path) -> str:
    """A key that changes with any knowledge file or any matching/validation code."""
    digest = hashlib.sha256(f"{__version__}/{CACHE_FORMAT}".encode())
    package = Path(__file__).resolve().parent
    for name in _SOURCES:
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    for path in sorted(knowledge_dir.iterdir()):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def load(key: str) -> tuple[KnowledgeBase, Matcher] | None:
    """The cached knowledge base and index for *key*, or None."""
    path = cache_dir() / f"index-{key}.pickle"
    try:
        with path.open("rb") as data, gc_paused():
            cached = pickle.load(data)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    if (
        isinstance(cached, tuple)
        and len(cached) == 2
        and isinstance(cached[0], KnowledgeBase)
        and isinstance(cached[1], Matcher)
    ):
        return cached[0], cached[1]
    return None


def store(key: str, knowledge: KnowledgeBase, matcher: Matcher) -> None:
    """Cache both under *key* (atomically); silently skipped when that fails."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as out:
            pickle.dump((knowledge, matcher), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, folder / f"index-{key}.pickle")
        old = sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        return
