"""Text normalisation: folding, tokens, stems, transliteration, language guessing.

(Being written: `fold` is final.) Knows no knowledge base.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD_TABLE = str.maketrans({"ё": "е", "ß": "ss", "ä": "a", "ö": "o", "ü": "u", "й": "й"})
_NON_WORD = re.compile(r"[^\w]+|_+")


def fold(text: str) -> str:
    """Lower-case, accent- and punctuation-free form for comparing phrasings.

    "Städtepartnerschaften?" and "stadtepartnerschaften" fold alike; ё and е too.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD_TABLE)
    return " ".join(_NON_WORD.sub(" ", text).split())
