"""Bare acknowledgements: "ok", "lol", "👍", "ага", "jo" — messages that ask nothing.

People answer a bot the way they answer a friend. Such a message gets a short friendly line
instead of the full "I don't know" and is not logged as an unanswered question. The rule is
general rather than a list of whole messages: a short message (at most `MAX_WORDS` words)
made only of acknowledgement words, laughter and emoji. Words are compared after folding case,
dropping punctuation and squeezing repeated letters ("okkk", "hmmmm", "агааа"), so the lists
below hold each word once. Nothing here knows the knowledge base or Telegram.
"""

from __future__ import annotations

import re
import unicodedata

#: A longer message is a question (or a complaint) even if it starts with "ok".
MAX_WORDS = 4

# Squeezed forms (runs of one letter reduced to one): "okay" stays, "hmm" becomes "hm".
_WORDS = frozenset(
    {
        # English
        "ok", "oka", "okay", "k", "kk", "okie", "oki", "lol", "lmao", "rofl", "hm", "mhm",
        "uh", "um", "ah", "oh", "aha", "yes", "yeah", "yea", "yep", "yup", "ya", "no", "nope",
        "nah", "sure", "fine", "cool", "nice", "great", "good", "right", "alright", "wow",
        "got", "it", "i", "see", "understood", "noted", "perfect", "awesome", "np", "ty",
        "yay", "meh", "welp", "well", "so", "and", "okey", "gotcha", "kay", "thanks",
        "thank", "you", "thx", "danke", "dank", "спасибо", "спс", "спасибки",
        # German
        "ja", "jo", "jep", "jap", "jau", "joa", "nein", "ne", "nö", "gut", "super",
        "klar", "alles", "achso", "ach", "genau", "stimmt", "passt", "paßt", "verstanden",
        "toll", "prima", "na", "schön", "sehr", "doki", "jut", "läuft",
        # Russian (and Russian typed in Latin letters)
        "ок", "окей", "окс", "ага", "угу", "ясно", "понятно", "понял", "поняла",
        "пон", "хорошо", "ладно", "норм", "нормально", "да", "нет", "неа", "круто", "класс",
        "супер", "хм", "ого", "ух", "ты", "ах", "а", "о", "лол", "ясненько", "ну",
        "aga", "ugu", "yasno", "ponyatno", "ponial", "norm", "horosho", "ladno", "da", "net",
    }
)  # fmt: skip
# Laughter in any spelling: "haha", "hihi", "ахаха", "хах", "xD", "ыыы".
_LAUGHTER = re.compile(r"^(?:[aа]?(?:ha|he|hi|ja|je|ха|хе|хи){2,}[hх]?|хах|ahah|[хx][дd]|ы)$")
_SPLIT = re.compile(r"[^\w]+")
# Characters that belong to an emoji sequence without being letters or digits.
_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def is_acknowledgement(text: str) -> bool:
    """True when *text* says only "ok", laughs, or sends emoji."""
    folded = text.casefold().replace("ё", "е")
    words: list[str] = []
    symbols = False
    for chunk in folded.split():
        letters = "".join(c for c in chunk if c.isalnum())
        rest = [c for c in chunk if not c.isalnum()]
        if any(_is_emoji(c) for c in rest):
            symbols = True
        words += [w for w in _SPLIT.split(letters) if w]
    if not words:
        return symbols  # "👍", "🙂🙂"; "?" or "..." alone ask something (or nothing)
    if len(words) > MAX_WORDS:
        return False
    return all(_is_ack_word(word) for word in words)


def _is_ack_word(word: str) -> bool:
    squeezed = re.sub(r"(.)\1+", r"\1", word)
    return word in _WORDS or squeezed in _WORDS or bool(_LAUGHTER.match(squeezed))


def _is_emoji(char: str) -> bool:
    if char in _JOINERS:
        return False
    category = unicodedata.category(char)
    # So: pictographs (👍 🙂 ❤); Sk: skin-tone modifiers.
    return category in {"So", "Sk"}
