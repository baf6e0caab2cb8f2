"""The shipped knowledge base: complete in all three languages, linked, sendable.

`twinbot check knowledge --strict` (tests/integration/test_check_cli.py) covers the format;
these are the content rules the project holds itself to beyond it (8+ phrasings per
language), one test per entry so a failure names it.
"""

from __future__ import annotations

import pytest

from twinbot.knowledge import LANGS, Entry
from twinbot.loader import load_knowledge
from twinbot.paths import bundled_knowledge_dir
from twinbot.validate import check_answer_html

MIN_PHRASINGS = 8

SHIPPED = load_knowledge(bundled_knowledge_dir())
ENTRIES = list(SHIPPED.knowledge)


def test_the_knowledge_base_is_shipped() -> None:
    assert sorted(bundled_knowledge_dir().glob("*.yaml")), "knowledge/*.yaml is missing"
    assert SHIPPED.problems == ()
    assert len(ENTRIES) >= 1


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_entry_is_trilingual(entry: Entry) -> None:
    assert set(entry.questions) == set(LANGS)
    assert set(entry.answer) == set(LANGS)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_entry_has_enough_phrasings(entry: Entry) -> None:
    counts = {lang: len(entry.questions.get(lang, ())) for lang in LANGS}
    assert all(count >= MIN_PHRASINGS for count in counts.values()), counts


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_related_id_resolves(entry: Entry) -> None:
    assert [r for r in entry.related if r not in SHIPPED.knowledge or r == entry.id] == []


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_answer_can_be_sent(entry: Entry) -> None:
    assert {lang: check_answer_html(text) for lang, text in entry.answer.items()} == {
        lang: [] for lang in entry.answer
    }


def test_every_topic_has_a_title_in_every_language() -> None:
    for topic in SHIPPED.knowledge.topics:
        assert set(topic.title) == set(LANGS), topic.id
        assert topic.entry_ids, topic.id
