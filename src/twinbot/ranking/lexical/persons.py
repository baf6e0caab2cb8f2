"""People: whether a question asks for a person, and whether an entry's answer names one.

"Wie heißt der Gründer der INTAMT-Akademie?", "Как зовут представителей INTAMT?", "Which
person moderated the workshop?" ask for someone's name. An entry about INTAMT's founding, or
about its representatives at the conference, explains every other word of such a question, but
its answer names nobody: it tells the asker nothing they asked. As with a "which city" question
(`places`), an entry whose answer names no person is scored as if it missed the question word.

A question asks for a person when

* a name word is bound to a person noun: "the *names* of the INTAMT *people*", "wie *heißt*
  der *Gründer*", "*имена* участников"; the Russian "как *зовут*" asks a person's name alone;
* a "who" or "which" is bound to a role only a person holds: "*who* is the *mayor*",
  "*wer* war der *Redner*", "*welche Person*", "*кто* руководитель". Groups some entries
  describe (participants, representatives, people, coordinators) ask for a person only with a
  name word: "Who were the participants?" is answered by who took part.

An answer names a person when it has a title before a capitalised word ("Dr. Meier") or two
capitalised words side by side, neither opening a sentence, an acronym or a hyphenated name, one
of them neither a common word of the answer's language nor a city ("Anna Beispielfrau", "Фонд
Эберхарда Шёка"): "Partner Cities Conference" and "Local Governance" are common words, "Kaluga
Suhl" two cities.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence

from twinbot.knowledge import Lang
from twinbot.lexicon import city_table, zipf
from twinbot.ranking.lexical.repair import QUESTION_WEIGHT_FLOOR, WH_DETERMINERS, QueryWord
from twinbot.textnorm import Token, russian_word

_CYRILLIC = re.compile(r"[а-яё]")
_TAG = re.compile(r"<[^>]+>")

#: Words that ask for a name ("names", "heißt", "имена"); Russian ones by lemma.
NAME_WORDS = frozenset(
    "name names namen heißt heisst heißen heissen hieß hiess hießen hiessen".split()
)
NAME_LEMMAS = frozenset({"имя", "фамилия"})
#: "как зовут": a Russian verb that asks a person's (or a pet's) name by itself.
PERSON_NAME_LEMMAS = frozenset({"звать"})

#: Roles only a person holds: asked for with "who" or "which" alone.
ROLE_NOUNS = frozenset(
    """
    person founder founders director directors mayor mayors speaker speakers moderator
    moderators presenter presenters chairman chairwoman chairperson president head leader
    gründer gründerin gründers leiter leiterin leiters direktor direktorin direktors
    bürgermeister bürgermeisterin oberbürgermeister oberbürgermeisterin redner rednerin
    referent referentin referenten moderatorin moderatoren vorsitzende vorsitzender
    vorsitzenden präsident präsidentin präsidenten
    """.split()
)
ROLE_LEMMAS = frozenset(
    """
    основатель руководитель директор мэр докладчик спикер модератор председатель президент
    оратор ректор
    """.split()
)
#: People and groups: asked for a person only when a name word is bound to them.
PEOPLE_NOUNS = ROLE_NOUNS | frozenset(
    """
    people persons representative representatives participant participants member members
    personen leute vertreter vertreterin vertretern teilnehmer teilnehmerin teilnehmern
    mitglied mitglieder mitgliedern
    """.split()
)
PEOPLE_LEMMAS = ROLE_LEMMAS | frozenset({"человек", "люди", "представитель", "участник", "член"})

#: Words that ask who.
_WHO = frozenset("who whom wer wen wem кто кого кем кому".split())
#: Tokens between a "who" or "which" and its noun ("who *was the* mayor"), and between a
#: name word and its noun ("the names *of the INTAMT* people").
_BETWEEN = 3
_NAME_BETWEEN = 4

#: Titles before a person's name.
_TITLES = frozenset(
    "dr prof herr frau mr mrs ms господин госпожа г-н г-жа профессор доктор".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:[-.][^\W\d_]+)*\.?")
#: What ends a sentence: the next word's capital is the sentence's.
_SENTENCE_END = re.compile(r"[.!?:;…«»“”„\"(\[–—-]\s*$")
#: How common (Zipf) a word may be and still be part of a name: "Frank Mentrup" has one
#: rare word, "Partner Cities" none.
_COMMON = 3.0


def _lemma(word: str) -> str:
    folded = word.casefold().replace("ё", "е")
    return russian_word(folded)[0] if _CYRILLIC.match(folded) else folded


def _is(word: str, words: frozenset[str], lemmas: frozenset[str]) -> bool:
    return _lemma(word) in lemmas if _CYRILLIC.match(word) else word in words


def asked_person(tokens: Sequence[Token]) -> str | None:
    """The word the question asks a person with ("Gründer", "зовут"), if it asks one."""
    surfaces = [token.surface for token in tokens]
    for at, word in enumerate(surfaces):
        following = surfaces[at + 1 : at + 1 + _BETWEEN]
        if _is(word, frozenset(), PERSON_NAME_LEMMAS):
            return word
        if _is(word, NAME_WORDS, NAME_LEMMAS):
            for noun in surfaces[at + 1 : at + 2 + _NAME_BETWEEN]:
                if _is(noun, PEOPLE_NOUNS, PEOPLE_LEMMAS):
                    return noun
        if word in _WHO or word in WH_DETERMINERS:
            for noun in following:
                if _is(noun, ROLE_NOUNS, ROLE_LEMMAS):
                    return noun
    return None


def asked_for_person(tokens: Sequence[Token], words: Sequence[QueryWord]) -> float | None:
    """What missing the person the question asks for weighs (a question word's weight at
    least), or None when it asks for none."""
    noun = asked_person(tokens)
    if noun is None:
        return None
    weight = max((word.weight for word in words if word.surface == noun), default=0.0)
    return max(weight, QUESTION_WEIGHT_FLOOR)


def names_person(text: str, lang: Lang) -> bool:
    """Whether an answer (as written, tags and all) names a person."""
    cities = city_table()
    text = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    found = list(_WORD.finditer(text))

    def part_of_name(word: str) -> bool:
        return word[:1].isupper() and not word.isupper() and "-" not in word

    def rare(word: str) -> bool:
        folded = word.casefold()
        return zipf(folded, lang) < _COMMON and folded.replace("ё", "е") not in cities

    for first, second in itertools.pairwise(found):
        a, b = first.group(), second.group()
        if text[first.end() : second.start()].strip():
            continue
        if a.rstrip(".").casefold() in _TITLES and part_of_name(b):
            return True
        if a.endswith(".") or not (part_of_name(a) and part_of_name(b)):
            continue
        if first.start() == 0 or _SENTENCE_END.search(text[: first.start()]):
            continue
        if rare(a) or rare(b.rstrip(".")):
            return True
    return False
