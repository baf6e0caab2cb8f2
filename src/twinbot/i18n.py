"""Gettext catalogs via Babel, and locale negotiation.

The mechanism (load `locales/<lang>/LC_MESSAGES/twinbot.po`, compile it in memory, look
strings up) is separate from the policy (which language applies to one update), which
belongs to the callers. English is the source language: a missing translation falls back to
the msgid. Nothing here knows about Telegram.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from twinbot.errors import TwinbotError
from twinbot.knowledge import LANGS, Lang, is_lang
from twinbot.paths import bundled_locales_dir

DOMAIN = "twinbot"


@dataclass(frozen=True, slots=True)
class Translator:
    """Strings, numbers and dates for one language."""

    lang: Lang
    _translations: NullTranslations

    def gettext(self, message: str) -> str:
        """The translation of *message* (an English msgid), or the msgid itself."""
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The plural form for *n* (Russian has three), not yet formatted."""
        return self._translations.ngettext(singular, plural, n)

    def number(self, value: float) -> str:
        """*value* formatted for this locale (1,000 / 1.000 / 1 000)."""
        return format_decimal(value, locale=self.lang)

    def percent(self, fraction: float) -> str:
        """*fraction* (0..1) as a whole percentage for this locale (38% / 38 %)."""
        return format_percent(fraction, locale=self.lang)

    def date(self, value: date | datetime, style: str = "medium") -> str:
        """A date (or date and time) formatted for this locale."""
        if isinstance(value, datetime):
            return format_datetime(value, style, locale=self.lang)
        return format_date(value, style, locale=self.lang)


class Catalogs:
    """The compiled catalogs of every language, loaded once."""

    def __init__(self, translations: dict[Lang, NullTranslations]) -> None:
        self._translators = {
            lang: Translator(lang, translations.get(lang, NullTranslations())) for lang in LANGS
        }

    @classmethod
    def load(cls, locales_dir: Path | None = None) -> Catalogs:
        """Read and compile `<dir>/<lang>/LC_MESSAGES/twinbot.po` for every language."""
        root = locales_dir or bundled_locales_dir()
        loaded: dict[Lang, NullTranslations] = {}
        for lang in LANGS:
            po_path = root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            if not po_path.is_file():
                continue
            try:
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=lang, domain=DOMAIN)
            except Exception as exc:  # babel raises several types for a broken catalog
                raise TwinbotError(f"{po_path}: cannot read message catalog: {exc}") from exc
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            loaded[lang] = Translations(fp=buffer, domain=DOMAIN)
        return cls(loaded)

    def translator(self, lang: Lang) -> Translator:
        """The translator for *lang*."""
        return self._translators[lang]


def negotiate(language_code: str | None) -> Lang | None:
    """The twinbot language for a client locale tag such as Telegram's `language_code`.

    `de-AT`, `ru_RU`, `en-GB` map to their language; Ukrainian and Belarusian users get
    Russian before English (closer and widely read); anything else gives None.
    """
    if not language_code:
        return None
    try:
        locale = Locale.parse(language_code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    language = locale.language
    if is_lang(language):
        return language
    if language in {"uk", "be", "kk"}:
        return "ru"
    if language in {"gsw", "lb"}:
        return "de"
    return None
