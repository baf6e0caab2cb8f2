"""General-language word frequencies for English, German and Russian.

Backed by the word lists of the `wordfreq` package, read directly in their documented
"cBpack" format (a gzipped msgpack list of frequency buckets) so that start-up doesn't pay
for importing wordfreq's tokenizer stack. Frequencies are Zipf values: log10 of occurrences
per billion words (7 for "the", 3 for rare words); 0 means "not in the list".

twinbot uses them to tell languages apart ("was" is German, "what" English), to tell a real
word from a typo (only typos get fuzzy-corrected: "mayor" must not become "major"), and to
judge Russian typed in Latin letters (does "kogda" spell a Russian word in Cyrillic?).

`pos_odds` reads twinbot's own part-of-speech lexicon (data/pos_{en,de}.tsv.gz, built by
tools/build_pos_lexicon.py): how likely a common English or German word is a noun, an
adjective, a verb or something else, out of context.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import cache
from pathlib import Path
from typing import cast

import msgpack

from twinbot.knowledge import Lang

#: The "small" lists hold every word with a Zipf frequency of at least 3.
_LIST = "small"


@cache
def _data_dir() -> Path:
    # find_spec locates the package without executing its __init__ (which imports regex,
    # ftfy and langcodes: a fifth of a second we don't need).
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the wordfreq package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def frequencies(lang: Lang) -> dict[str, float]:
    """Zipf frequency of every listed word of *lang* (lower-case, as wordfreq tokenizes)."""
    resource = _data_dir() / f"{_LIST}_{lang}.msgpack.gz"
    with gzip.open(resource, "rb") as unzipped:
        data = cast(list[object], msgpack.load(unzipped, raw=False))
    header = data[0]
    if not isinstance(header, dict) or header.get("format") != "cB":
        raise ValueError(f"unexpected wordfreq data format in {resource}")
    table: dict[str, float] = {}
    # Bucket i holds the words whose frequency is 10 ** (-i / 100), i.e. Zipf 9 - i / 100.
    for index, bucket in enumerate(data[1:]):
        zipf = 9.0 - index / 100.0
        for word in cast(list[str], bucket):
            table.setdefault(word, zipf)
    return table


def zipf(word: str, lang: Lang) -> float:
    """Zipf frequency of *word* in *lang*, 0.0 when the word is not listed."""
    return frequencies(lang).get(word, 0.0)


_DATA = Path(__file__).resolve().parent / "data"


@cache
def _pos_table(lang: Lang) -> dict[str, str]:
    # Kept as text ("1 9 0 0") and parsed on lookup: loading stays a single dict build.
    path = _DATA / f"pos_{lang}.tsv.gz"
    if not path.is_file():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as data:
        return dict(line.split("\t", 1) for line in data.read().splitlines() if "\t" in line)


@cache
def city_table() -> dict[str, frozenset[int]]:
    """Every name (folded: lower case, ё as е) of a German or Russian city of 15,000 people
    or more → the GeoNames ids of the cities of that name (data/cities.tsv.gz, built by
    tools/build_cities.py); empty where the file is missing."""
    path = _DATA / "cities.tsv.gz"
    if not path.is_file():
        return {}
    names: dict[str, set[int]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as data:
        for line in data.read().splitlines():
            number, *city_names = line.split("\t")
            for name in city_names:
                names.setdefault(name, set()).add(int(number))
    return {name: frozenset(ids) for name, ids in names.items()}


def pos_odds(word: str, lang: Lang) -> tuple[float, float, float, float] | None:
    """(noun, adjective, verb, other) odds of an English or German word; None if unlisted."""
    if lang == "ru":
        return None
    tenths = _pos_table(lang).get(word)
    if tenths is None:
        return None
    values = [int(v) / 10 for v in tenths.split()]
    if len(values) != 4:
        return None
    return (values[0], values[1], values[2], values[3])
