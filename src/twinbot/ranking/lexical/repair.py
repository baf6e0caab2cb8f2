"""A question's words read against the index: each token's known terms, and repairs for
the words the index doesn't know — a German compound split into known parts, a typo (1–2
edits) corrected against the vocabulary's surfaces unless the word is itself a real word
("mayor" is no typo of "major"), Russian spelt by ear met by its sound, a Cyrillic name
read in Latin letters and a Latin one in Cyrillic ("Moskva"), an inflected form met by a
long common prefix; a clipped Russian slang word ("конфа") also stands for the words it
begins, a Russian word for the known ones derived from its base ("партнёрские" for
"партнёры"), and an English loanword in Cyrillic letters ("ивенте") for the English word.
A shift word ("other", "weitere") is never a known term. Every word gets its weight: IDF
for known words; for unknown ones, by part of speech (an unknown noun is usually what the
question is about, an unknown verb mostly frames it).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz.distance import OSA

from twinbot.knowledge import Lang
from twinbot.lexicon import zipf
from twinbot.ranking.lexical.index import (
    COMPOUND_PART_CREDIT,
    LANG_BITS,
    MAX_TYPO_LENGTH,
    MIN_SOUND_LENGTH,
    LexicalIndex,
    surface_key,
)
from twinbot.textnorm import (
    FIRST_PERSON,
    Kind,
    Odds,
    Pos,
    Query,
    Script,
    Token,
    clean,
    cyrillic_to_latin,
    russian_sound_key,
    split_compound,
    stem,
)

#: Where a sentence ends: at ! ? ; : … or a line break, and at a full stop — except one
#: after a digit or a lone letter, which ends an ordinal or an abbreviation ("die 14.
#: Konferenz", "am 27. Juni", "z.B."), not the sentence.
_SENTENCE_END = re.compile(r"[!?;:\n…]+[.!?;:\n…]*|(?<![0-9])(?<!\b\w)\.[.!?;:\n…]*")


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of a question as the ranker reads it."""

    surface: str
    weight: float
    #: term id → credit (1.0 exact; less for repaired keys); empty: the index doesn't know it
    terms: dict[int, float]
    kind: Kind
    #: False for a word in a sentence around the question ("I teach social studies.") when
    #: the message has a question mark elsewhere.
    in_question: bool = True
    #: A word asking for something to do or an outcome ("apply", "results", "decide"):
    #: what the question is about, known or not (`FOCUS_WORDS`).
    focus: bool = False


# Credits: how much a repaired match is worth compared with an exact one.
_FUZZY_CREDIT = {1: 0.85, 2: 0.7}
_PREFIX_CREDIT = 0.75
#: A slip of a real word (a doubled letter, two swapped ones) is its correction when it is
#: this much more common (in Zipf units: ten times as frequent).
_COMMONER_ZIPF = 1.0
_MIN_PREFIX = 6
#: The shortest Latin reading of a Cyrillic word taken for an English loanword.
_MIN_LOANWORD = 5
#: Question concepts (?when, ?who…) always carry at least this weight.
QUESTION_WEIGHT_FLOOR = 0.9
#: Weight of a word the knowledge base has never seen, by part of speech (known words
#: weigh their IDF, at most 1.0).
_UNKNOWN_WEIGHT = {Pos.NOUN: 1.5, Pos.ADJ: 0.6, Pos.VERB: 0.3, Pos.OTHER: 0.2}


def _unknown_weight(odds: Odds) -> float:
    """The weight of a word the knowledge base has never seen, over its part of speech."""
    return (
        odds.noun * _UNKNOWN_WEIGHT[Pos.NOUN]
        + odds.adj * _UNKNOWN_WEIGHT[Pos.ADJ]
        + odds.verb * _UNKNOWN_WEIGHT[Pos.VERB]
        + odds.other * _UNKNOWN_WEIGHT[Pos.OTHER]
    )


#: A word moving the question to another time ("the *next* conference") weighs this much:
#: the knowledge base describes one past event.
_SHIFT_WEIGHT = 2.5


#: Words asking "which one?" of the noun after them ("what slogan", "welches Jubiläum",
#: "какой девиз"): that noun is what the answer is.
WH_DETERMINERS = frozenset(
    """
    what which whose welche welcher welches welchen welchem wessen wievielte wievielter
    wievielten wievieltes wievieltem какой какая какое какие
    каких каким какими каком какую чей чья чьё чье чьи
    """.split()
)
#: How much more a known noun a "which" asks for weighs than its IDF. (1.5 and 2.0 were
#: tried: the same on tests/data/eval/holdout.yaml, tune.yaml and blind/, 2.0 one question
#: better on ../shared/eval/dev2.yaml.)
ASKED_FOR_WEIGHT = 2.0


def resolve_words(index: LexicalIndex, query: Query) -> list[QueryWord]:
    """Turn analysed tokens into weighted term sets, repairing unknown words."""
    resolved: list[QueryWord] = []
    # The unknown shift words' positions, and the weight each has as an ordinary word.
    shifted: dict[int, float] = {}
    asked_token = _asked_for(query.tokens)
    asked_for: int | None = None  # its position among the resolved words
    for at, token in enumerate(query.tokens):
        if token is asked_token:
            asked_for = len(resolved)
        if token.kind is Kind.STOP:
            continue
        if token.shift:
            # Another time or thing ("next", "weitere"): it moves the question away from
            # what the texts describe, so it is never a known term, whatever text happens
            # to share its stem ("Frag ruhig *weiter*").
            ordinary = _unknown_weight(token.pos)
            following = query.tokens[at + 1] if at + 1 < len(query.tokens) else None
            if following is not None and following.kind is Kind.STOP:
                # "in which *other areas*": other of a noun that only frames the
                # question, no other thing than the one asked about
                weight = ordinary
            else:
                weight = _SHIFT_WEIGHT
                shifted[len(resolved)] = ordinary
            resolved.append(QueryWord(token.surface, weight, {}, token.kind, focus=token.focus))
            continue
        terms = {index.terms[k]: 1.0 for k in token.keys if k in index.terms}
        cyrillic_nonword = (
            token.script is Script.CYRILLIC and token.kind is Kind.CONTENT and not token.real_word
        )
        if cyrillic_nonword:
            # A name in Cyrillic letters ("интамт") may be known in Latin ones.
            latin = cyrillic_to_latin(token.surface)
            for key in (stem(latin, "en"), stem(latin, "de")):
                if key in index.terms:
                    terms.setdefault(index.terms[key], 1.0)
        if token.kind is Kind.QUESTION:
            weight = max((index.idf[t] for t in terms), default=1.0)
            weight = max(weight, QUESTION_WEIGHT_FLOOR)
            resolved.append(QueryWord(token.surface, weight, terms, token.kind))
            continue
        if not terms and token.kind is Kind.CONTENT:
            parts = _compound_parts(index, token)
            if parts:
                resolved.extend(parts)
                continue
            terms = _repair(index, token, query.lang)
        if terms:
            # Readings of one word (its English and German stems, its Cyrillic and
            # Latin spellings) are one word: the most widely used decides its weight.
            weight = min(index.idf[t] for t in terms)
        elif token.kind is Kind.NUMBER:
            # Another number ("the 12th"): not what we know.
            weight = _SHIFT_WEIGHT
        elif token.focus or token.kind is not Kind.CONTENT:
            weight = _UNKNOWN_WEIGHT[Pos.NOUN]
        else:
            weight = _unknown_weight(token.pos)
        if (
            terms
            and query.lang in ("de", None)
            and token.script is Script.LATIN
            and len(token.surface) >= 8
            and token.surface not in index.english_words
        ):
            # A known German compound also stands for its parts: "Partnerstädte" meets
            # the "Städtepartnerkonferenz" of another entry through "Partner" and "Stadt".
            for part in split_compound(token.surface, index.terms.__contains__, min_part=4):
                for key in (stem(part, "de"), stem(part, "en")):
                    if key in index.terms:
                        terms.setdefault(index.terms[key], COMPOUND_PART_CREDIT)
        if cyrillic_nonword:
            for term in _unclipped(index, token):
                terms.setdefault(term, _PREFIX_CREDIT)
        if token.script is Script.CYRILLIC and token.kind is Kind.CONTENT:
            for term in _derived_relatives(index, token):
                terms.setdefault(term, _RELATIVE_CREDIT)
        resolved.append(QueryWord(token.surface, weight, terms, token.kind, focus=token.focus))
    if asked_for is not None and resolved[asked_for].terms:
        # "*What slogan* did the partner cities conference take place under?": the thing
        # asked for outweighs the words around it.
        word = resolved[asked_for]
        resolved[asked_for] = replace(word, weight=word.weight * ASKED_FOR_WEIGHT)
    resolved = _shifts_of_known_things(resolved, shifted)
    if any(t.kind is not Kind.SOCIAL for t in resolved):
        # "hey so when was…": a greeting inside a question is filler.
        resolved = [t for t in resolved if t.kind is not Kind.SOCIAL]
    return resolved


def _asked_for(tokens: Sequence[Token]) -> Token | None:
    """The content word right after the question's first "which" ("what *slogan*…"), if
    that is what follows it ("what *did*…" asks no noun)."""
    for at, token in enumerate(tokens[:-1]):
        if token.kind is Kind.STOP and token.surface in WH_DETERMINERS:
            following = tokens[at + 1]
            return following if following.kind is Kind.CONTENT else None
    return None


def _shifts_of_known_things(words: list[QueryWord], shifted: dict[int, float]) -> list[QueryWord]:
    """A shift word moves the question away from what the knowledge base knows only when
    it qualifies something the knowledge base knows ("the *next* conference", "*andere*
    Workshops"); before a word it doesn't know ("in *other* ways") it is part of that
    unknown phrase and weighs as an ordinary word (*shifted*: position → that weight)."""
    if not shifted:
        return words
    result = list(words)
    for at, ordinary in shifted.items():
        following = next(
            (w for w in words[at + 1 :] if w.kind is Kind.CONTENT or w.kind is Kind.NUMBER),
            None,
        )
        if following is not None and not following.terms:
            result[at] = replace(words[at], weight=ordinary)
    return result


def _compound_parts(index: LexicalIndex, token: Token) -> list[QueryWord]:
    # A real word is not split ("Teilnahme" is not "Teil" + "nahme").
    if token.script is not Script.LATIN or len(token.surface) < 8 or token.real_word:
        return []
    result = []
    for part in split_compound(token.surface, index.terms.__contains__):
        terms = {
            index.terms[k]: COMPOUND_PART_CREDIT
            for k in (stem(part, "de"), stem(part, "en"))
            if k in index.terms
        }
        if terms:
            weight = max(index.idf[t] for t in terms)
            result.append(QueryWord(part, weight, terms, Kind.CONTENT))
    return result


def _repair(index: LexicalIndex, token: Token, lang: Lang | None) -> dict[int, float]:
    """Terms an unknown word probably means: a typo's correction, its Russian reading,
    or a longer or shorter form of the same stem.

    A typo in an English or German question is corrected only to a word the texts in that
    language use: "Schengen" in an English question is no misspelt German "schonen".
    """
    same = LANG_BITS[lang] if lang in ("en", "de") and token.script is Script.LATIN else 0
    superlative = _intensified_superlative(index, token)
    if superlative:
        return superlative
    if not token.real_word:
        found = _fuzzy(index, surface_key(token), same)
        if not found and token.keys and len(token.keys[0]) >= 5:
            found = _fuzzy(index, token.keys[0], same)
        if not found and token.script is Script.CYRILLIC:
            found = _sounds_like(index, surface_key(token)) or _loanword(index, token)
        if found:
            return found
    elif token.script is Script.LATIN:
        found = _slip_of_common_word(index, surface_key(token), same)
        if found:
            return found
    found = {index.terms[k]: 1.0 for k in token.fallback_keys if k in index.terms}
    return found or _prefix(index, token)


def _intensified_superlative(index: LexicalIndex, token: Token) -> dict[int, float]:
    """A German superlative with "aller-" ("allererste", "allerletzten") is that
    superlative: the prefix only intensifies it."""
    surface = surface_key(token)
    if token.script is not Script.LATIN or not surface.startswith("aller") or len(surface) < 9:
        return {}
    key = stem(surface[5:], "de")
    return {index.terms[key]: 1.0} if key in index.terms else {}


def _slip_of_common_word(index: LexicalIndex, surface: str, lang_bit: int) -> dict[int, float]:
    """A real but rare word one doubled or undoubled letter, or two swapped neighbours,
    away from a known, much more common one: the commonest slips in English and German
    ("moto", a rare real word, for "motto"; the German "Frist" for "first"). Other edits
    of a real word stay unrepaired ("mayor" is no typo of "major")."""
    if not 4 <= len(surface) <= MAX_TYPO_LENGTH:
        return {}
    own = max(zipf(surface, "en"), zipf(surface, "de"))
    doubled = {surface[: i + 1] + surface[i:] for i in range(len(surface))}
    single = {
        surface[:i] + surface[i + 1 :]
        for i in range(1, len(surface))
        if surface[i] == surface[i - 1]
    }
    swapped = {
        surface[:i] + surface[i + 1] + surface[i] + surface[i + 2 :]
        for i in range(len(surface) - 1)
        if surface[i] != surface[i + 1]
    }
    found: dict[int, float] = {}
    for known in sorted(doubled | single | swapped):
        if known not in index.surfaces or not _used_in(index, known, lang_bit):
            continue
        if max(zipf(known, "en"), zipf(known, "de")) < own + _COMMONER_ZIPF:
            continue
        found.update({term: _FUZZY_CREDIT[1] for term in index.surfaces[known]})
    return found


def _sounds_like(index: LexicalIndex, surface: str) -> dict[int, float]:
    """Known Russian words this one sounds like: spelt by ear, several letters off
    ("канфиренция" for конференция, "гаротов" for городов), which edits don't reach."""
    if len(surface) < MIN_SOUND_LENGTH:
        return {}
    known = index.sounds.get(russian_sound_key(surface), ())
    return {term: _FUZZY_CREDIT[1] for word in known for term in index.surfaces[word]}


def _used_in(index: LexicalIndex, known: str, lang_bit: int) -> bool:
    """Whether the texts of the language *lang_bit* stands for (0: any) use *known*; a
    surface with no recorded language counts as every language's."""
    return not lang_bit or bool(index.surface_langs.get(known, lang_bit) & lang_bit)


def _fuzzy(index: LexicalIndex, surface: str, lang_bit: int = 0) -> dict[int, float]:
    """Known words within one edit (two for long words), by symmetric deletion; with a
    *lang_bit*, only those the texts of that language use (or every language's).

    Words longer than any real word are no typos of one: deletions grow with the
    square of the length, so such "words" are not probed at all.
    """
    if not 4 <= len(surface) <= MAX_TYPO_LENGTH:
        return {}
    limit = 1 if len(surface) < 8 else 2
    best_distance = limit + 1
    best: set[str] = set()
    for known in index.typos.near(surface, limit):
        if not _used_in(index, known, lang_bit):
            continue
        distance = OSA.distance(surface, known, score_cutoff=limit)
        if distance > limit or distance == 0:
            continue
        if distance < best_distance:
            best_distance, best = distance, {known}
        elif distance == best_distance:
            best.add(known)
    credit = _FUZZY_CREDIT.get(best_distance, 0.0)
    return {term: credit for known in sorted(best) for term in index.surfaces[known]}


def _loanword(index: LexicalIndex, token: Token) -> dict[int, float]:
    """An English word written in Cyrillic letters and declined as Russian ("на ивенте",
    "воркшопы"): its stem in Latin letters, one edit from a word of the English texts."""
    latin = cyrillic_to_latin(token.keys[0]) if token.keys else ""
    if len(latin) < _MIN_LOANWORD:
        return {}
    return _fuzzy(index, latin, LANG_BITS["en"])


def _prefix(index: LexicalIndex, token: Token) -> dict[int, float]:
    """Terms sharing a long prefix with one of the token's stems ("koordin…")."""
    terms: dict[int, float] = {}
    for key in token.keys[:2]:
        if len(key) < _MIN_PREFIX or key.startswith("?"):
            continue
        for size in range(len(key), _MIN_PREFIX - 1, -1):
            prefix = key[:size]
            start = bisect.bisect_left(index.sorted_terms, prefix)
            for known in index.sorted_terms[start : start + 20]:
                if not known.startswith(prefix):
                    break
                if size >= 0.75 * min(len(known), len(key)):
                    terms.setdefault(index.terms[known], _PREFIX_CREDIT)
            if terms:
                return terms
    return terms


#: A clipped Russian word ("конфа") keeps this many letters of the word's stem at least,
#: and stands for at most this many known stems it begins.
_MIN_CLIPPED = 4
_MAX_UNCLIPPED = 3


def _unclipped(index: LexicalIndex, token: Token) -> list[int]:
    """The known Russian stems a clipped slang word is the beginning of ("конфа", "конфы":
    конф- for конференция): a word no dictionary has, whose stem begins a few known ones
    at least three letters longer. A stem beginning more of them is no clipping of one."""
    if not token.keys or not _MIN_CLIPPED <= len(token.keys[0]) <= 7:
        return []
    clipped = token.keys[0]
    terms = index.sorted_terms
    longer: list[int] = []
    for at in range(bisect.bisect_left(terms, clipped), len(terms)):
        known = terms[at]
        if not known.startswith(clipped):
            break
        if len(known) >= len(clipped) + 3:
            longer.append(index.terms[known])
            if len(longer) > _MAX_UNCLIPPED:
                return []
    return longer


#: Russian suffixes deriving one word from another, as they end a stem: the adjective of a
#: noun (партнёр → партнёрский, молодёжь → молодёжный), the abstract noun (партнёрство).
_DERIVING_SUFFIXES = ("ств", "ск", "н")
#: The shortest stem a suffix is taken from ("стран" is no стра- + -н).
_MIN_DERIVED_BASE = 5
#: A word's derived relative explains it this much of what the word itself would.
_RELATIVE_CREDIT = 0.8


def _derived_relatives(index: LexicalIndex, token: Token) -> list[int]:
    """The known stems a Russian word shares its base with through a deriving suffix:
    "партнёрскими отношениями" asks about партнёры and партнёрство, "городских" about
    города. Only stems the knowledge base has, never the word's own."""
    if not token.keys:
        return []
    key = token.keys[0]
    bases = {key}
    for suffix in _DERIVING_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= _MIN_DERIVED_BASE:
            bases.add(key[: -len(suffix)])
    relatives = {base + suffix for base in bases for suffix in _DERIVING_SUFFIXES} | bases
    relatives.discard(key)
    return [index.terms[r] for r in sorted(relatives) if r in index.terms]


#: What a word outside the question's own sentences weighs, relative to its weight there.
CONTEXT_WEIGHT = 0.25


def mark_context(text: str, words: list[QueryWord]) -> list[QueryWord]:
    """Mark the words of the sentences around the question that tell about the asker, not
    about what they ask ("I teach social studies. Who led…?", "Сын едет по обмену.
    Сколько…?", "…? Meine Oma kommt aus Калуга."): they weigh less (`CONTEXT_WEIGHT`), as
    what the message asks is in the question. What follows the question is such a remark;
    a sentence leading up to it is when it speaks in the first person or is mostly words the
    knowledge base doesn't know. One leading up to it about the knowledge base's own things
    ("In einem der Workshops ging es um Wirtschaft. Wie lautete das Thema?") is part of
    the question."""
    folded = clean(text).casefold()
    sentences = _sentences(folded)
    if not any(asks for *_, asks in sentences) or all(asks for *_, asks in sentences):
        return words
    sentence_of: list[int] = []
    position = 0
    for word in words:
        at = folded.find(word.surface, position)
        if at < 0:
            at = position
        else:
            position = at
        sentence_of.append(
            next((n for n, (start, end, _) in enumerate(sentences) if start <= at < end), 0)
        )
    first_question = next(n for n, (*_, asks) in enumerate(sentences) if asks)
    context = {
        n
        for n, (*_, asks) in enumerate(sentences)
        if not asks
        and (
            n > first_question
            or _about_the_asker(
                sentences[n], folded, [w for w, s in zip(words, sentence_of, strict=True) if s == n]
            )
        )
    }
    if not context:
        return words
    return [
        replace(word, in_question=False, weight=word.weight * CONTEXT_WEIGHT)
        if sentence in context
        else word
        for word, sentence in zip(words, sentence_of, strict=True)
    ]


def _about_the_asker(
    sentence: tuple[int, int, bool], text: str, words: Sequence[QueryWord]
) -> bool:
    start, end, _ = sentence
    if not FIRST_PERSON.isdisjoint(_WORD.findall(text[start:end])):
        return True
    total = sum(word.weight for word in words)
    unknown = sum(word.weight for word in words if not word.terms)
    return total > 0 and unknown >= _UNKNOWN_CONTEXT * total


#: A sentence around the question this much of whose weight is unknown words is about the
#: asker's own affairs.
_UNKNOWN_CONTEXT = 0.5
_WORD = re.compile(r"[\w']+")


def _sentences(text: str) -> list[tuple[int, int, bool]]:
    """Each sentence of *text* as (start, end, whether it asks: has a question mark)."""
    sentences = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        sentences.append((start, end.end(), "?" in text[start : end.end()]))
        start = end.end()
    if text[start:].strip():
        sentences.append((start, len(text), "?" in text[start:]))
    return sentences
