"""textnorm._stems: the spellings and forms of one word meet in one stem."""

from __future__ import annotations

import pytest

from twinbot.textnorm import stem


@pytest.mark.parametrize(
    ("forms", "lang"),
    [
        (["Düsseldorf", "Duesseldorf", "Dusseldorf", "Düsseldorfer"], "de"),
        (["Städte", "Staedte", "Stadt"], "de"),
        (["партнёров", "партнеров", "партнер"], "ru"),
        (["Калуге", "Калуга", "Калугу"], "ru"),
        (["счёту", "щёту", "счету"], "ru"),  # сч is said, and often written, щ
        (["cities", "city", "citys"], "en"),
        (["recognised", "recognized"], "en"),
    ],
)
def test_stem_variants_meet(forms: list[str], lang: str) -> None:
    stems = {stem(f.lower(), lang) for f in forms}  # type: ignore[arg-type]
    assert len(stems) == 1, stems
