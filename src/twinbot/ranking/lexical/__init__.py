"""The lexical ranker: the question's words explained by the knowledge base's words.

`ranker` is the facade (`LexicalRanker.rank`); `builder` makes the frozen `index` of a
knowledge base once; `repair` reads a question's words against it (typos through
`typos`, the symmetric-deletion index; compounds; other scripts), and `scoring` gives
each candidate entry its evidence.
"""

from __future__ import annotations

from twinbot.ranking.lexical.index import gc_paused
from twinbot.ranking.lexical.ranker import LexicalRanker, LexicalRanking
from twinbot.ranking.lexical.repair import QueryWord
from twinbot.ranking.lexical.scoring import LexicalEvidence

__all__ = ["LexicalEvidence", "LexicalRanker", "LexicalRanking", "QueryWord", "gc_paused"]
