"""The knowledge base as immutable values: languages, topics, entries.

This module owns the shape of what organisers write, after the loader has turned YAML into
typed values. It knows nothing of YAML files or of matching; everything here is frozen so one
`KnowledgeBase` can be shared by concurrent questions and swapped atomically on reload.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeGuard

Lang = Literal["en", "de", "ru"]
#: Every language twinbot speaks, in its fallback order (English is the last resort default).
LANGS: tuple[Lang, ...] = ("en", "de", "ru")
DEFAULT_LANG: Lang = "en"
#: What a topic is for: questions people browse, or small talk (greetings, thanks) that is
#: answered but kept out of menus, examples, inline results and the "most answered" list.
TopicKind = Literal["faq", "smalltalk"]
TOPIC_KINDS: tuple[TopicKind, ...] = ("faq", "smalltalk")
#: An entry's optional button label is at most this long (phones show about 40 characters).
MAX_BUTTON_LABEL = 40


def is_lang(value: object) -> TypeGuard[Lang]:
    """True when *value* is one of the language codes twinbot speaks."""
    return value in LANGS


@dataclass(frozen=True, slots=True)
class Source:
    """Where a node came from, for messages organisers can act on (1-based line)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def _frozen(mapping: Mapping[Lang, object] | None) -> Mapping[Lang, object]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Entry:
    """One question-and-answer unit; `id` is stable because deep links use it."""

    id: str
    topic: str
    questions: Mapping[Lang, tuple[str, ...]]
    answer: Mapping[Lang, str]
    keywords: Mapping[Lang, tuple[str, ...]] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    source: Source = Source("<memory>", 0)
    #: Optional short button labels per language (at most `MAX_BUTTON_LABEL` characters).
    label: Mapping[Lang, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only views so a shared entry cannot be changed behind the matcher's back.
        object.__setattr__(self, "questions", _frozen(self.questions))
        object.__setattr__(self, "answer", _frozen(self.answer))
        object.__setattr__(self, "keywords", _frozen(self.keywords))
        object.__setattr__(self, "label", _frozen(self.label))

    def __reduce__(self) -> tuple[object, ...]:
        # Read-only views don't pickle; rebuild them from plain dicts (the index cache).
        return (
            Entry,
            (
                self.id,
                self.topic,
                dict(self.questions),
                dict(self.answer),
                dict(self.keywords),
                self.related,
                self.source,
                dict(self.label),
            ),
        )

    def answer_lang(self, wanted: Lang) -> Lang:
        """The language to answer in: *wanted* if the entry has it, else the first it has."""
        if wanted in self.answer:
            return wanted
        for lang in LANGS:
            if lang in self.answer:
                return lang
        return wanted

    def title(self, lang: Lang) -> str:
        """The entry's canonical question in *lang* (its first phrasing), else in any language."""
        for candidate in (lang, *LANGS):
            phrasings = self.questions.get(candidate)
            if phrasings:
                return phrasings[0]
        return self.id

    def button_text(self, lang: Lang) -> str:
        """The text of a button opening this entry: its short label in *lang*, else its title."""
        return self.label.get(lang) or self.title(lang)


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries, shown as one button in /topics; one file per topic."""

    id: str
    title: Mapping[Lang, str]
    entry_ids: tuple[str, ...]
    source: Source = Source("<memory>", 0)
    kind: TopicKind = "faq"

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", _frozen(self.title))

    def __reduce__(self) -> tuple[object, ...]:
        return (Topic, (self.id, dict(self.title), self.entry_ids, self.source, self.kind))

    @property
    def smalltalk(self) -> bool:
        """True for greetings, thanks and the like: answered, never offered."""
        return self.kind == "smalltalk"

    def title_in(self, lang: Lang) -> str:
        """The topic title in *lang*, else in the first language that has one, else the id."""
        for candidate in (lang, *LANGS):
            if candidate in self.title:
                return self.title[candidate]
        return self.id


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All topics and entries; lookups by id are O(1)."""

    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]
    _by_id: Mapping[str, Entry] = field(init=False, repr=False, compare=False)
    _topic_by_id: Mapping[str, Topic] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in self.entries}))
        object.__setattr__(self, "_topic_by_id", MappingProxyType({t.id: t for t in self.topics}))

    def __reduce__(self) -> tuple[object, ...]:
        return (KnowledgeBase, (self.topics, self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, or None."""
        return self._topic_by_id.get(topic_id)

    @property
    def browsable_topics(self) -> tuple[Topic, ...]:
        """The topics menus, examples and the refusal offer: all but small talk."""
        return tuple(topic for topic in self.topics if not topic.smalltalk)

    @property
    def browsable_entries(self) -> tuple[Entry, ...]:
        """The entries of the browsable topics, in knowledge order."""
        return tuple(entry for entry in self.entries if not self.is_smalltalk(entry.id))

    def is_smalltalk(self, entry_id: str | None) -> bool:
        """True when *entry_id* belongs to a small-talk topic."""
        entry = self._by_id.get(entry_id or "")
        topic = self._topic_by_id.get(entry.topic) if entry is not None else None
        return topic is not None and topic.smalltalk

    def entries_of(self, topic_id: str) -> tuple[Entry, ...]:
        """The entries of a topic, in file order."""
        topic = self._topic_by_id.get(topic_id)
        if topic is None:
            return ()
        return tuple(self._by_id[i] for i in topic.entry_ids if i in self._by_id)
