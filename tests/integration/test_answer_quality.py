"""Answer quality on the dev set (a copy of ../shared/eval/dev.yaml): the bar is 95%.

Judged exactly as ../shared/eval/score.py does, through the same path as `twinbot ask`:
an answerable question passes when it is matched, answered in its language (and mostly in
that script) and every expected group occurs in the answer; an unanswerable one passes when
it is not matched.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path

import yaml

from twinbot.i18n import Catalogs
from twinbot.paths import bundled_knowledge_dir
from twinbot.responder import Responder
from twinbot.validate import load_valid_knowledge

EVAL = Path(__file__).resolve().parent.parent / "data" / "eval"
DEV = EVAL / "dev.yaml"
BAR = 95.0
#: Our own larger sets (tune.yaml, holdout.yaml: written from the article by someone who
#: hadn't seen the knowledge base) guard against regressions at the level reached so far;
#: the dev bar above is the target.
REGRESSION_FLOOR = 85.0
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


def rates(path: Path) -> tuple[dict[str, float], list[str]]:
    """Pass rate per language and for out-of-domain items, and the failures."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    responder = Responder(load_valid_knowledge(bundled_knowledge_dir()), Catalogs.load())
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


def test_dev_set_meets_the_bar_in_every_language_and_out_of_domain() -> None:
    found, failures = rates(DEV)
    assert set(found) == {"en", "de", "ru", "ood"}
    assert all(rate >= BAR for rate in found.values()), (found, failures)


def test_no_regression_on_the_larger_sets() -> None:
    for name in ("tune.yaml", "holdout.yaml"):
        found, failures = rates(EVAL / name)
        overall = sum(found.values()) / len(found)
        assert overall >= REGRESSION_FLOOR, (name, found, failures)
