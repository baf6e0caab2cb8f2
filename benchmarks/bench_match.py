#!/usr/bin/env python3
"""Speed and scale of the matcher (issue 3): synthetic knowledge bases of growing size.

For each size (default 100, 1,000, 10,000 and 50,000 entries) this builds a synthetic
knowledge base from the real one (knowledge/*.yaml) and reports, side by side in the same
process:

* twinbot's `Matcher`: index build time, RSS delta of the build, per-query p50/p99/mean
  over a fixed query mix (full questions, keywords, typos, Russian typed in Latin letters,
  out-of-domain questions), and the growth of the per-query cost against the smallest size;
* a naive baseline: `rapidfuzz.process.extractOne(query, all_phrasings, scorer=WRatio)` over
  the list of every phrasing (build = making that list; no language handling at all).

It also checks that the real knowledge base's answers on the dev set are identical before
and after the big indexes were built (determinism, "accuracy unchanged"), measures the
whole-process start-up of `twinbot ask "…"` next to `python -c pass`, prints Markdown tables
with the issue's targets (PASS/MISS) and writes every figure to
benchmarks/results/bench_match-<YYYY-MM-DD>.json.

Usage:
    python benchmarks/bench_match.py                   # full run (several minutes)
    python benchmarks/bench_match.py --quick           # 100 and 1,000 entries, fewer queries
    python benchmarks/bench_match.py --sizes 100,1000 --queries 100
    python benchmarks/bench_match.py --profile 10000   # also cProfile the queries at 10,000

Timings are wall-clock on whatever machine runs it; compare ratios within one run (the
matcher against the baseline, a size against the smallest), not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import ctypes.util
import datetime as dt
import gc
import hashlib
import html
import io
import json
import math
import os
import pickle
import platform
import pstats
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from rapidfuzz import fuzz, process

from twinbot import textnorm
from twinbot.assembly import build_responder
from twinbot.calibration import Match, Outcome
from twinbot.i18n import Catalogs
from twinbot.knowledge import LANGS, Entry, KnowledgeBase, Lang, Topic
from twinbot.responder import Responder
from twinbot.validate import load_valid_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge"
RESULTS_DIR = ROOT / "benchmarks" / "results"
#: The shared dev set when it is beside the repository, else the tests' copy of it.
DEV_SETS = (
    ROOT.parent / "shared" / "eval" / "dev.yaml",
    ROOT / "tests" / "data" / "eval" / "dev.yaml",
)

DEFAULT_SIZES = (100, 1_000, 10_000, 50_000)
DEFAULT_QUERIES = 200
SEED = 20150627  # the Karlsruhe conference; any fixed number would do

# The targets (2-core machine).
TARGET_SIZE = 10_000
TARGET_P99_MS = 2.0
TARGET_BUILD_S = 5.0
#: "Clearly sublinear": per-query cost grows at most like the square root of the size
#: (100× the entries, at most 10× the time), judged on the mean over the query mix.
TARGET_GROWTH_EXPONENT = 0.5
TARGET_STARTUP_S = 0.5

#: Share of each kind of query in the fixed mix.
QUERY_MIX: tuple[tuple[str, float], ...] = (
    ("full", 0.30),
    ("keyword", 0.15),
    ("typo", 0.25),
    ("translit", 0.15),
    ("ood", 0.15),
)

#: Off-topic questions (a fixed list), including near-misses that name a known city.
OOD_QUESTIONS: tuple[tuple[Lang, str], ...] = (
    ("en", "What's the weather like tomorrow?"),
    ("de", "Wie wird das Wetter morgen?"),
    ("ru", "Какая завтра погода?"),
    ("en", "How many people live in Kaluga?"),
    ("de", "Wie viele Einwohner hat Kaluga?"),
    ("ru", "Сколько людей живёт в Калуге?"),
    ("en", "Who is the mayor of Karlsruhe?"),
    ("de", "Wer ist der Bürgermeister von Karlsruhe?"),
    ("ru", "Кто мэр Карлсруэ?"),
    ("en", "Can you recommend a good pizza place?"),
    ("de", "Wo kann man hier gut Pizza essen?"),
    ("ru", "Где поесть хорошую пиццу?"),
    ("en", "What is the capital of Australia?"),
    ("de", "Was ist die Hauptstadt von Australien?"),
    ("ru", "Какая столица Австралии?"),
    ("en", "how do i reset my password"),
    ("de", "wie setze ich mein passwort zurück"),
    ("ru", "как сбросить пароль"),
    ("en", "who won the football match yesterday"),
    ("de", "wer hat gestern das Fußballspiel gewonnen"),
    ("ru", "кто вчера выиграл футбольный матч"),
    ("en", "tell me a joke"),
    ("de", "erzähl mir einen Witz"),
    ("ru", "расскажи анекдот"),
)

#: Informal Russian-in-Latin spelling, as users type it ("konferentsiya").
_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
#: Latin pseudo-names read in Cyrillic, longest spellings first.
_NAME_TO_CYRILLIC: tuple[tuple[str, str], ...] = (
    ("sch", "ш"), ("sh", "ш"), ("ch", "х"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"),
    ("ya", "я"), ("yu", "ю"), ("ei", "ай"), ("au", "ау"), ("ie", "и"), ("oo", "у"),
    ("ou", "у"), ("ee", "и"), ("ck", "к"), ("ss", "сс"), ("a", "а"), ("b", "б"), ("c", "к"),
    ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"), ("j", "й"),
    ("k", "к"), ("l", "ль"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"),
    ("y", "ы"), ("z", "ц"),
)  # fmt: skip

T = TypeVar("T")

_WORD = re.compile(r"[^\W\d_]+")
_TAG = re.compile(r"<[^>]+>")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


# ============================================================================ vocabulary


def _protected_words() -> frozenset[str]:
    """Words a synthetic entry keeps: function words and question words frame a question."""
    words: set[str] = set()
    for table in getattr(textnorm, "STOPWORDS", {}).values():
        words.update(table)
    for group in getattr(textnorm, "QUESTION_CONCEPTS", {}).values():
        words.update(group)
    for table in getattr(textnorm, "IMPLIED_CONCEPTS", {}).values():
        words.update(table)
    words.update(getattr(textnorm, "SOCIAL_WORDS", ()))
    words.update(getattr(textnorm, "SHIFT_WORDS", ()))
    return frozenset(w.replace("ё", "е") for w in words)


_PROTECTED = _protected_words()


def _is_content(word: str) -> bool:
    key = word.casefold().replace("ё", "е")
    return len(key) >= 4 and key not in _PROTECTED


def _texts(entry: Entry, lang: Lang) -> tuple[str, ...]:
    return entry.questions.get(lang, ()) + entry.keywords.get(lang, ())


def real_vocabulary(knowledge: KnowledgeBase) -> dict[Lang, list[str]]:
    """Content words of each language's phrasings and keywords, by frequency (then a-z)."""
    counts: dict[Lang, dict[str, int]] = {lang: {} for lang in LANGS}
    for entry in knowledge:
        for lang in LANGS:
            for text in _texts(entry, lang):
                for word in _WORD.findall(text):
                    if _is_content(word):
                        form = word if lang == "de" else word.lower()
                        counts[lang][form] = counts[lang].get(form, 0) + 1
    return {lang: _by_frequency(table) for lang, table in counts.items()}


def _by_frequency(counts: dict[str, int]) -> list[str]:
    return sorted(counts, key=lambda word: (-counts[word], word))


def name_words(knowledge: KnowledgeBase) -> dict[Lang, frozenset[str]]:
    """Words used as names (capitalised inside English/Russian sentences): "Karlsruhe"."""
    found: dict[Lang, set[str]] = {lang: set() for lang in LANGS}
    for entry in knowledge:
        for lang in ("en", "ru"):
            for text in _texts(entry, lang):
                words = _WORD.findall(text)
                for word in words[1:]:
                    if word[0].isupper() and len(word) >= 3:
                        found[lang].add(word.casefold())
    # German capitalises every noun: a German word is a name when English uses it as one.
    for entry in knowledge:
        for text in _texts(entry, "de"):
            for word in _WORD.findall(text):
                if word.casefold() in found["en"]:
                    found["de"].add(word.casefold())
    return {lang: frozenset(words) for lang, words in found.items()}


class _Syllables:
    """Pronounceable pseudo-words in one language's letters."""

    def __init__(
        self, onsets: str, vowels: str, codas: str, suffixes: str, *, capital: float = 0.0
    ) -> None:
        self.onsets = onsets.split()
        self.vowels = vowels.split()
        self.codas = codas.split()
        self.suffixes = suffixes.split()
        self.capital = capital

    def word(self, rng: _Rng) -> str:
        syllables = rng.choice((1, 2, 2, 3))
        parts = [
            rng.choice(self.onsets) + rng.choice(self.vowels) + rng.choice(self.codas)
            for _ in range(syllables)
        ]
        word = "".join(parts).replace("_", "") + rng.choice(self.suffixes).replace("_", "")
        return word.capitalize() if rng.random() < self.capital else word


_PSEUDO: dict[Lang, _Syllables] = {
    "en": _Syllables(
        "b br c cl d dr f fl g gr h j k l m n p pl pr r s sh sl st t th tr v w",
        "a e i o u ai ea oo ou",
        "_ _ n r l st nd ck ss m t",
        "_ _ _ er ing tion ment ness ity al s",
    ),
    "de": _Syllables(
        "b br d f g gr h k kr l m n p pf r s sch schw st t w z",
        "a e i o u ei au ie ä ö ü eu",
        "_ _ n r l ch ng nd tz st ck rt",
        "_ _ ung heit keit schaft er en chen lich isch",
        capital=0.6,
    ),
    "ru": _Syllables(
        "б в г д ж з к л м н п р с т ф х ц ч ш ст пр кр гр бр тр зв",
        "а е и о у я ю ы",
        "_ _ н р л с к т м",
        "_ _ ость ание ник ка ский ение ство ец ок а ы ой",
    ),
}
_NAME_SYLLABLES = _Syllables(
    "b br d f g k kr l m n p r s st t v w z",
    "a e i o u au ei",
    "_ _ n r l s",
    "_ _ burg dorf ov sk stadt ino hausen",
)


def latin_name_to_cyrillic(name: str) -> str:
    """A pseudo-name as Russian would spell it ("Velburg" → "Вельбург")."""
    word, out = name.lower(), []
    i = 0
    while i < len(word):
        for latin, cyrillic in _NAME_TO_CYRILLIC:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(word[i])
            i += 1
    spelled = "".join(out).replace("ьь", "ь")
    if spelled.endswith("ь") and len(spelled) > 2:
        spelled = spelled[:-1]
    return spelled.capitalize()


class _Rng:
    """`random.Random` with a cumulative-weights helper; deterministic from a string seed."""

    def __init__(self, seed: str) -> None:
        self._random = random.Random(seed)

    def random(self) -> float:
        return self._random.random()

    def randint(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def choice(self, items: Sequence[T]) -> T:
        return self._random.choice(items)

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        return self._random.sample(items, k)

    def weighted(self, items: Sequence[T], cumulative: Sequence[float]) -> T:
        return self._random.choices(items, cum_weights=cumulative, k=1)[0]


@dataclass(frozen=True)
class _Pool:
    """Words to draw from, Zipf-weighted: the real vocabulary first, pseudo-words after."""

    words: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, words: Sequence[str]) -> _Pool:
        total, cumulative = 0.0, []
        for rank in range(len(words)):
            total += 1.0 / (rank + 10) ** 0.9
            cumulative.append(total)
        return cls(tuple(words), tuple(cumulative))

    def draw(self, rng: _Rng) -> str:
        return rng.weighted(self.words, self.cumulative)


def pseudo_vocabulary_size(entries: int) -> int:
    """Pseudo-words per language: grows like a real vocabulary (Heaps' law, N^0.7)."""
    return int(12 * entries**0.7)


def make_pools(
    real: dict[Lang, list[str]], entries: int, rng: _Rng
) -> tuple[dict[Lang, _Pool], list[tuple[str, str]]]:
    """Word pools per language and pseudo-names (Latin form, Cyrillic form)."""
    size = pseudo_vocabulary_size(entries)
    pools: dict[Lang, _Pool] = {}
    for lang in LANGS:
        words = list(real[lang])
        seen = {w.casefold() for w in words}
        german_nouns = [w for w in real["de"] if w[:1].isupper() and len(w) <= 10]
        attempts = 0
        while len(words) < len(real[lang]) + size and attempts < 20 * size:
            attempts += 1
            if lang == "de" and german_nouns and rng.random() < 0.25:
                # German compounds of real nouns ("Partnerfest"): the matcher splits these.
                first = rng.choice(german_nouns)
                second = rng.choice([*german_nouns, _PSEUDO["de"].word(rng).capitalize()])
                word = first + second.lower()
            else:
                word = _PSEUDO[lang].word(rng)
            if len(word) >= 4 and word.casefold() not in seen:
                seen.add(word.casefold())
                words.append(word)
        pools[lang] = _Pool.of(words)
    names: list[tuple[str, str]] = []
    seen_names: set[str] = set()
    while len(names) < max(20, size // 3):
        name = _NAME_SYLLABLES.word(rng).capitalize()
        if len(name) >= 4 and name not in seen_names:
            seen_names.add(name)
            names.append((name, latin_name_to_cyrillic(name)))
    return pools, names


# ============================================================================ knowledge


@dataclass(frozen=True)
class Synthetic:
    """A synthetic knowledge base and what it took to make it."""

    knowledge: KnowledgeBase
    phrasings: int
    vocabulary: int
    seconds: float


def synthesize(real: KnowledgeBase, size: int, seed: int = SEED) -> Synthetic:
    """*size* entries: the real ones, then variations of them with substituted words.

    Each synthetic entry takes a real entry as its template and, per language, 3–5 of its
    phrasings; content words are replaced (consistently within the entry) by words drawn
    from the pool, names by the entry's own pseudo-name; 1–2 keywords and a short answer.
    """
    started = time.perf_counter()
    rng = _Rng(f"bench_match:{seed}:{size}")
    real_entries = list(real)
    pools, names = make_pools(real_vocabulary(real), size, rng)
    names_of = name_words(real)
    entries = real_entries[:size]
    topics = list(real.topics) if size >= len(real_entries) else []
    synthetic_ids: list[str] = []
    for number in range(size - len(entries)):
        template = rng.choice(real_entries)
        entry_id, topic = f"syn{number:05d}-{template.id}", f"syn-{number // 500:03d}"
        entry = _vary(template, entry_id, topic, rng, pools, names, names_of)
        entries.append(entry)
        synthetic_ids.append(entry.id)
    for start in range(0, len(synthetic_ids), 500):
        topic = f"syn-{start // 500:03d}"
        title = {"en": f"Synthetic {topic}"}
        topics.append(Topic(topic, title, tuple(synthetic_ids[start : start + 500])))  # type: ignore[arg-type]
    knowledge = KnowledgeBase(tuple(topics), tuple(entries))
    vocabulary: set[str] = set()
    phrasings = 0
    for entry in knowledge:
        for lang in LANGS:
            for text in _texts(entry, lang):
                phrasings += 1
                vocabulary.update(w.casefold() for w in _WORD.findall(text))
    return Synthetic(knowledge, phrasings, len(vocabulary), time.perf_counter() - started)


def _vary(
    template: Entry,
    entry_id: str,
    topic: str,
    rng: _Rng,
    pools: dict[Lang, _Pool],
    names: list[tuple[str, str]],
    names_of: dict[Lang, frozenset[str]],
) -> Entry:
    latin_name, cyrillic_name = rng.choice(names)
    questions: dict[Lang, tuple[str, ...]] = {}
    keywords: dict[Lang, tuple[str, ...]] = {}
    answer: dict[Lang, str] = {}
    for lang in LANGS:
        source = template.questions.get(lang, ())
        if not source:
            continue
        mapping: dict[str, str] = {}
        name = cyrillic_name if lang == "ru" else latin_name

        def substitute(found: re.Match[str], lang: Lang = lang, name: str = name,
                       mapping: dict[str, str] = mapping) -> str:  # fmt: skip
            word = found.group(0)
            if not _is_content(word):
                return word
            key = word.casefold()
            if key not in mapping:
                if key in names_of[lang]:
                    mapping[key] = name
                elif rng.random() < 0.7:
                    mapping[key] = pools[lang].draw(rng)
                else:
                    mapping[key] = word
            replacement = mapping[key]
            if word[:1].isupper():
                return replacement[:1].upper() + replacement[1:]
            return replacement if lang == "de" else replacement.lower()

        chosen = rng.sample(source, min(rng.randint(3, 5), len(source)))
        varied: list[str] = []
        for question in chosen:
            text = _WORD.sub(substitute, question)
            content = [w.casefold() for w in _WORD.findall(question) if _is_content(w)]
            if text == question and content:
                # Nothing was replaced: replace one word, so that no synthetic entry repeats
                # a real phrasing (the validator would reject such a knowledge base).
                mapping[rng.choice(content)] = pools[lang].draw(rng)
                text = _WORD.sub(substitute, question)
            varied.append(text)
        questions[lang] = tuple(dict.fromkeys(varied))
        fresh = sorted({v for k, v in mapping.items() if v.casefold() != k})
        if fresh:
            keywords[lang] = tuple(rng.sample(fresh, min(len(fresh), rng.randint(1, 2))))
        if lang in template.answer:
            words = html.unescape(_TAG.sub(" ", template.answer[lang])).split()
            answer[lang] = _WORD.sub(substitute, " ".join(words[: rng.randint(8, 16)]))
    return Entry(entry_id, topic, questions, answer, keywords)


# ============================================================================ queries


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    lang: Lang
    #: The entry the question was derived from; None for out-of-domain questions.
    source: str | None


def transliterate(text: str) -> str:
    """Russian as typed in Latin letters, lower case ("kogda byla konferentsiya")."""
    return text.lower().translate(_TRANSLIT)


def add_typos(text: str, edits: int, rng: _Rng) -> str:
    """*edits* one-character edits (delete, insert, substitute, swap) in words of ≥ 5 letters."""
    words = _WORD.findall(text)
    for _ in range(edits):
        long_words = [w for w in words if len(w) >= 5]
        if not long_words:
            break
        word = rng.choice(long_words)
        alphabet = "абвгдеиклмнопрстуя" if _CYRILLIC.search(word) else "abcdeghiklmnorstu"
        i = rng.randint(1, len(word) - 2)
        operation = rng.choice(("delete", "insert", "substitute", "swap"))
        if operation == "delete":
            edited = word[:i] + word[i + 1 :]
        elif operation == "insert":
            edited = word[:i] + rng.choice(alphabet) + word[i:]
        elif operation == "substitute":
            edited = word[:i] + rng.choice([c for c in alphabet if c != word[i]]) + word[i + 1 :]
        else:
            edited = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", edited, text, count=1)
        words = [edited if w == word else w for w in words]
    return text


def make_queries(real: KnowledgeBase, count: int, seed: int = SEED) -> list[Query]:
    """A fixed, stratified mix: every prefix has every kind in about the mix's shares."""
    rng = _Rng(f"bench_match:queries:{seed}")
    full: dict[Lang, list[tuple[str, str]]] = {lang: [] for lang in LANGS}
    short: dict[Lang, list[tuple[str, str]]] = {lang: [] for lang in LANGS}
    for entry in real:
        for lang in LANGS:
            for text in entry.questions.get(lang, ()):
                words = len(_WORD.findall(text))
                (full if words >= 3 else short)[lang].append((text, entry.id))
            for text in entry.keywords.get(lang, ()):
                short[lang].append((text, entry.id))
    per_kind = _split(count, QUERY_MIX)
    by_kind: dict[str, list[Query]] = {}
    by_kind["full"] = [
        Query(text, "full", lang, source)
        for lang, (text, source) in _round_robin(full, per_kind["full"], rng)
    ]
    by_kind["keyword"] = [
        Query(text, "keyword", lang, source)
        for lang, (text, source) in _round_robin(short, per_kind["keyword"], rng)
    ]
    by_kind["typo"] = [
        Query(add_typos(text, rng.choice((1, 2)), rng), "typo", lang, source)
        for lang, (text, source) in _round_robin(full, per_kind["typo"], rng)
    ]
    by_kind["translit"] = [
        Query(transliterate(text), "translit", "ru", source)
        for text, source in rng.sample(full["ru"], min(per_kind["translit"], len(full["ru"])))
    ]
    by_kind["ood"] = [
        Query(text, "ood", lang, None)
        for lang, text in (OOD_QUESTIONS * (1 + per_kind["ood"] // len(OOD_QUESTIONS)))[
            : per_kind["ood"]
        ]
    ]
    # Interleave by kind so that any prefix (the baseline's, when it runs out of time) keeps
    # the mix.
    queries: list[Query] = []
    positions = {kind: 0 for kind, _ in QUERY_MIX}
    while len(queries) < sum(len(v) for v in by_kind.values()):
        behind = min(
            (kind for kind, _ in QUERY_MIX if positions[kind] < len(by_kind[kind])),
            key=lambda k: (positions[k] / max(1, len(by_kind[k])), k),
        )
        queries.append(by_kind[behind][positions[behind]])
        positions[behind] += 1
    return queries


def _split(count: int, mix: Iterable[tuple[str, float]]) -> dict[str, int]:
    shares = list(mix)
    sizes = {kind: int(count * share) for kind, share in shares}
    for kind, _ in shares[: count - sum(sizes.values())]:
        sizes[kind] += 1
    return sizes


def _round_robin(
    pools: dict[Lang, list[tuple[str, str]]], count: int, rng: _Rng
) -> list[tuple[Lang, tuple[str, str]]]:
    picks: list[tuple[Lang, tuple[str, str]]] = []
    for number in range(count):
        lang = LANGS[number % len(LANGS)]
        picks.append((lang, rng.choice(pools[lang])))
    return picks


# ============================================================================ measuring


def rss_bytes() -> tuple[int, str]:
    """Resident set size now (/proc/self/statm), else the peak (getrusage) as a fallback."""
    try:
        resident = int(Path("/proc/self/statm").read_text().split()[1])
        return resident * os.sysconf("SC_PAGE_SIZE"), "/proc/self/statm (current RSS)"
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        scale = 1 if sys.platform == "darwin" else 1024
        return peak * scale, "getrusage ru_maxrss (peak RSS)"


_LIBC_PATH = ctypes.util.find_library("c")
_LIBC = ctypes.CDLL(_LIBC_PATH) if _LIBC_PATH else None


def settle_memory() -> None:
    """Collect garbage and hand freed heap back to the OS, so RSS deltas mean something."""
    gc.collect()
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


def measure_build(build: Callable[[], Any]) -> tuple[Any, float, int]:
    """(result, seconds, RSS delta in bytes) of one build; the result stays alive."""
    settle_memory()
    before, _ = rss_bytes()
    started = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - started
    settle_memory()
    after, _ = rss_bytes()
    return built, seconds, after - before


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the second largest)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


class Matcher:
    """twinbot's lexical path as the bot runs it without an encoder: the lexical index and
    the calibrated decision (the dense ranker is measured by bench_dense.py)."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.responder = build_responder(knowledge, Catalogs.load(), None)

    def match(self, text: str) -> Match:
        return self.responder.understand(text)


class Baseline:
    """The naive way: every phrasing in one list, WRatio against all of them."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.phrasings: list[str] = []
        self.owners: list[str] = []
        for entry in knowledge:
            for lang in LANGS:
                for text in _texts(entry, lang):
                    self.phrasings.append(text)
                    self.owners.append(entry.id)

    def match(self, text: str) -> str | None:
        found = process.extractOne(text, self.phrasings, scorer=fuzz.WRatio)
        return None if found is None else self.owners[found[2]]


@dataclass
class SizeResult:
    size: int
    phrasings: int
    vocabulary: int
    generate_s: float
    #: The fastest of the builds in build_runs_s.
    build_s: float
    rss_mb: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    baseline_build_s: float
    baseline_rss_mb: float
    baseline_p50_ms: float
    baseline_p99_ms: float
    baseline_mean_ms: float
    baseline_queries: int
    queries: int
    #: In-domain queries whose best candidate is the entry they were derived from.
    top1: float
    #: …and answered (outcome "answer") with it.
    answered_right: float
    #: Out-of-domain queries not answered.
    ood_refused: float
    baseline_top1: float
    #: The matcher's top-1 on the same (in-domain) queries the baseline had time for.
    top1_on_baseline_queries: float
    #: Queries whose outcome and best entry equal the real knowledge base's.
    agrees_with_real: float
    growth: float | None = None
    baseline_growth: float | None = None
    #: Growth exponent from the previous (smaller) size: time ∝ N^x between the two.
    step_exponent: float | None = None
    by_kind_p50_ms: dict[str, float] = field(default_factory=dict)
    #: Every timed build: the one in this process first, then those in fresh processes.
    build_runs_s: list[float] = field(default_factory=list)
    #: The slowest queries: (ms, kind, text).
    slowest: list[tuple[float, str, str]] = field(default_factory=list)


def _signature(match: Match) -> tuple[str, str | None]:
    return match.outcome.value, match.best.entry_id if match.best else None


def time_queries(
    matcher: Matcher,
    baseline: Baseline | None,
    queries: Sequence[Query],
    *,
    repeats: int = 3,
    baseline_budget_s: float = 60.0,
) -> tuple[list[float], list[Match], list[float], list[str | None]]:
    """Per-query seconds (best of *repeats*) and results for the matcher and, interleaved and
    while its time budget lasts, the baseline (once per query)."""
    times: list[float] = []
    matches: list[Match] = []
    base_times: list[float] = []
    base_found: list[str | None] = []
    spent = 0.0
    clock = time.perf_counter
    for query in queries:
        best = math.inf
        result: Match | None = None
        for _ in range(max(1, repeats)):
            started = clock()
            result = matcher.match(query.text)
            best = min(best, clock() - started)
        assert result is not None
        times.append(best)
        matches.append(result)
        if baseline is not None and spent < baseline_budget_s:
            started = clock()
            found = baseline.match(query.text)
            elapsed = clock() - started
            spent += elapsed
            base_times.append(elapsed)
            base_found.append(found)
    return times, matches, base_times, base_found


def _share(hits: Iterable[bool]) -> float:
    values = list(hits)
    return sum(values) / len(values) if values else math.nan


def measure_size(
    real: KnowledgeBase,
    size: int,
    queries: Sequence[Query],
    reference: Sequence[tuple[str, str | None]],
    *,
    repeats: int = 3,
    build_repeats: int = 3,
    baseline_budget_s: float = 60.0,
    profile: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[SizeResult, str | None]:
    """Everything for one size; with *profile*, also a cProfile report of the query pass."""
    synthetic = synthesize(real, size)
    log(
        f"[{size:>6} entries] generated {synthetic.phrasings} phrasings, "
        f"{synthetic.vocabulary} distinct words in {synthetic.seconds:.1f} s; building…"
    )
    knowledge = synthetic.knowledge
    matcher, build_s, rss = measure_build(lambda: Matcher(knowledge))
    log(f"[{size:>6} entries] index built in {build_s:.2f} s (+{rss / 2**20:.1f} MB)")
    build_runs = [build_s, *fresh_builds(knowledge, build_repeats - 1, log=log, size=size)]
    baseline, base_build_s, base_rss = measure_build(lambda: Baseline(knowledge))
    log(f"[{size:>6} entries] querying…")
    times, matches, base_times, base_found = time_queries(
        matcher, baseline, queries, repeats=repeats, baseline_budget_s=baseline_budget_s
    )
    in_domain = [(q, m) for q, m in zip(queries, matches, strict=True) if q.source is not None]
    ood = [m for q, m in zip(queries, matches, strict=True) if q.source is None]
    base_in_domain = [
        (q, found) for q, found in zip(queries, base_found, strict=False) if q.source is not None
    ]
    kinds = sorted({q.kind for q in queries})
    result = SizeResult(
        size=size,
        phrasings=synthetic.phrasings,
        vocabulary=synthetic.vocabulary,
        generate_s=synthetic.seconds,
        build_s=min(build_runs),
        build_runs_s=build_runs,
        rss_mb=rss / 2**20,
        p50_ms=1000 * statistics.median(times),
        p99_ms=1000 * percentile(times, 0.99),
        mean_ms=1000 * statistics.fmean(times),
        max_ms=1000 * max(times),
        baseline_build_s=base_build_s,
        baseline_rss_mb=base_rss / 2**20,
        baseline_p50_ms=1000 * statistics.median(base_times) if base_times else math.nan,
        baseline_p99_ms=1000 * percentile(base_times, 0.99),
        baseline_mean_ms=1000 * statistics.fmean(base_times) if base_times else math.nan,
        baseline_queries=len(base_times),
        queries=len(queries),
        top1=_share(m.best is not None and m.best.entry_id == q.source for q, m in in_domain),
        answered_right=_share(
            m.outcome is Outcome.ANSWER and m.best is not None and m.best.entry_id == q.source
            for q, m in in_domain
        ),
        ood_refused=_share(m.outcome is not Outcome.ANSWER for m in ood),
        baseline_top1=_share(found == q.source for q, found in base_in_domain),
        top1_on_baseline_queries=_share(
            m.best is not None and m.best.entry_id == q.source
            for q, m in in_domain[: len(base_in_domain)]
        ),
        agrees_with_real=_share(
            _signature(m) == ref for m, ref in zip(matches, reference, strict=True)
        ),
        by_kind_p50_ms={
            kind: 1000
            * statistics.median(t for t, q in zip(times, queries, strict=True) if q.kind == kind)
            for kind in kinds
        },
        slowest=sorted(
            ((round(1000 * t, 2), q.kind, q.text) for t, q in zip(times, queries, strict=True)),
            reverse=True,
        )[:5],
    )
    report = None
    if profile:
        # After the timings, so that profiling overhead touches none of them.
        log(f"[{size:>6} entries] profiling the queries and a second build…")
        queries_profile = _profile(lambda: [matcher.match(q.text) for q in queries])
        del matcher, baseline
        settle_memory()
        build_profile = _profile(lambda: Matcher(knowledge))
        report = (
            f"--- one pass over the {len(queries)} queries ---\n{queries_profile}\n"
            f"--- index build ---\n{build_profile}"
        )
    return result, report


#: A fresh process: loads the libraries by indexing the real knowledge base (as the benchmark
#: process has), then times one build of the pickled synthetic one.
_FRESH_BUILD = """
import gc, pickle, sys, time
from pathlib import Path
from twinbot.ranking.lexical import LexicalRanker as Matcher
from twinbot.validate import load_valid_knowledge
Matcher(load_valid_knowledge(Path(sys.argv[1])))
knowledge = pickle.loads(Path(sys.argv[2]).read_bytes())
gc.collect()
started = time.perf_counter()
Matcher(knowledge)
print(time.perf_counter() - started)
"""


def fresh_builds(
    knowledge: KnowledgeBase, count: int, *, log: Callable[[str], None] = print, size: int = 0
) -> list[float]:
    """Seconds of *count* builds of *knowledge*, each in a new Python process (nothing
    warm from this one but the libraries' own data, loaded there on the real knowledge)."""
    if count <= 0:
        return []
    seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench_match-") as folder:
        path = Path(folder) / "knowledge.pickle"
        path.write_bytes(pickle.dumps(knowledge, protocol=pickle.HIGHEST_PROTOCOL))
        for _ in range(count):
            done = subprocess.run(
                [sys.executable, "-c", _FRESH_BUILD, str(KNOWLEDGE_DIR), str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds.append(float(done.stdout.strip().splitlines()[-1]))
            log(f"[{size:>6} entries] index built in a fresh process in {seconds[-1]:.2f} s")
    return seconds


def _profile(work: Callable[[], object]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(20)
    # Absolute paths say nothing on another machine.
    text = buffer.getvalue()
    for prefix in (str(ROOT), sys.prefix, sys.base_prefix):
        text = text.replace(prefix + os.sep, "")
    return text


def growth(results: list[SizeResult]) -> dict[str, float | None]:
    """Mean per-query time at each size over the smallest size's; fitted exponent."""
    if not results:
        return {"exponent": None, "baseline_exponent": None}
    first = results[0]
    for previous, result in zip([None, *results], results, strict=False):
        result.growth = result.mean_ms / first.mean_ms
        result.baseline_growth = result.baseline_mean_ms / first.baseline_mean_ms
        if previous is not None:
            result.step_exponent = _exponent(previous, result)
    last = results[-1]
    if last.size == first.size:
        return {"exponent": None, "baseline_exponent": None, "steepest_step": None}
    span = math.log(last.size / first.size)
    return {
        "exponent": _exponent(first, last),
        "baseline_exponent": math.log(last.baseline_mean_ms / first.baseline_mean_ms) / span,
        "steepest_step": max(r.step_exponent for r in results if r.step_exponent is not None),
    }


def _exponent(smaller: SizeResult, larger: SizeResult) -> float:
    return math.log(larger.mean_ms / smaller.mean_ms) / math.log(larger.size / smaller.size)


# ============================================================================ dev set


def dev_set_path() -> Path | None:
    return next((path for path in DEV_SETS if path.is_file()), None)


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub(" ", text)).casefold()


def judge(item: dict[str, Any], reply: dict[str, Any]) -> bool:
    """The dev set's pass rule, as shared/eval/score.py applies it."""
    if item["expect"] == "ood":
        return not reply.get("matched")
    if not reply.get("matched") or reply.get("lang") != item["lang"]:
        return False
    answer = str(reply.get("answer", ""))
    cyrillic, latin = len(_CYRILLIC.findall(answer)), len(_LATIN.findall(answer))
    if (cyrillic > latin) != (item["lang"] == "ru"):
        return False
    text = _plain(answer)
    return all(any(alt.casefold() in text for alt in group) for group in item["expect"])


@dataclass(frozen=True)
class DevRun:
    replies: tuple[str, ...]
    passed: dict[str, float]


def run_dev(responder: Responder, items: Sequence[dict[str, Any]]) -> DevRun:
    """Every dev question as `twinbot ask --json` would answer it, and the pass rates."""
    replies: list[str] = []
    by_group: dict[str, list[bool]] = {}
    for item in items:
        question = " ".join(str(item["q"]).split())
        reply, match = responder.explain(question)
        record = reply.to_json()
        record["candidates"] = [(c.entry_id, c.score) for c in match.candidates]
        replies.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
        group = "ood" if item["expect"] == "ood" else str(item["lang"])
        ok = judge(item, record)
        by_group.setdefault(group, []).append(ok)
        by_group.setdefault("overall", []).append(ok)
    return DevRun(tuple(replies), {k: 100 * _share(v) for k, v in sorted(by_group.items())})


# ============================================================================ start-up


@dataclass(frozen=True)
class Startup:
    label: str
    command: list[str]
    runs: int
    median_s: float
    min_s: float
    max_s: float
    ok: bool


#: Start-up labels, by whether `twinbot ask` finds its index cache filled.
ASK_WARM = "index cache filled"
ASK_COLD = "index cache empty"


def measure_startup(
    commands: dict[str, list[str]], runs: int, *, cold: Collection[str] = ()
) -> list[Startup]:
    """Whole-process wall time of each command, *runs* times interleaved (one warm-up).

    twinbot's index cache lives in a folder of this run's own: shared by the runs of most
    commands (the warm-up fills it), a new empty one for every run of those in *cold*.
    """
    samples: dict[str, list[float]] = {label: [] for label in commands}
    ok = dict.fromkeys(commands, True)
    with tempfile.TemporaryDirectory(prefix="bench_match-") as folder:
        for round_number in range(runs + 1):
            for label, command in commands.items():
                cache = Path(folder) / (f"{label}-{round_number}" if label in cold else "warm")
                env = {**os.environ, "TWINBOT_CACHE_DIR": str(cache)}
                started = time.perf_counter()
                done = subprocess.run(
                    command, capture_output=True, stdin=subprocess.DEVNULL, env=env
                )
                elapsed = time.perf_counter() - started
                ok[label] = ok[label] and done.returncode == 0
                if round_number:
                    samples[label].append(elapsed)
    return [
        Startup(
            label,
            command,
            len(samples[label]),
            statistics.median(samples[label]),
            min(samples[label]),
            max(samples[label]),
            ok[label],
        )
        for label, command in commands.items()
        if samples[label]
    ]


def startup_commands(question: str = "When was the conference?") -> dict[str, list[str]]:
    script = shutil.which("twinbot", path=str(Path(sys.executable).parent)) or shutil.which(
        "twinbot"
    )
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    if script:
        ask = [script, "ask", "--knowledge", str(KNOWLEDGE_DIR), question]
        commands[f'twinbot ask "{question}", {ASK_WARM}'] = ask
        commands[f'twinbot ask "{question}", {ASK_COLD}'] = ask
    return commands


# ============================================================================ report


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.0f}%"


def targets(
    results: list[SizeResult],
    exponents: dict[str, float | None],
    dev_identical: bool | None,
    startup: list[Startup],
) -> list[dict[str, Any]]:
    at = {r.size: r for r in results}
    rows: list[dict[str, Any]] = []

    def row(name: str, measured: float | None, goal: str, passed: bool | None) -> None:
        status = "n/a" if passed is None else ("PASS" if passed else "MISS")
        rows.append({"target": name, "measured": measured, "goal": goal, "status": status})

    target = at.get(TARGET_SIZE)
    row(
        f"p99 per query at {TARGET_SIZE:,} entries (ms)",
        target.p99_ms if target else None,
        f"≤ {TARGET_P99_MS:g}",
        target.p99_ms <= TARGET_P99_MS if target else None,
    )
    row(
        f"index build at {TARGET_SIZE:,} entries (s)",
        target.build_s if target else None,
        f"≤ {TARGET_BUILD_S:g}",
        target.build_s <= TARGET_BUILD_S if target else None,
    )
    exponent = exponents.get("exponent")
    span = f"{results[0].size:,}→{results[-1].size:,}" if results else ""
    row(
        f"growth exponent of mean query time, {span} (time ∝ N^x)",
        exponent,
        f"≤ {TARGET_GROWTH_EXPONENT:g} (clearly sublinear; 1 = linear)",
        exponent <= TARGET_GROWTH_EXPONENT if exponent is not None else None,
    )
    steepest = exponents.get("steepest_step")
    row(
        "steepest growth exponent between neighbouring sizes",
        steepest,
        f"≤ {TARGET_GROWTH_EXPONENT:g} (sublinear all the way up)",
        steepest <= TARGET_GROWTH_EXPONENT if steepest is not None else None,
    )
    row(
        "dev-set answers identical before/after the big builds",
        None,
        "identical",
        dev_identical,
    )
    for kind, when in ((ASK_WARM, "usual"), (ASK_COLD, "first run after an edit")):
        ask = next((s for s in startup if s.label.endswith(kind)), None)
        row(
            f"`twinbot ask` start-up, {kind} ({when}), median (s)",
            ask.median_s if ask else None,
            f"≤ {TARGET_STARTUP_S:g}",
            ask.median_s <= TARGET_STARTUP_S and ask.ok if ask else None,
        )
    return rows


def render(report: dict[str, Any]) -> str:
    """The Markdown tables printed at the end and pasted into benchmarks/README.md."""
    sizes = [SizeResult(**r) for r in report["sizes"]]
    lines = [
        f"Run {report['date']} on {report['machine']['cpu_count']} CPUs, "
        f"Python {report['machine']['python']}, {report['settings']['queries']} queries "
        f"(best of {report['settings']['repeats']} per query for the matcher, one run for the "
        f"baseline), build = best of {report['settings'].get('build_repeats', 1)} builds (the "
        "first in this process, the others each in a fresh one), memory = RSS delta from "
        "/proc/self/statm.",
        "",
        "| entries | phrasings | words | build s | RSS MB | p50 ms | p99 ms | mean ms "
        "| growth × (x) | baseline build s | baseline p50 ms | baseline p99 ms "
        "| baseline growth × | baseline queries |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sizes:
        step = f" ({_fmt(r.step_exponent)})" if r.step_exponent is not None else ""
        lines.append(
            f"| {r.size:,} | {r.phrasings:,} | {r.vocabulary:,} | {_fmt(r.build_s)} "
            f"| {_fmt(r.rss_mb, 1)} | {_fmt(r.p50_ms)} | {_fmt(r.p99_ms)} | {_fmt(r.mean_ms)} "
            f"| {_fmt(r.growth, 1)}{step} | {_fmt(r.baseline_build_s, 3)} "
            f"| {_fmt(r.baseline_p50_ms, 1)} | {_fmt(r.baseline_p99_ms, 1)} "
            f"| {_fmt(r.baseline_growth, 1)} | {r.baseline_queries} |"
        )
    lines += [
        "",
        "| entries | matcher top-1 | answered right | out-of-domain refused "
        "| baseline top-1 (matcher's on the same queries) | same verdict as real KB "
        "| p50 ms by kind |",
        "|---:|---:|---:|---:|---:|---:|:---|",
    ]
    for r in sizes:
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in r.by_kind_p50_ms.items())
        lines.append(
            f"| {r.size:,} | {_pct(r.top1)} | {_pct(r.answered_right)} | {_pct(r.ood_refused)} "
            f"| {_pct(r.baseline_top1)} ({_pct(r.top1_on_baseline_queries)}) "
            f"| {_pct(r.agrees_with_real)} | {kinds} |"
        )
    if any(len(r.build_runs_s) > 1 for r in sizes):
        lines += ["", "Every index build (s), this process first:"]
        lines += [
            f"- {r.size:,} entries: " + ", ".join(f"{b:.2f}" for b in r.build_runs_s) for r in sizes
        ]
    if sizes:
        largest = sizes[-1]
        lines += ["", f"Slowest queries at {largest.size:,} entries:"]
        lines += [f"- {ms:.2f} ms ({kind}): {text!r}" for ms, kind, text in largest.slowest]
    lines += ["", "| target | measured | goal | status |", "|:---|---:|:---|:---:|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {_fmt(t['measured'])} | {t['goal']} | {t['status']} |")
    if report["startup"]:
        lines += ["", "| start-up (whole process) | median s | min s | max s | runs |"]
        lines.append("|:---|---:|---:|---:|---:|")
        for s in report["startup"]:
            lines.append(
                f"| `{s['label']}` | {s['median_s']:.3f} | {s['min_s']:.3f} | {s['max_s']:.3f} "
                f"| {s['runs']} |"
            )
    dev = report.get("dev")
    if dev:
        rates = ", ".join(f"{k} {v:.1f}%" for k, v in dev["before"].items())
        lines += [
            "",
            f"Dev set ({dev['items']} questions, {dev['path']}): {rates}; answers identical "
            f"after the big builds: {dev['identical_same_matcher']}, with a freshly built "
            f"matcher: {dev['identical_fresh_matcher']}.",
        ]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def source_digests() -> dict[str, str]:
    """Short SHA-256 of the matcher's source files as they were measured."""
    package = ROOT / "src" / "twinbot"
    paths = (
        *sorted((package / "ranking" / "lexical").glob("*.py")),
        package / "fusion.py",
        package / "calibration.py",
        *sorted((package / "textnorm").glob("*.py")),
        package / "lexicon.py",
    )
    return {
        path.relative_to(package).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in paths
        if path.is_file()
    }


# ============================================================================ main


def run(
    sizes: Sequence[int],
    query_count: int,
    *,
    repeats: int = 3,
    build_repeats: int = 3,
    baseline_budget_s: float = 60.0,
    startup_runs: int = 7,
    profile_size: int | None = None,
    dev_path: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The whole benchmark; returns the JSON-able report."""
    sources = source_digests()  # before anything runs: the files may change meanwhile
    real = load_valid_knowledge(KNOWLEDGE_DIR)
    queries = make_queries(real, query_count)
    # Start-up first, while this process is still small.
    commands = startup_commands()
    cold = [label for label in commands if label.endswith(ASK_COLD)]
    startup = measure_startup(commands, startup_runs, cold=cold) if startup_runs > 0 else []
    # The real knowledge base: the dev-set reference and every query's reference verdict.
    real_matcher = Matcher(real)
    responder = real_matcher.responder
    dev_path = dev_path or dev_set_path()
    dev_items: list[dict[str, Any]] = (
        yaml.safe_load(dev_path.read_text(encoding="utf-8")) if dev_path else []
    )
    dev_before = run_dev(responder, dev_items)
    for query in queries:  # warm-up: lazy word lists, caches
        real_matcher.match(query.text)
    reference = [_signature(real_matcher.match(q.text)) for q in queries]

    results: list[SizeResult] = []
    profiles: dict[str, str] = {}
    for size in sorted(set(sizes)):
        result, profile = measure_size(
            real,
            size,
            queries,
            reference,
            repeats=repeats,
            build_repeats=build_repeats,
            baseline_budget_s=baseline_budget_s,
            profile=size == profile_size,
            log=log,
        )
        settle_memory()  # this size's indexes are gone: the next build starts clean
        results.append(result)
        if profile:
            profiles[str(size)] = profile
        log(
            f"[{size:>6} entries] p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms; "
            f"baseline p50 {result.baseline_p50_ms:.1f} ms over {result.baseline_queries} queries"
        )
    exponents = growth(results)

    dev_after = run_dev(responder, dev_items)
    dev_fresh = run_dev(Matcher(real).responder, dev_items)
    identical = dev_before.replies == dev_after.replies == dev_fresh.replies
    report: dict[str, Any] = {
        "benchmark": "bench_match",
        "date": dt.date.today().isoformat(),
        "revision": git_revision(),
        # The lead tunes these files in the working tree: tie the figures to their content.
        "sources": sources,
        "machine": machine(),
        "memory_source": rss_bytes()[1],
        "settings": {
            "sizes": sorted(set(sizes)),
            "queries": len(queries),
            "repeats": repeats,
            "build_repeats": build_repeats,
            "baseline_budget_s": baseline_budget_s,
            "seed": SEED,
            "query_mix": {kind: sum(q.kind == kind for q in queries) for kind, _ in QUERY_MIX},
            "baseline": "rapidfuzz.process.extractOne(query, phrasings, scorer=fuzz.WRatio)",
        },
        "sizes": [asdict(r) for r in results],
        "growth": exponents,
        "dev": {
            "path": str(dev_path.relative_to(ROOT.parent)) if dev_path else None,
            "items": len(dev_items),
            "before": dev_before.passed,
            "after": dev_after.passed,
            "fresh": dev_fresh.passed,
            "identical_same_matcher": dev_before.replies == dev_after.replies,
            "identical_fresh_matcher": dev_before.replies == dev_fresh.replies,
        }
        if dev_items
        else None,
        "startup": [asdict(s) for s in startup],
        "profiles": profiles,
    }
    report["targets"] = targets(results, exponents, identical if dev_items else None, startup)
    return report


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=_sizes, help="comma-separated entry counts")
    parser.add_argument("--queries", type=int, help=f"queries in the mix ({DEFAULT_QUERIES})")
    parser.add_argument("--repeats", type=int, help="timed runs per query, best kept (3)")
    parser.add_argument(
        "--build-repeats",
        type=int,
        help="timed index builds per size, best kept; all but the first in fresh processes (3)",
    )
    parser.add_argument(
        "--baseline-budget", type=float, help="seconds of baseline queries per size (60)"
    )
    parser.add_argument("--startup-runs", type=int, help="runs per start-up command (7)")
    parser.add_argument("--profile", type=int, metavar="SIZE", help="cProfile the queries")
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 entries, 60 queries")
    parser.add_argument("--output", type=Path, help="JSON file (default benchmarks/results/…)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    quick = args.quick
    report = run(
        args.sizes or ([100, 1_000] if quick else list(DEFAULT_SIZES)),
        args.queries or (60 if quick else DEFAULT_QUERIES),
        repeats=args.repeats or (1 if quick else 3),
        build_repeats=args.build_repeats or (1 if quick else 3),
        baseline_budget_s=args.baseline_budget or (10.0 if quick else 60.0),
        startup_runs=args.startup_runs if args.startup_runs is not None else (3 if quick else 7),
        profile_size=args.profile,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    for size, profile in report["profiles"].items():
        print(f"\ncProfile of one pass over the queries at {size} entries:\n{profile}")
    print(render(report))
    if not args.no_write:
        output = args.output or RESULTS_DIR / f"bench_match-{report['date']}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
