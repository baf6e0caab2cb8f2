"""The shipped knowledge base's own rule, beyond what `twinbot check --strict` enforces.

`twinbot check knowledge --strict` (run on the shipped folder by
tests/integration/test_check_cli.py) already fails on a missing language in any entry or
topic title, a related id that does not resolve or names its entry, an answer Telegram would
reject, and a file or topic without entries. What it does not know is the number of
phrasings the project holds itself to: 8 per language. One test per entry, so a failure names
it.
"""

from __future__ import annotations

import pytest

from auxil.responders import shipped
from twinbot.knowledge import LANGS, Entry

MIN_PHRASINGS = 8

ENTRIES = list(shipped())


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_entry_has_enough_phrasings(entry: Entry) -> None:
    counts = {lang: len(entry.questions.get(lang, ())) for lang in LANGS}
    assert all(count >= MIN_PHRASINGS for count in counts.values()), counts
