"""Russian morphology: pymorphy3 lemmas and parts of speech ("юбилеем" → юбилей, noun), so
Russian inflection meets one stem and unknown verbs can count less than unknown nouns; and
`russian_sound_key`, what a Russian word sounds like, so spelling by ear meets the word.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from twinbot.textnorm._pos import _ODDS_OF, NOUN_ODDS, Odds, Pos

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

_PYMORPHY_POS = {
    "NOUN": Pos.NOUN,
    "ADJF": Pos.ADJ,
    "ADJS": Pos.ADJ,
    "COMP": Pos.ADJ,
    "PRTF": Pos.ADJ,
    "NUMR": Pos.NOUN,
    "VERB": Pos.VERB,
    "INFN": Pos.VERB,
    "PRTS": Pos.VERB,
    "GRND": Pos.VERB,
}


_RUSSIAN_VERB_ENDINGS = (
    "ться",
    "тся",
    "лся",
    "лась",
    "лось",
    "лись",
    "ешь",
    "ете",
    "ите",
    "ают",
    "яют",
    "уют",
)


@lru_cache(maxsize=1)
def _morph() -> MorphAnalyzer:
    # Imported on first use: English and German questions never pay for the dictionary.
    from pymorphy3 import MorphAnalyzer

    return MorphAnalyzer()


@lru_cache(maxsize=200_000)
def russian_word(word: str) -> tuple[str, Odds, bool]:
    """(lemma, part-of-speech odds, known) of a lower-case Russian word form, via pymorphy3.

    Unknown words (names, slang, typos) keep their form and count as nouns, unless they
    end like a verb ("задружились").
    """
    morph = _morph()
    if not morph.word_is_known(word):
        verb = word.endswith(_RUSSIAN_VERB_ENDINGS)
        return word, _ODDS_OF[Pos.VERB] if verb else NOUN_ODDS, False
    parses = morph.parse(word)
    scores = dict.fromkeys(Pos, 0.0)
    for parse in parses:
        scores[_PYMORPHY_POS.get(str(parse.tag.POS), Pos.OTHER)] += parse.score
    total = sum(scores.values()) or 1.0
    shares = Odds(
        noun=scores[Pos.NOUN] / total,
        adj=scores[Pos.ADJ] / total,
        verb=scores[Pos.VERB] / total,
        other=scores[Pos.OTHER] / total,
    )
    return parses[0].normal_form.replace("ё", "е"), shares, True


# Unstressed vowels sound alike (о like а; е, я like и), paired consonants sound alike
# where they are devoiced (городов → [гарадоф]), and a doubled letter sounds single.
_SOUND = str.maketrans(
    {
        "о": "а",
        "е": "и",
        "ё": "и",
        "я": "и",
        "э": "и",
        "й": "и",
        "ю": "у",
        "б": "п",
        "в": "ф",
        "г": "к",
        "д": "т",
        "ж": "ш",
        "з": "с",
        "щ": "ш",
        "ь": None,
        "ъ": None,
    }
)


def russian_sound_key(word: str) -> str:
    """What a Russian word sounds like, roughly: the words a learner or a fast typist
    spells by ear share it with the real one ("канфиренция" and "конференция",
    "гаротов" and "городов", "групы" and "группы"). Coarse on purpose: only for words
    that are no real word, matched against a knowledge base's own."""
    sounds = word.casefold().translate(_SOUND).replace("тс", "ц")
    return "".join(c for n, c in enumerate(sounds) if n == 0 or c != sounds[n - 1])
