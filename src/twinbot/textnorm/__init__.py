"""Text normalisation: cleaning, tokens, stems, transliteration, language guessing.

Everything the rankers need to turn a chatty, typo-ridden, possibly transliterated message
into comparable match keys lives here, and the same functions analyse the knowledge base's
phrasings so both sides meet in one key space. The private modules, each re-exported here:

- `_tokens`: `clean` / `tokenize` / `text_runs` / `run_words`, `fold`, `phrase_key`.
- `_stems`: `stem`, Snowball stems after folding (`fold_latin`).
- `_morphology`: `russian_word`, pymorphy3 lemmas and parts of speech; `russian_sound_key`.
- `_translit`: `latin_to_cyrillic` ("kogda" → когда), `cyrillic_to_latin` for names.
- `_words`: function words, chat filler, greetings, question concepts ("?when").
- `_pos`: `Pos`, `Odds` and `latin_pos`, part-of-speech odds of English and German words.
- `_language`: `guess_language`, a unigram model over general word frequencies.
- `_analysis`: `analyze_query` and `text_token`, words → `Token`s with match keys.
- `_compounds`: `split_compound`, German compounds into known parts; `analyze_text_word`,
  a knowledge-base word's token and compound parts.

This package knows no knowledge base; callers pass what their vocabulary knows.
"""

from twinbot.textnorm._analysis import (
    REAL_WORD_ZIPF,
    Kind,
    Query,
    Token,
    analyze_query,
    text_token,
)
from twinbot.textnorm._compounds import TextWord, analyze_text_word, split_compound
from twinbot.textnorm._language import (
    DECISIVE_MARGIN,
    LATIN_LANGS,
    LanguageGuess,
    guess_language,
)
from twinbot.textnorm._morphology import russian_sound_key, russian_word
from twinbot.textnorm._pos import NOUN_ODDS, Odds, Pos, latin_pos
from twinbot.textnorm._stems import fold_latin, stem
from twinbot.textnorm._tokens import (
    CHAT_SPELLINGS,
    MAX_MATCH_CHARS,
    Script,
    Word,
    clean,
    fold,
    phrase_key,
    run_words,
    text_runs,
    tokenize,
)
from twinbot.textnorm._translit import cyrillic_to_latin, latin_to_cyrillic
from twinbot.textnorm._words import (
    CONTACT_REQUESTS,
    CONTACT_VERB_CONTEXT,
    FIRST_PERSON,
    FOCUS_WORDS,
    IMPLIED_CONCEPTS,
    QUESTION_CONCEPTS,
    QUESTION_WORDS,
    SHIFT_WORDS,
    SOCIAL_WORDS,
    STOPWORDS,
    VOCATIVES,
    question_concepts,
)

__all__ = [
    "CHAT_SPELLINGS",
    "CONTACT_REQUESTS",
    "CONTACT_VERB_CONTEXT",
    "DECISIVE_MARGIN",
    "FIRST_PERSON",
    "FOCUS_WORDS",
    "IMPLIED_CONCEPTS",
    "LATIN_LANGS",
    "MAX_MATCH_CHARS",
    "NOUN_ODDS",
    "QUESTION_CONCEPTS",
    "QUESTION_WORDS",
    "REAL_WORD_ZIPF",
    "SHIFT_WORDS",
    "SOCIAL_WORDS",
    "STOPWORDS",
    "VOCATIVES",
    "Kind",
    "LanguageGuess",
    "Odds",
    "Pos",
    "Query",
    "Script",
    "TextWord",
    "Token",
    "Word",
    "analyze_query",
    "analyze_text_word",
    "clean",
    "cyrillic_to_latin",
    "fold",
    "fold_latin",
    "guess_language",
    "latin_pos",
    "latin_to_cyrillic",
    "phrase_key",
    "question_concepts",
    "run_words",
    "russian_sound_key",
    "russian_word",
    "split_compound",
    "stem",
    "text_runs",
    "text_token",
    "tokenize",
]
