"""The lexical ranker: the question's words explained by the knowledge base's words.

`ranker` holds the index and its reading of questions (stems, typos, compounds,
transliteration); `typos` the symmetric-deletion index behind typo repair.
"""

from __future__ import annotations

from twinbot.ranking.lexical.ranker import (
    LexicalEvidence,
    LexicalRanker,
    LexicalRanking,
    QueryWord,
    gc_paused,
)

__all__ = ["LexicalEvidence", "LexicalRanker", "LexicalRanking", "QueryWord", "gc_paused"]
