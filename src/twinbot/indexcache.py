"""A persistent cache of built indexes, so `twinbot ask`, `chat` and `run` start fast.

Building the lexical index analyses every phrasing (stems, Russian lemmas, compounds), and
the dense one embeds them: most of a one-question `twinbot ask`. The validated knowledge
base, its `LexicalRanker` and its `DenseIndex` are pickled under the user's cache folder,
keyed by everything they depend on — the knowledge files' bytes, the source of the modules
that analyse and validate them, and the encoder's identity — so any edit to either makes a
new key. Only knowledge bases that passed validation
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
from twinbot.loader import is_knowledge_file
from twinbot.ranking.dense import DenseIndex
from twinbot.ranking.lexical import LexicalRanker, gc_paused

#: Bump when the pickled layout changes in a way `index_key`'s inputs (the sources, the
#: knowledge files, the encoder) wouldn't catch.
CACHE_FORMAT = 4
_KEEP = 4
#: The modules whose code shapes a cached index (a test holds this closed under imports).
_SOURCES = (
    "ranking/__init__.py",
    "ranking/lexical/__init__.py",
    "ranking/lexical/builder.py",
    "ranking/lexical/index.py",
    "ranking/lexical/persons.py",
    "ranking/lexical/places.py",
    "ranking/lexical/ranker.py",
    "ranking/lexical/repair.py",
    "ranking/lexical/scoring.py",
    "ranking/lexical/typos.py",
    "ranking/dense/__init__.py",
    "ranking/dense/encoder.py",
    "ranking/dense/e5.py",
    "ranking/dense/store.py",
    "textnorm/__init__.py",
    "textnorm/_analysis.py",
    "textnorm/_compounds.py",
    "textnorm/_language.py",
    "textnorm/_morphology.py",
    "textnorm/_pos.py",
    "textnorm/_stems.py",
    "textnorm/_tokens.py",
    "textnorm/_translit.py",
    "textnorm/_words.py",
    "lexicon.py",
    "loader.py",
    "validate.py",
    "knowledge.py",
    "errors.py",
)
#: The data files the index is built with (part-of-speech odds, the cities' names).
_DATA_FILES = ("data/pos_en.tsv.gz", "data/pos_de.tsv.gz", "data/cities.tsv.gz")


def cache_dir() -> Path:
    """$TWINBOT_CACHE_DIR, else $XDG_CACHE_HOME/twinbot, else ~/.cache/twinbot."""
    configured = os.environ.get("TWINBOT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twinbot"


def index_key(knowledge_dir: Path, encoder: str) -> str:
    """A key that changes with any knowledge file, any ranking/validation code or data
    file, or the encoder (by name: "none" for lexical-only)."""
    digest = hashlib.sha256(f"{__version__}/{CACHE_FORMAT}/{encoder}".encode())
    package = Path(__file__).resolve().parent
    for name in _SOURCES:
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    for name in _DATA_FILES:
        digest.update(name.encode())
        digest.update((package / name).read_bytes() if (package / name).is_file() else b"")
    for path in sorted(knowledge_dir.iterdir()):
        if is_knowledge_file(path.name) and path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


Cached = tuple[KnowledgeBase, LexicalRanker, DenseIndex | None]


def load(key: str) -> Cached | None:
    """The cached knowledge base and indexes for *key*, or None."""
    path = cache_dir() / f"index-{key}.pickle"
    try:
        with path.open("rb") as data, gc_paused():
            cached = pickle.load(data)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    if (
        isinstance(cached, tuple)
        and len(cached) == 3
        and isinstance(cached[0], KnowledgeBase)
        and isinstance(cached[1], LexicalRanker)
        and (cached[2] is None or isinstance(cached[2], DenseIndex))
    ):
        return cached[0], cached[1], cached[2]
    return None


def store(
    key: str, knowledge: KnowledgeBase, lexical: LexicalRanker, dense: DenseIndex | None
) -> None:
    """Cache them under *key* (atomically); silently skipped when that fails."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as out:
            pickle.dump((knowledge, lexical, dense), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, folder / f"index-{key}.pickle")
        old = sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        return
