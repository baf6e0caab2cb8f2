"""Part of speech: how much an unknown word is likely to change the question. Coarse
classes (`Pos`), odds over them (`Odds`), and `latin_pos` for English and German words from
the part-of-speech lexicon, question-framing verbs and word endings.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

from twinbot.knowledge import Lang
from twinbot.lexicon import pos_odds
from twinbot.textnorm._stems import stem
from twinbot.textnorm._tokens import Word


class Pos(Enum):
    """Coarse part of speech: how much an unknown word is likely to change the question."""

    NOUN = "noun"  # nouns, names, numbers, unknown words: the question's focus
    ADJ = "adj"
    VERB = "verb"  # "deal with", "besprochen", "рассказывают": mostly framing
    OTHER = "other"  # adverbs, particles


# Verbs that frame a question ("what did it deal with", "worum ging es", "was wurde
# besprochen") rather than name its subject; matched by stem so every form counts.
_FRAME_VERBS_EN = """
attend become begin bring call cause celebrate change come concern consider cover
create deal decide describe develop discuss do explain feature focus happen handle help hold
include involve join keep lead learn link look make mean meet mention need offer organise
organize participate play promote provide put reach refer relate remember revolve run see
seem show start stand support take talk tackle think try turn use want work write run
recognise recognize recognised name list happen go give find believe consist contain regard
"""
_FRAME_VERBS_DE = """
machen tun geben gehen kommen sagen besprechen behandeln diskutieren entscheiden eingehen
einbeziehen unternehmen unterhalten umsetzen spielen stehen finden stattfinden halten
teilnehmen helfen bringen passieren geschehen beschäftigen drehen gehören heißen nennen zählen
leiten führen organisieren feiern verbinden bedeuten betreffen handeln thematisieren
erarbeiten vorstellen präsentieren bieten anbieten zeigen erreichen nutzen sehen lernen
arbeiten kümmern wissen bewirken fördern beitragen befassen widmen treffen
"""


@lru_cache(maxsize=1)
def _frame_verb_stems() -> frozenset[str]:
    return frozenset(
        {stem(v, "en") for v in _FRAME_VERBS_EN.split()}
        | {stem(v, "de") for v in _FRAME_VERBS_DE.split()}
    )


_DE_PARTICIPLE = re.compile(
    r"^(?:ab|an|auf|aus|bei|ein|mit|nach|vor|weg|zu|zurück|um|durch|über|unter|statt|teil|fest"
    r"|los|hin|her|dar|vorbei)?(?:ge|be|ver|ent|er|zer)[a-zäöüß]{3,}(?:t|en|te|ten)$"
)


class Odds(NamedTuple):
    """Odds that a word is a noun, an adjective, a verb or something else."""

    noun: float
    adj: float
    verb: float
    other: float


#: The odds of a word nothing tells about (a name, a number, an unlisted word): a noun.
NOUN_ODDS = Odds(noun=1.0, adj=0.0, verb=0.0, other=0.0)
_ODDS_OF = {
    Pos.NOUN: NOUN_ODDS,
    Pos.ADJ: Odds(noun=0.0, adj=1.0, verb=0.0, other=0.0),
    Pos.VERB: Odds(noun=0.0, adj=0.0, verb=1.0, other=0.0),
    Pos.OTHER: Odds(noun=0.0, adj=0.0, verb=0.0, other=1.0),
}


def latin_pos(word: Word, lang: Lang) -> Odds:
    """Part-of-speech odds for an English or German word the index may not know.

    The lexicon (built with the Hanover Tagger over common words) decides where it lists
    the word; question-framing verbs are verbs whatever their other readings ("deal",
    "address"); otherwise word endings, and a noun by default.
    """
    text = word.text
    if stem(text, lang) in _frame_verb_stems():
        return _ODDS_OF[Pos.VERB]
    listed = pos_odds(text, lang)
    if listed is None and lang == "de":
        listed = pos_odds(text.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü"), lang)
    if listed is not None:
        return Odds._make(listed)
    if lang == "en":
        if text.endswith("ly") and len(text) > 4:
            return _ODDS_OF[Pos.OTHER]
        if text.endswith("ed") and len(text) > 4:
            return _ODDS_OF[Pos.VERB]
        if text.endswith(("ing", "ous", "ive", "ful", "able", "ible", "al", "ic")):
            return _ODDS_OF[Pos.ADJ]
        return NOUN_ODDS
    if text.endswith(("iert", "ieren")):
        return _ODDS_OF[Pos.VERB]
    if not word.capitalized and _DE_PARTICIPLE.match(text):
        return _ODDS_OF[Pos.VERB]
    if text.endswith(("lich", "ig", "isch", "bar", "sam", "lichen", "igen", "ischen")):
        return _ODDS_OF[Pos.ADJ]
    return NOUN_ODDS
