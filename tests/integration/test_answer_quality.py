"""Answer quality on the shared question sets (copies of ../shared/eval/dev.yaml and dev2.yaml),
judged exactly as ../shared/eval/score.py does, through the same path as `twinbot ask`: an
answerable question passes when it is matched, answered in its language (and mostly in that
script) and every expected group occurs in the answer; an unanswerable one passes when it is
not matched.

Both ways the bot can run are held to floors: with the e5 encoder (the default) and
lexical-only (where the encoder cannot load). The floors are the figures reached, less a
margin for a change of two or three questions; dev.yaml's bar is 95% in every group.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path

import yaml

from auxil.responders import e5_responder, lexical_responder
from twinbot.responder import Responder

EVAL = Path(__file__).resolve().parent.parent / "data" / "eval"
DEV = EVAL / "dev.yaml"
DEV2 = EVAL / "dev2.yaml"
BAR = 95.0
#: Our own larger sets (tune.yaml, holdout.yaml: written from the article by someone who
#: hadn't seen the knowledge base) guard against regressions at the level reached so far;
#: the dev bar above is the target.
REGRESSION_FLOOR = 91.0
#: tests/data/eval/blind/ (questions written from the article alone, not fitted on): the
#: lowest mean reached (84.5, blind/ru.yaml lexical-only) less a margin.
BLIND_FLOOR = 82.0
#: dev2.yaml (172 questions by people who never saw the knowledge base), mean of the four
#: groups (en, de, ru, out-of-domain).
DEV2_FLOOR_FUSED = 93.0
DEV2_OOD_FLOOR = 94.0
DEV2_FLOOR_LEXICAL = 91.5
TAG = re.compile(r"<[^>]+>")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def passes(item: dict[str, object], record: dict[str, object]) -> bool:
    if item["expect"] == "ood":
        return not record["matched"]
    answer = str(record["answer"])
    cyrillic, latin = len(CYRILLIC.findall(answer)), len(LATIN.findall(answer))
    right_script = cyrillic > latin if item["lang"] == "ru" else latin > cyrillic
    if not record["matched"] or record["lang"] != item["lang"] or not right_script:
        return False
    text = html.unescape(TAG.sub(" ", answer)).casefold()
    groups = item["expect"]
    assert isinstance(groups, list)
    return all(any(alt.casefold() in text for alt in group) for group in groups)


def rates(path: Path, responder: Responder) -> tuple[dict[str, float], list[str]]:
    """Pass rate per language and for out-of-domain items, and the failures."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for item in items:
        record = responder.reply(" ".join(item["q"].split())).to_json()
        group = "ood" if item["expect"] == "ood" else item["lang"]
        ok = passes(item, record)
        tally[group][0] += ok
        tally[group][1] += 1
        if not ok:
            failures.append(f"{item['q']!r} → {record['entry']}")
    return {group: 100.0 * good / total for group, (good, total) in tally.items()}, failures


def overall(found: dict[str, float]) -> float:
    return sum(found.values()) / len(found)


def test_dev_set_meets_the_bar_in_every_group_with_the_encoder() -> None:
    found, failures = rates(DEV, e5_responder())
    assert set(found) == {"en", "de", "ru", "ood"}
    assert all(rate >= BAR for rate in found.values()), (found, failures)


def test_dev_set_meets_the_bar_in_every_group_lexical_only() -> None:
    found, failures = rates(DEV, lexical_responder())
    assert all(rate >= BAR for rate in found.values()), (found, failures)


def test_independent_questions_with_the_encoder() -> None:
    found, failures = rates(DEV2, e5_responder())
    assert overall(found) >= DEV2_FLOOR_FUSED and found["ood"] >= DEV2_OOD_FLOOR, (found, failures)


def test_independent_questions_lexical_only() -> None:
    # Before the semantic ranker, lexical-only was all there was: 79.1% overall on dev2.
    found, failures = rates(DEV2, lexical_responder())
    assert overall(found) >= DEV2_FLOOR_LEXICAL, (found, failures)


def test_no_regression_on_the_larger_sets() -> None:
    for name in ("tune.yaml", "holdout.yaml"):
        for responder in (e5_responder(), lexical_responder()):
            found, failures = rates(EVAL / name, responder)
            assert overall(found) >= REGRESSION_FLOOR, (name, found, failures)


def test_no_regression_on_the_article_only_sets() -> None:
    for name in (
        "blind/de.yaml",
        "blind/ru.yaml",
        "blind/en.yaml",
        "blind/mix.yaml",
        "blind/mix2.yaml",
        "blind/mix3.yaml",
        "blind/mix4.yaml",
    ):
        for responder in (e5_responder(), lexical_responder()):
            found, failures = rates(EVAL / name, responder)
            assert overall(found) >= BLIND_FLOOR, (name, found, failures)
