"""One lexical ranker over the bundled knowledge base for the whole run: it is immutable, so
every test that reads the shipped index shares it."""

from __future__ import annotations

import pytest

from twinbot.paths import bundled_knowledge_dir
from twinbot.ranking.lexical import LexicalRanker
from twinbot.validate import load_valid_knowledge


@pytest.fixture(scope="session")
def lexical_ranker() -> LexicalRanker:
    """The `LexicalRanker` of the bundled knowledge base, built once per run."""
    return LexicalRanker(load_valid_knowledge(bundled_knowledge_dir()))
