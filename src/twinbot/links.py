"""Deep links for posters and flyers: one `https://t.me/<bot>?start=…` per entry and topic.

`t.me/<bot>?start=<entry-id>` opens the chat with the bot and shows that answer;
`?start=topic-<topic-id>` shows the topic's questions (the bot's /start handler reads both, in
any case). This module lists them with the question each opens in every language, in the
tool formats of `twinbot links` (text, CSV, JSON), and writes QR codes (PNG and SVG, via segno)
for printing. Small talk gets no links: nobody prints a poster for "Hi!". Nothing here knows
Telegram's API; the bot's username comes from the caller.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import segno

from twinbot.knowledge import LANGS, KnowledgeBase, Lang

#: The /start payload for a topic is this prefix and the topic id.
TOPIC_PREFIX = "topic-"
#: Telegram accepts 1-64 characters of A-Z, a-z, 0-9, _ and - as a start parameter.
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Telegram usernames: 5-32 characters of letters, digits and underscores, starting a letter.
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
FORMATS = ("text", "csv", "json")
CSV_COLUMNS = ("kind", "id", "url", "en", "de", "ru")
#: Pixels per QR module in the PNG: about 4 cm wide at 300 dpi for a short link.
PNG_SCALE = 10


@dataclass(frozen=True, slots=True)
class DeepLink:
    """One link: what it opens, and the question (or topic title) per language."""

    kind: Literal["entry", "topic"]
    id: str
    payload: str
    url: str
    texts: Mapping[Lang, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "payload": self.payload,
            "url": self.url,
            "text": {lang: self.texts[lang] for lang in LANGS if lang in self.texts},
        }


def normalize_username(value: str) -> str | None:
    """`@TwinBot`, `twinbot`, `https://t.me/twinbot` -> the bare username; None if invalid."""
    name = value.strip().removeprefix("https://").removeprefix("t.me/").lstrip("@").strip("/")
    return name if _USERNAME.fullmatch(name) else None


def deep_links(knowledge: KnowledgeBase, username: str) -> tuple[list[DeepLink], list[str]]:
    """The links of every browsable entry, then of every browsable topic; and the ids that
    cannot be a start parameter (too long), as notes for the organiser."""
    base = f"https://t.me/{username}?start="
    links: list[DeepLink] = []
    skipped: list[str] = []
    for entry in knowledge.browsable_entries:
        texts = {lang: entry.questions[lang][0] for lang in LANGS if entry.questions.get(lang)}
        _add(links, skipped, DeepLink("entry", entry.id, entry.id, base + entry.id, texts))
    for topic in knowledge.browsable_topics:
        payload = TOPIC_PREFIX + topic.id
        if payload in knowledge:  # the bot opens the entry of that id, not the topic
            skipped.append(
                f'topic "{topic.id}": its link "{payload}" would open the entry with that id '
                "— rename one of them to print a link for the topic"
            )
            continue
        texts = {lang: topic.title[lang] for lang in LANGS if lang in topic.title}
        _add(links, skipped, DeepLink("topic", topic.id, payload, base + payload, texts))
    return links, skipped


def _add(links: list[DeepLink], skipped: list[str], link: DeepLink) -> None:
    if _PAYLOAD.fullmatch(link.payload):
        links.append(link)
    else:
        skipped.append(
            f'{link.kind} "{link.id}": "{link.payload}" is longer than the 64 characters a '
            "Telegram link can carry — give it a shorter id to print a link for it"
        )


def links_text(links: Sequence[DeepLink]) -> str:
    """One block per link: the URL, then the question it opens in each language."""
    blocks = []
    for link in links:
        kind = "topic " if link.kind == "topic" else ""
        lines = [f"{link.url}  ({kind}{link.id})"]
        lines += [f"  {lang}: {link.texts[lang]}" for lang in LANGS if lang in link.texts]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def links_csv(links: Sequence[DeepLink]) -> str:
    """One row per link, columns `CSV_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for link in links:
        writer.writerow(
            [
                link.kind,
                link.id,
                link.url,
                *(link.texts.get(lang, "") for lang in ("en", "de", "ru")),
            ]
        )
    return buffer.getvalue().rstrip("\n")


def links_json(links: Sequence[DeepLink]) -> str:
    return json.dumps([link.to_json() for link in links], ensure_ascii=False, indent=2)


def write_qr_codes(links: Sequence[DeepLink], directory: Path) -> list[Path]:
    """One `<payload>.png` and `<payload>.svg` per link in *directory* (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for link in links:
        # Error correction "M": survives a crease or a smudge on a printed poster.
        code = segno.make_qr(link.url, error="m")
        for suffix in (".png", ".svg"):
            path = directory / f"{link.payload}{suffix}"
            code.save(str(path), scale=PNG_SCALE if suffix == ".png" else 4, border=4)
            written.append(path)
    return written
