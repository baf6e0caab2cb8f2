"""The gettext catalogs: complete de/ru translations, matching placeholders, a fresh .pot."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from twinbot.paths import bundled_locales_dir

ROOT = Path(__file__).resolve().parents[2]
LOCALES = bundled_locales_dir()
POT = LOCALES / "twinbot.pot"
# Named placeholders only ("{name}"); "{0}" or "{}" would make translators guess.
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TRANSLATED = ("de", "ru")


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (str(message.id),)


def strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (tuple, list)):
        return tuple(message.string)
    return (message.string or "",)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_msgid_is_translated(lang: str) -> None:
    catalog = read(LOCALES / lang / "LC_MESSAGES" / "twinbot.po", lang)
    missing = [ids(m)[0] for m in messages(catalog) if not all(strings(m)) or m.fuzzy]
    assert missing == [], f"{lang}: untranslated or fuzzy: {missing}"


@pytest.mark.parametrize("lang", ["de", "ru", "en"])
def test_placeholders_match(lang: str) -> None:
    catalog = read(LOCALES / lang / "LC_MESSAGES" / "twinbot.po", lang)
    wrong = []
    for message in messages(catalog):
        expected = set().union(*(placeholders(i) for i in ids(message)))
        assert all(name.isidentifier() for name in expected), ids(message)[0]
        for translation in strings(message):
            if translation and placeholders(translation) != expected:
                wrong.append((ids(message)[0], translation))
    assert wrong == []


@pytest.mark.parametrize("lang", ["de", "ru", "en"])
def test_po_files_have_the_msgids_of_the_template(lang: str) -> None:
    template = {ids(m) for m in messages(read(POT))}
    catalog = {ids(m) for m in messages(read(LOCALES / lang / "LC_MESSAGES" / "twinbot.po"))}
    assert catalog == template, "run `pybabel update` (see locales/README.md)"


def test_russian_has_three_plural_forms() -> None:
    catalog = read(LOCALES / "ru" / "LC_MESSAGES" / "twinbot.po", "ru")
    assert catalog.num_plurals == 3
    for message in messages(catalog):
        if message.pluralizable:
            assert len(strings(message)) == 3 and all(strings(message)), message.id


@pytest.mark.skipif(
    shutil.which("pybabel") is None and not Path(sys.executable).with_name("pybabel").exists(),
    reason="pybabel not installed",
)
@pytest.mark.slow
def test_template_is_fresh(tmp_path: Path) -> None:
    pybabel = shutil.which("pybabel") or str(Path(sys.executable).with_name("pybabel"))
    fresh = tmp_path / "twinbot.pot"
    subprocess.run(
        [
            pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            "src/twinbot",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {ids(m) for m in messages(read(fresh))}
    committed = {ids(m) for m in messages(read(POT))}
    assert extracted == committed, (
        f"locales/twinbot.pot is stale: new {sorted(extracted - committed)}, "
        f"gone {sorted(committed - extracted)} — re-extract (see locales/README.md)"
    )
