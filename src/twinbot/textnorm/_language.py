"""Language guessing: a unigram language model over general word frequencies (lexicon.py),
where names and capitalised words count less and Cyrillic spelled in Latin letters counts
as Russian.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from twinbot.knowledge import LANGS, Lang
from twinbot.lexicon import zipf
from twinbot.textnorm._tokens import Script, Word
from twinbot.textnorm._translit import latin_to_cyrillic

#: The languages written in Latin letters.
LATIN_LANGS: tuple[Lang, ...] = ("en", "de")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """Which language a text is written in, if it tells."""

    lang: Lang | None
    #: Russian written in Latin letters.
    translit: bool
    scores: Mapping[Lang, float]


#: A language wins when its log-likelihood beats the runner-up by this many Zipf units;
#: below that the text doesn't tell ("Karlsruhe", "INTAMT 2005").
DECISIVE_MARGIN = 1.0
_UNKNOWN_ZIPF = 1.5  # a Latin word no list knows: a typo or a name, equally likely anywhere
_OTHER_SCRIPT_ZIPF = 0.3  # a Cyrillic word inside English, or vice versa
_TRANSLIT_PENALTY = 0.7  # Russian in Latin letters is rarer than plain English or German
_VOCABULARY_ZIPF = 3.5  # a word the caller's vocabulary knows in that language
_NAME_WEIGHT = 0.7  # a capitalised word inside a sentence: maybe a name, weaker evidence


def _de_variants(word: str) -> Iterable[str]:
    yield word
    for digraph, umlaut in (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß")):
        if digraph in word:
            yield word.replace(digraph, umlaut)


def _latin_zipf(word: str, lang: Lang) -> float:
    if lang == "de":
        return max(zipf(v, "de") for v in _de_variants(word))
    return zipf(word, lang)


def guess_language(
    words: list[Word],
    vocabulary: Mapping[Lang, Set[str]] | None = None,
    shared: Set[str] = frozenset(),
) -> LanguageGuess:
    """The language *words* are written in, from general word frequencies.

    A unigram model: each word adds its Zipf frequency in each language (a log-probability);
    *vocabulary* adds words the caller knows per language (a knowledge base's own terms);
    *shared* are names used in several languages ("karlsruhe", "intamt"): they don't vote.
    """
    vocabulary = vocabulary or {}
    scores: dict[Lang, float] = dict.fromkeys(LANGS, 0.0)
    # The same from the words that are not capitalised inside the sentence: the frame
    # ("When was the … in …") that names in another language ("Deutsch-Russische
    # Partnerstädtekonferenz") don't change.
    frame: dict[Lang, float] = dict.fromkeys(LANGS, 0.0)
    translit_votes = 0.0
    for word in words:
        if word.script is Script.NUMBER or word.text in shared:
            continue
        if word.script is Script.LATIN and len(word.text) == 1:
            # "i", "a", "v": English and German words, and Russian ones in Latin letters
            # (и, а, в), all among the commonest of their language: they don't tell.
            continue
        named = word.capitalized and word.position > 0
        weight = _NAME_WEIGHT if named else 1.0
        votes = _votes(word, vocabulary)
        for lang in LANGS:
            scores[lang] += weight * votes[lang]
            if not named:
                frame[lang] += votes[lang]
        if word.script is Script.LATIN:
            translit_votes += weight * (votes["ru"] - max(votes["en"], votes["de"]))
    decided = _decisive(frame) or _decisive(scores)
    if decided is None:
        return LanguageGuess(None, False, scores)
    translit = decided == "ru" and not any(w.script is Script.CYRILLIC for w in words)
    return LanguageGuess(decided, translit and translit_votes > 0, scores)


def _decisive(scores: Mapping[Lang, float]) -> Lang | None:
    """The best-scoring language if it beats the runner-up by the decisive margin."""
    ranked = sorted(LANGS, key=lambda lang: -scores[lang])
    if scores[ranked[0]] - scores[ranked[1]] < DECISIVE_MARGIN:
        return None
    return ranked[0]


def _votes(word: Word, vocabulary: Mapping[Lang, Set[str]]) -> dict[Lang, float]:
    """One word's log-likelihood (in Zipf units) under each language."""
    if word.script is Script.CYRILLIC:
        text = word.text.replace("ё", "е")
        ru = zipf(text, "ru") or zipf(word.text, "ru")
        if not ru:
            ru = _VOCABULARY_ZIPF if text in vocabulary.get("ru", ()) else 2.0
        return {"ru": ru, "en": _OTHER_SCRIPT_ZIPF, "de": _OTHER_SCRIPT_ZIPF}
    latin: dict[Lang, float] = {}
    for lang in LATIN_LANGS:
        value = _latin_zipf(word.text, lang)
        if not value and word.text in vocabulary.get(lang, ()):
            value = _VOCABULARY_ZIPF
        latin[lang] = value or _UNKNOWN_ZIPF
    options = latin_to_cyrillic(word.text) if len(word.text) > 1 else ()
    ru = zipf(options[0], "ru") if options else 0.0
    if not ru and options and options[0] in vocabulary.get("ru", ()):
        ru = _VOCABULARY_ZIPF
    latin["ru"] = max(ru - _TRANSLIT_PENALTY, 1.0) if ru else 1.0
    return latin
