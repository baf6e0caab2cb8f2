"""Build src/twinbot/data/pos_{en,de}.tsv.gz: coarse part-of-speech odds of common words.

twinbot weighs a word its knowledge base has never seen by how likely it is to be the
question's subject: an unknown noun ("mayor", "Direktor") is, an unknown verb or adverb
("deal with", "besprochen", "nowadays") mostly frames the question. For English and German
this needs a part-of-speech lexicon; it is built once, offline, here:

- words: every word of wordfreq's "small" list for the language (Zipf ≥ 3), lower case;
- tags: the Hanover Tagger (HanTa, LGPL) tags each word out of context and gives the
  log-probability of each tag; they are grouped into noun / adjective / verb / other and
  normalised.

Only words that are not almost surely nouns are written (nouns are the default), as
`word<TAB>noun adj verb other` in tenths. Run in a scratch environment:

    python -m venv /tmp/posenv && /tmp/posenv/bin/pip install HanTa numpy wordfreq
    /tmp/posenv/bin/python tools/build_pos_lexicon.py

The data is derived from wordfreq's word lists (CC-BY-SA 4.0, see
src/twinbot/data/README.md).
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import wordfreq
from HanTa import HanoverTagger

OUT = Path(__file__).resolve().parent.parent / "src" / "twinbot" / "data"
MODELS = {"en": "morphmodel_en.pgz", "de": "morphmodel_ger.pgz"}
# Only words at least this likely to be something other than a noun are stored.
MIN_NON_NOUN = 0.15


def coarse(tag: str) -> int:
    """0 noun, 1 adjective, 2 verb, 3 other — for the BNC (en) and STTS (de) tag sets."""
    if tag.startswith(("NN", "NP", "NE", "CRD", "CARD", "ZZ0", "FM")):
        return 0
    if tag.startswith(("AJ", "ADJ", "ORD")):
        return 1
    if tag.startswith(("VV", "VB", "VD", "VH", "VM", "VA")):
        return 2
    return 3


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for lang, model in MODELS.items():
        tagger = HanoverTagger.HanoverTagger(model)
        words = sorted(wordfreq.get_frequency_dict(lang, wordlist="small"))
        lines = []
        for word in words:
            if not word.isalpha():
                continue
            forms = [word] if lang == "en" else [word, word.capitalize()]
            odds = [0.0, 0.0, 0.0, 0.0]
            for form in forms:
                try:
                    tags = tagger.tag_word(form, cutoff=5)
                except Exception:  # HanTa rejects some inputs; skip them
                    continue
                for tag, logprob in tags:
                    odds[coarse(tag)] += math.exp(logprob)
            total = sum(odds)
            if total <= 0:
                continue
            shares = [value / total for value in odds]
            if 1.0 - shares[0] < MIN_NON_NOUN:
                continue
            tenths = [round(10 * share) for share in shares]
            lines.append(f"{word}\t{' '.join(map(str, tenths))}")
        target = OUT / f"pos_{lang}.tsv.gz"
        with gzip.open(target, "wt", encoding="utf-8", compresslevel=9) as out:
            out.write("\n".join(lines) + "\n")
        print(f"{target}: {len(lines)} of {len(words)} words")


if __name__ == "__main__":
    main()
