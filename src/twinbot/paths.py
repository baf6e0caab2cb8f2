"""Where the bundled knowledge base and message catalogs live.

In a wheel they are package data under `twinbot/_bundled/`; in a source checkout (editable
install, tests) they are the repository's top-level `knowledge/` and `locales/` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    packaged = _PACKAGE / "_bundled" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent.parent / name


def bundled_knowledge_dir() -> Path:
    """The knowledge base shipped with twinbot."""
    return _bundled("knowledge")


def bundled_locales_dir() -> Path:
    """The gettext catalogs shipped with twinbot (`<lang>/LC_MESSAGES/twinbot.po`)."""
    return _bundled("locales")
