"""knowledge/*.yaml -> `KnowledgeBase`, with file:line for every node and all problems at once.

This module owns the file format organisers write (documented in knowledge/README.md). It
reads each file safely (a YAML node tree from `compose`: nothing in a file can run code or
read other files), checks the structure against the format, and converts untyped YAML into
the frozen values of `twinbot.knowledge` right here, so no `Any` escapes. It never stops at
the first problem: it reports every structural problem in every file and still builds a
knowledge base from whatever parsed cleanly, so the content checks in `twinbot.validate` can
run on the rest. Content rules (related ids, HTML, missing languages, duplicate phrasings)
live in `validate`, not here.

Budgets come before parsing, because a knowledge folder is input from people and editors, not
from code: only regular files are opened (a FIFO or a device would block or never end), a
symlink may not lead out of the folder, files and the folder have size caps, and the number of
files, entries and phrasings is capped (`Budgets`). YAML aliases (`&a` … `*a`) are refused:
organisers never need them, and a few lines of them expand into gigabytes.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from twinbot.errors import Problem, Severity, sort_problems
from twinbot.knowledge import (
    LANGS,
    MAX_BUTTON_LABEL,
    TOPIC_KINDS,
    Entry,
    KnowledgeBase,
    Lang,
    Source,
    Topic,
    TopicKind,
    is_lang,
)

__all__ = [
    "DEFAULT_BUDGETS",
    "KNOWLEDGE_SUFFIXES",
    "Budgets",
    "LoadResult",
    "NodePath",
    "NodeSources",
    "is_knowledge_file",
    "knowledge_files",
    "load_knowledge",
    "read_knowledge_file",
]

#: File name endings the loader reads; everything else in the folder (README.md) is ignored.
KNOWLEDGE_SUFFIXES = (".yaml", ".yml")


def is_knowledge_file(name: str) -> bool:
    """Whether the loader reads a file of this name; the reloader and the index cache ask too."""
    # Dot files are editor backups and macOS metadata (`._x.yaml`), as a shell glob skips them.
    return name.endswith(KNOWLEDGE_SUFFIXES) and not name.startswith(".")


# libyaml is ~10x faster; both are safe loaders that only build nodes, never objects.
_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# "- id: x" or "id: x" at the start of a line: what a file that does not parse seems to define.
_CLAIMED_ID = re.compile(r"^[ \t-]*id:[ \t]*[\"']?([a-z0-9]+(?:-[a-z0-9]+)*)[\"']?[ \t]*$", re.M)
_TOP_KEYS = ("topic", "entries")
_TOPIC_KEYS = ("id", "title", "kind")
_ENTRY_KEYS = ("id", "questions", "answer", "keywords", "related", "label")
_LANG_LIST = "en, de and ru"

_CORE = "tag:yaml.org,2002:"
# Plain YAML values read as the text the organiser typed (`1969`, `2015-06-27`, `3.5`).
_TEXT_TAGS = frozenset(_CORE + t for t in ("str", "value", "int", "float", "timestamp"))
_STANDARD_TAGS = _TEXT_TAGS | frozenset(_CORE + t for t in ("bool", "null", "seq", "map"))
_BOOL = _CORE + "bool"
_NULL = _CORE + "null"
_MERGE = _CORE + "merge"

# Characters YAML refuses (C0/C1 controls, surrogates, U+FFFE/FFFF); checked up front so the
# message is ours, with line and column, whichever YAML parser is installed.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

#: A path to a field inside a topic or entry, e.g. ("entry", "x", "questions", "de", 3).
NodePath = tuple[str | int, ...]


_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Budgets:
    """What a knowledge folder may hold at most; checked before anything is parsed.

    The bundled knowledge base uses a small fraction of each: 6 files, 30 entries, ~100 KB,
    22 phrasings in the longest list. The caps only stop what no organiser writes by hand.
    """

    #: Bytes per file: ~20x the largest bundled topic file ...
    file_bytes: int = 2 * _MB
    #: ... and in the whole folder.
    folder_bytes: int = 20 * _MB
    #: Knowledge files in the folder (one topic each).
    files: int = 500
    #: Entries in the folder; the matcher is benchmarked up to 50,000.
    entries: int = 50_000
    #: Items in one list: the phrasings or keywords of one language, the related ids.
    list_items: int = 500
    #: Problems reported per file; reading stops there (one mistake often causes the rest).
    file_problems: int = 200


DEFAULT_BUDGETS = Budgets()


@dataclass(frozen=True, slots=True)
class NodeSources:
    """Lines of the fields inside topics and entries, beyond the `source` each one carries.

    Paths: ("topic", id, "title"), ("entry", id, "questions" | "answer" | "keywords" |
    "related"), ("entry", id, "questions", lang, i), ("entry", id, "answer", lang),
    ("entry", id, "related", i). `reported` holds the fields the loader already reported a
    problem in, so content checks do not echo it (a broken "answer:" is not also "missing ru").
    """

    lines: Mapping[NodePath, Source] = field(default_factory=dict)
    reported: frozenset[NodePath] = frozenset()
    #: ("entry", id, "answer", lang) -> (line, the scalar as written in the file), so a
    #: problem inside a long answer can point at the line of the tag, not of "en: >-".
    texts: Mapping[NodePath, tuple[int, str]] = field(default_factory=dict)

    def line_of(self, path: NodePath, value: str, offset: int, token: str, default: Source) -> int:
        """The file line of *token*, found at *offset* in the loaded *value* of *path*."""
        found = self.texts.get(path)
        if found is None or not token:
            return self.find(path, default).line
        line, raw = found
        nth = value.count(token, 0, offset)
        position = -1
        for _ in range(nth + 1):
            position = raw.find(token, position + 1)
            if position < 0:  # folded across lines or escaped in quotes: the field's line
                return self.find(path, default).line
        return line + raw.count("\n", 0, position)

    def find(self, path: NodePath, default: Source) -> Source:
        """Where the field at *path* starts, else *default* (the entry's or topic's line)."""
        return self.lines.get(path, default)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What the loader made of a folder: the knowledge, every structural problem, the files."""

    knowledge: KnowledgeBase
    problems: tuple[Problem, ...]
    #: Every knowledge file found, as shown in messages (the folder as the caller gave it).
    files: tuple[str, ...]
    sources: NodeSources = field(default_factory=NodeSources)


def load_knowledge(directory: Path, budgets: Budgets = DEFAULT_BUDGETS) -> LoadResult:
    """Read every knowledge file in *directory*, in sorted name order; never raises on content.

    File names in problems and sources are `directory / name` as given, so a user who typed
    `knowledge` reads `knowledge/workshops.yaml:42`. Nothing is parsed before the folder is
    known to be within *budgets*.
    """
    folder = str(directory)
    empty = KnowledgeBase((), ())
    paths, problems, found = knowledge_files(directory, budgets)
    if not paths:
        return LoadResult(empty, tuple(problems), found)
    assembler = _Assembler()
    assembler.problems += problems
    declared = 0
    for path in paths:
        reader = _FileReader(str(path), budgets, budgets.entries - declared)
        reader.read(path)
        assembler.add(reader)
        declared += reader.declared
    if declared > budgets.entries:
        message = f"{declared:,} entries, more than the {budgets.entries:,} allowed"
        hint = "split the knowledge base between bots, or remove entries nobody asks for"
        assembler.problems.append(Problem(folder, 0, message, hint))
    return assembler.result(found)


def knowledge_files(
    directory: Path, budgets: Budgets = DEFAULT_BUDGETS
) -> tuple[list[Path], list[Problem], tuple[str, ...]]:
    """The knowledge files of *directory* that may be read, why others may not, all found.

    Looks only at names and `stat` results: nothing is opened, so a FIFO or a device cannot
    block and a huge file costs nothing. A folder over its budget yields no files to read.
    """
    folder = str(directory)
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        hint = "check the path (it is relative to the current folder)"
        return [], [Problem(folder, 0, "knowledge folder not found", hint)], ()
    except OSError as exc:
        problem = Problem(folder, 0, f"cannot read the folder: {_reason(exc)}", _PERMISSIONS)
        return [], [problem], ()
    if not stat.S_ISDIR(info.st_mode):
        hint = "give the folder that contains the knowledge files, not a file"
        return [], [Problem(folder, 0, "not a folder", hint)], ()
    try:
        with os.scandir(directory) as scan:
            names = sorted(e.name for e in scan if is_knowledge_file(e.name))
    except OSError as exc:
        problem = Problem(folder, 0, f"cannot read the folder: {_reason(exc)}", _PERMISSIONS)
        return [], [problem], ()
    if not names:
        hint = "add one YAML file per topic, as described in knowledge/README.md"
        message = "no knowledge files (*.yaml) in this folder"
        return [], [Problem(folder, 0, message, hint)], ()
    if len(names) > budgets.files:
        message = f"{len(names):,} knowledge files, more than the {budgets.files:,} allowed"
        hint = "keep one file per topic here and move everything else out of the folder"
        return [], [Problem(folder, 0, message, hint)], ()
    found = tuple(str(directory / name) for name in names)
    root = os.path.realpath(directory)
    paths: list[Path] = []
    problems: list[Problem] = []
    total = 0
    for name in names:
        path = directory / name
        refused, size = _admissible(path, root, budgets)
        if refused is not None:
            problems.append(refused)
            continue
        paths.append(path)
        total += size
    if total > budgets.folder_bytes:
        message = (
            f"the knowledge files take {_size(total)}, more than the "
            f"{_size(budgets.folder_bytes)} allowed in one folder"
        )
        hint = "remove files that are not knowledge (exports, backups) from the folder"
        return [], [*problems, Problem(folder, 0, message, hint)], found
    return paths, problems, found


def _admissible(path: Path, root: str, budgets: Budgets) -> tuple[Problem | None, int]:
    """(why *path* may not be read, or None; its size), from `lstat`/`stat` alone."""
    file = str(path)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(path)
            if os.path.commonpath([root, target]) != root:
                hint = "copy the file into the knowledge folder instead of linking to it"
                return Problem(file, 1, "a link to a file outside the knowledge folder", hint), 0
            info = os.stat(path)
    except FileNotFoundError:
        hint = "the link points nowhere; remove it or copy the file here"
        return Problem(file, 1, "cannot read the file: it does not exist", hint), 0
    except OSError as exc:
        hint = "check that it is a readable file"
        return Problem(file, 1, f"cannot read the file: {_reason(exc)}", hint), 0
    if not stat.S_ISREG(info.st_mode):
        hint = "only YAML text files belong in the knowledge folder; remove or rename it"
        return Problem(file, 1, f"not a regular file ({_file_kind(info.st_mode)})", hint), 0
    if info.st_size > budgets.file_bytes:
        message = (
            f"the file is {_size(info.st_size)}, more than the {_size(budgets.file_bytes)} "
            "a knowledge file may have"
        )
        hint = "split it into several topic files, or remove what is not knowledge"
        return Problem(file, 1, message, hint), 0
    return None, info.st_size


def read_knowledge_file(path: Path, limit: int = DEFAULT_BUDGETS.file_bytes) -> bytes:
    """The bytes of a regular file of at most *limit* bytes; raises OSError otherwise.

    Opened without blocking (a FIFO swapped in after `stat` cannot hang the reader) and read no
    further than the limit, so a file that grows meanwhile costs at most that much.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file ({_file_kind(info.st_mode)})")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, _MB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise OSError(f"the file grew past {_size(limit)} while being read")
        return b"".join(chunks)
    finally:
        os.close(fd)


_PERMISSIONS = "check its permissions"


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _size(size: int) -> str:
    if size >= _MB:
        return f"{size / _MB:.1f} MB"
    return f"{size / 1024:.0f} KB"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


# --- one file ---------------------------------------------------------------------------------


class _TooManyProblems(Exception):
    """A file reached its problem budget; reading it stops at *line*."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


@dataclass(slots=True)
class _RawTopic:
    id: str | None
    title: dict[Lang, str]
    source: Source
    title_line: Source | None = None
    title_reported: bool = False
    kind: TopicKind = "faq"


@dataclass(slots=True)
class _RawEntry:
    id: str
    source: Source
    questions: dict[Lang, tuple[str, ...]] = field(default_factory=dict)
    answer: dict[Lang, str] = field(default_factory=dict)
    keywords: dict[Lang, tuple[str, ...]] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    label: dict[Lang, str] = field(default_factory=dict)
    # Answers as written: (line, raw text), relative to ("entry", id).
    texts: dict[NodePath, tuple[int, str]] = field(default_factory=dict)
    # Field lines and reported fields, relative to ("entry", id).
    lines: dict[NodePath, Source] = field(default_factory=dict)
    reported: set[NodePath] = field(default_factory=set)


class _FileReader:
    """Checks one file's structure and collects its topic and entries and problems."""

    def __init__(self, file: str, budgets: Budgets = DEFAULT_BUDGETS, room: int = 0) -> None:
        self.file = file
        self._budgets = budgets
        # Entries the folder's budget still has room for (checked by the caller too).
        self._room = room
        #: How many entries the file lists, read or not.
        self.declared = 0
        self.problems: list[Problem] = []
        self.topic: _RawTopic | None = None
        self.entries: list[_RawEntry] = []
        self._text = ""
        #: When the file could not be read or parsed: the line of that problem, and the ids
        #: it seems to define (so links into it are reported once, as not checked).
        self.unread_line: int | None = None
        self.unread_ids: tuple[str, ...] = ()
        self._bad_tags: set[int] = set()
        # (mapping node, key) pairs an unknown key already suggested ("questons" -> "questions"),
        # so the missing key is not reported a second time.
        self._meant: set[tuple[int, str]] = set()
        # Grows with every problem inside a field, including tags reported up front, so a
        # field can be marked as already reported.
        self.damage = 0

    # -- reporting

    def error(self, where: Node | int, message: str, hint: str = "") -> None:
        line = where if isinstance(where, int) else _line(where)
        if len(self.problems) >= self._budgets.file_problems:
            raise _TooManyProblems(line)
        self.problems.append(Problem(self.file, line, message, hint))
        self.damage += 1

    def source(self, node: Node) -> Source:
        return Source(self.file, _line(node))

    def tagged(self, node: Node) -> bool:
        """True for a node with an unsupported tag: already reported, so skipped quietly."""
        if id(node) in self._bad_tags:
            self.damage += 1
            return True
        return False

    # -- the file as a whole

    def read(self, path: Path) -> None:
        try:
            self._read(path)
        except _TooManyProblems as stop:
            message = f"more than {self._budgets.file_problems:,} problems; stopped reading here"
            hint = "fix the problems above (often one mistake causes many) and check again"
            self.problems.append(Problem(self.file, stop.line, message, hint))
            self.entries.clear()

    def _read(self, path: Path) -> None:
        text = self._text_of(path)
        if text is None:
            self.unread_line = self.problems[-1].line if self.problems else 1
            return
        self._text = text
        if "*" in text and self._refuse_aliases(text):
            # Not read at all: what links to its ids is told about this file, not "unknown".
            self.unread_line = self.problems[-1].line
            self.unread_ids = tuple(dict.fromkeys(_CLAIMED_ID.findall(text)))
            return
        root = self._compose(text)
        if root is None:
            if self.problems:
                self.unread_line = self.problems[-1].line
                self.unread_ids = tuple(dict.fromkeys(_CLAIMED_ID.findall(text)))
            return
        self._check_tags(root)
        self._read_root(root)

    def _text_of(self, path: Path) -> str | None:
        try:
            data = read_knowledge_file(path, self._budgets.file_bytes)
        except OSError as exc:
            self.error(
                1, f"cannot read the file: {_reason(exc)}", "check that it is a readable file"
            )
            return None
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.error(1, "the file is saved as UTF-16", "save it with the UTF-8 encoding")
            return None
        if b"\x00" in data:
            hint = "only YAML text files belong in the knowledge folder; remove or rename it"
            self.error(1, "not a text file (it contains binary data)", hint)
            return None
        try:
            # utf-8-sig: some Windows editors start UTF-8 files with a byte-order mark.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - data.rfind(b"\n", 0, exc.start)
            message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column})"
            self.error(line, message, "save the file with the UTF-8 encoding in your editor")
            return None
        bad = _NOT_PRINTABLE.search(text)
        if bad is not None:
            line, column = _line_column(text, bad.start())
            message = (
                f"YAML syntax error at column {column}: invisible control character "
                f"U+{ord(bad.group()):04X} is not allowed"
            )
            self.error(line, message, "delete it (retype the text around it if unsure)")
            return None
        return text

    def _compose(self, text: str) -> Node | None:
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            line, message, hint = _describe_syntax_error(exc, text)
            self.error(line, message, hint)
            return None
        except yaml.YAMLError as exc:
            self.error(1, f"YAML syntax error: {exc}", _SYNTAX_FALLBACK_HINT)
            return None
        except RecursionError:
            self.error(1, "YAML syntax error: lists or mappings nested too deeply", "simplify it")
            return None
        if root is None:
            hint = 'start it with "topic:" and "entries:", as described in knowledge/README.md'
            self.error(1, "the file is empty", hint)
        return root

    def _check_tags(self, root: Node) -> None:
        """Report every explicit tag (`!!python/object`, `!include`): plain data only."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:  # aliases are refused earlier; this only guards the walk
                continue
            seen.add(id(node))
            if node.tag == _MERGE:
                self._bad_tags.add(id(node))
                self.error(
                    node, 'merge keys ("<<") are not supported', "write the fields out in full"
                )
            elif node.tag not in _STANDARD_TAGS:
                self._bad_tags.add(id(node))
                tag = node.tag.replace(_CORE, "!!", 1) if node.tag.startswith(_CORE) else node.tag
                hint = "remove it; knowledge files hold only text, lists and mappings"
                self.error(node, f'unsupported YAML tag "{tag}"', hint)
            if isinstance(node, MappingNode):
                for key, value in _pairs(node):
                    stack += (value, key)
            elif isinstance(node, SequenceNode):
                stack += reversed(_items(node))

    def _refuse_aliases(self, text: str) -> bool:
        """Report the file's aliases, if any, as one problem at the first; True if there were.

        Runs on the parser's events, before any node is built: a few lines of nested aliases
        stand for billions of nodes, and even the shared node graph is costly to walk.
        """
        first, count = 1, 0
        anchors: set[str] = set()
        try:
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, NodeEvent) and event.anchor is not None:
                    # An alias of an undefined anchor is a syntax error the composer reports.
                    if not isinstance(event, AliasEvent):
                        anchors.add(event.anchor)
                    elif event.anchor in anchors:
                        count += 1
                        if count == 1 and event.start_mark is not None:
                            first = event.start_mark.line + 1
        except yaml.YAMLError:
            if not count:
                return False  # a syntax error: composing reports it, with its line
        if not count:
            return False
        others = f" (and {count - 1:,} more in this file)" if count > 1 else ""
        message = f'YAML aliases ("*name") are not supported{others}'
        self.error(first, message, 'write the text out in full where "*" stands')
        return True

    def _read_root(self, root: Node) -> None:
        if self.tagged(root):
            return
        if not isinstance(root, MappingNode):
            hint = 'start the file with "topic:" and then "entries:" (see knowledge/README.md)'
            self.error(root, f"the file must be a mapping, not {_kind(root)}", hint)
            return
        fields = self.fields(root, _TOP_KEYS, "")
        topic_field = fields.get("topic")
        if topic_field is not None:
            self._read_topic(*topic_field)
        elif not self.meant(root, "topic"):
            hint = 'add "topic:" with "id:" and "title:" at the top of the file'
            self.error(root, 'missing "topic:"', hint)
        label = f'topic "{self.topic.id}"' if self.topic and self.topic.id else "topic"
        entries_field = fields.get("entries")
        if entries_field is None:
            self.error(root, f"{label} has no entries", 'add "entries:" with at least one entry')
            return
        key, value = entries_field
        if self.tagged(value):
            return
        if _is_empty(value) or (isinstance(value, SequenceNode) and not _items(value)):
            self.error(key, f"{label} has no entries", 'add at least one entry under "entries:"')
            return
        if not isinstance(value, SequenceNode):
            hint = 'start each entry with "- id: …" on its own line under "entries:"'
            self.error(value, f'"entries" must be a list, not {_kind(value)}', hint)
            return
        items = _items(value)
        self.declared = len(items)
        if len(items) > self._room:
            # The caller reports the folder's total; reading on would only cost memory.
            items = items[: max(self._room, 0) + 1]
        for number, item in enumerate(items, start=1):
            self._read_entry(item, number)

    # -- topic

    def _read_topic(self, key: Node, node: Node) -> None:
        if self.tagged(node):
            return
        if not isinstance(node, MappingNode):
            hint = 'write "id:" and "title:" indented under "topic:"'
            self.error(node, f'"topic" must be a mapping, not {_kind(node)}', hint)
            return
        fields = self.fields(node, _TOPIC_KEYS, "topic")
        topic_id = self._read_id(fields.get("id"), node, "topic", "topic")
        topic = _RawTopic(topic_id, {}, self.source(node))
        self.topic = topic
        label = f'topic "{topic_id}"' if topic_id else "topic"
        kind = fields.get("kind")
        if kind is not None:
            topic.kind = self._read_kind(kind[1], label)
        title = fields.get("title")
        if title is None:
            if not self.meant(node, "title"):
                hint = 'add "title: {en: …, de: …, ru: …}"'
                self.error(node, f'{label} has no "title"', hint)
            topic.title_reported = True
            return
        title_key, title_node = title
        topic.title_line = self.source(title_key)
        before = self.damage
        topic.title = self._text_map(title_node, label, "title")
        topic.title_reported = self.damage > before

    def _read_kind(self, node: Node, label: str) -> TopicKind:
        hint = 'write "kind: smalltalk" (or "faq", the default), or remove the line'
        text = self.text(node, label, '"kind"', hint)
        for kind in TOPIC_KINDS:
            if text is not None and text.lower() == kind:
                return kind
        if text is not None:
            self.error(node, f'{label}: unknown kind "{text}"', hint)
        return "faq"

    # -- entries

    def _read_entry(self, node: Node, number: int) -> None:
        if self.tagged(node):
            return
        if not isinstance(node, MappingNode):
            hint = 'each entry is a mapping starting with "- id: …"; check the indentation'
            self.error(node, f"entry #{number} must be a mapping, not {_kind(node)}", hint)
            return
        # Label the entry by the id it claims even if malformed, so messages name it.
        claimed = _scalar_text(_field_node(node, "id"))
        label = f'entry "{claimed}"' if claimed else f"entry #{number}"
        fields = self.fields(node, _ENTRY_KEYS, label)
        entry_id = self._read_id(fields.get("id"), node, label, "entry")
        entry = _RawEntry(entry_id or "", self.source(node))

        for name, read in (
            ("questions", self._read_questions),
            ("answer", self._read_answer),
            ("keywords", self._read_keywords),
            ("related", self._read_related),
            ("label", self._read_label),
        ):
            pair = fields.get(name)
            if pair is None:
                if name in ("questions", "answer"):
                    entry.reported.add((name,))
                    if not self.meant(node, name):
                        example = "phrasings" if name == "questions" else "the answer"
                        hint = f'add "{name}:" with {example} in {_LANG_LIST}'
                        self.error(node, f'{label} has no "{name}"', hint)
                continue
            key, value = pair
            entry.lines[(name,)] = self.source(key)
            before = self.damage
            read(entry, value, label)
            if self.damage > before:
                entry.reported.add((name,))
        if entry_id is not None:
            self.entries.append(entry)

    def _read_questions(self, entry: _RawEntry, node: Node, label: str) -> None:
        lists = self._list_map(node, label, "questions", "phrasing", entry, required=True)
        entry.questions = {lang: items for lang, items in lists.items() if items}

    def _read_keywords(self, entry: _RawEntry, node: Node, label: str) -> None:
        lists = self._list_map(node, label, "keywords", "keyword", entry, required=False)
        entry.keywords = {lang: items for lang, items in lists.items() if items}

    def _read_answer(self, entry: _RawEntry, node: Node, label: str) -> None:
        entry.answer = self._text_map(node, label, "answer", entry)

    def _read_label(self, entry: _RawEntry, node: Node, label: str) -> None:
        labels: dict[Lang, str] = {}
        for lang, _, value in self._languages(node, label, "label", "text", entry):
            text = self.text(
                value, label, f'"{lang}" label', f'write a short button text or remove "{lang}:"'
            )
            if text is None:
                continue
            text = " ".join(text.split())
            if len(text) > MAX_BUTTON_LABEL:
                message = (
                    f'"{lang}" label is {len(text)} characters long, more than a button shows '
                    f"({MAX_BUTTON_LABEL})"
                )
                hint = f"shorten it to at most {MAX_BUTTON_LABEL} characters"
                self.error(value, _labelled(label, message), hint)
                continue
            labels[lang] = text
        entry.label = labels

    def _read_related(self, entry: _RawEntry, node: Node, label: str) -> None:
        if self.tagged(node) or _is_empty(node):
            return
        if not isinstance(node, SequenceNode):
            example = _scalar_text(node) or "other-entry-id"
            hint = f"write a list, e.g. [{example}]"
            self.error(node, f'{label}: "related" must be a list of ids, not {_kind(node)}', hint)
            return
        if self._too_long(node, label, '"related"'):
            return
        related: list[str] = []
        for item in _items(node):
            text = self.text(item, label, "a related id", 'remove the empty "- " line')
            if text is None:
                continue
            if not _ID.fullmatch(text):
                self.error(item, f'{label}: related id "{text}" is not a valid id', _ID_HINT)
                continue
            entry.lines[("related", len(related))] = self.source(item)
            related.append(text)
        entry.related = tuple(related)

    def _too_long(self, node: SequenceNode, label: str, what: str) -> bool:
        cap = self._budgets.list_items
        count = len(node.value)
        if count <= cap:
            return False
        message = f"{what} has {count:,} items, more than the {cap:,} allowed"
        self.error(node, _labelled(label, message), "keep the best ones and remove the rest")
        return True

    # -- ids

    def _read_id(
        self, pair: tuple[Node, Node] | None, owner: Node, label: str, kind: str
    ) -> str | None:
        if pair is None:
            if not self.meant(owner, "id"):
                self.error(owner, f'{label} has no "id"', f'add "id: some-name" ({_ID_RULE})')
            return None
        _, node = pair
        text = self.text(node, label, '"id"', f"write an id ({_ID_RULE})")
        if text is None:
            return None
        if not _ID.fullmatch(text):
            suggestion = _slug(text)
            hint = f'use {_ID_RULE}, e.g. "{suggestion}"' if suggestion else f"use {_ID_RULE}"
            self.error(node, f'{kind} id "{text}" is not valid', hint)
            return None
        return text

    # -- generic shapes

    def fields(
        self, node: MappingNode, allowed: tuple[str, ...], label: str
    ) -> dict[str, tuple[Node, Node]]:
        """The known keys of a mapping; reports unknown, duplicate and non-text keys."""

        def unknown(name: str) -> tuple[str, str]:
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            if not close:
                return f'unknown key "{name}"', "the keys here are " + _listing(allowed)
            self._meant.add((id(node), close[0]))
            return f'unknown key "{name}"', f'did you mean "{close[0]}"?'

        return self._mapping(node, allowed, label, unknown)

    def meant(self, node: Node, name: str) -> bool:
        """True when a misspelt key in *node* was already reported as meaning *name*."""
        return (id(node), name) in self._meant

    def _mapping(
        self,
        node: MappingNode,
        allowed: tuple[str, ...],
        label: str,
        unknown: Callable[[str], tuple[str, str]],
    ) -> dict[str, tuple[Node, Node]]:
        found: dict[str, tuple[Node, Node]] = {}
        first_line: dict[str, int] = {}
        for key, value in _pairs(node):
            if id(key) in self._bad_tags:
                continue
            if not isinstance(key, ScalarNode):
                hint = (
                    "keys are plain words such as " + _listing(allowed) + "; check the indentation"
                )
                self.error(key, _labelled(label, f"a key must be a word, not {_kind(key)}"), hint)
                continue
            name = str(key.value)
            if name in first_line:
                message = f'"{name}" appears twice (also on line {first_line[name]})'
                hint = "YAML would keep only the last one; merge them into one"
                self.error(key, _labelled(label, message), hint)
                continue
            first_line[name] = _line(key)
            if name not in allowed:
                message, hint = unknown(name)
                self.error(key, _labelled(label, message), hint)
                continue
            found[name] = (key, value)
        return found

    def _languages(
        self, node: Node, label: str, what: str, inner: str, entry: _RawEntry | None
    ) -> Iterator[tuple[Lang, Node, Node]]:
        """(lang, key, value) of a language mapping such as `answer:` or `questions:`."""
        if self.tagged(node):
            return
        each = "its text" if inner == "text" else inner
        add = f'add "en:", "de:" and "ru:" under "{what}:", each with {each}'
        if _is_empty(node):
            self.error(node, _labelled(label, f'"{what}" is empty'), add)
            return
        if not isinstance(node, MappingNode):
            message = f'"{what}" must be a mapping of language to {inner}, not {_kind(node)}'
            self.error(node, _labelled(label, message), add)
            return

        def unknown(name: str) -> tuple[str, str]:
            close = difflib.get_close_matches(name.lower(), LANGS, n=1, cutoff=0.6)
            speak = f"twinbot speaks {_LANG_LIST} only"
            hint = f'did you mean "{close[0]}"? {speak}' if close else f"{speak}; use one of these"
            return f'unknown language "{name}" in "{what}"', hint

        pairs = self._mapping(node, LANGS, label, unknown)
        if not _pairs(node):
            self.error(node, _labelled(label, f'"{what}" has no languages'), add)
        for name, (key, value) in pairs.items():
            if is_lang(name):
                if entry is not None:
                    entry.lines[(what, name)] = self.source(key)
                yield name, key, value

    def _text_map(
        self, node: Node, label: str, what: str, entry: _RawEntry | None = None
    ) -> dict[Lang, str]:
        texts: dict[Lang, str] = {}
        for lang, _, value in self._languages(node, label, what, "text", entry):
            text = self.text(
                value, label, f'"{lang}" {what}', f'write the text or remove "{lang}:"'
            )
            if text is not None:
                texts[lang] = text
                if entry is not None and value.start_mark and value.end_mark:
                    raw = self._text[value.start_mark.index : value.end_mark.index]
                    entry.texts[(what, lang)] = (_line(value), raw)
        return texts

    def _list_map(
        self,
        node: Node,
        label: str,
        what: str,
        item: str,
        entry: _RawEntry,
        *,
        required: bool,
    ) -> dict[Lang, tuple[str, ...]]:
        lists: dict[Lang, tuple[str, ...]] = {}
        for lang, _, value in self._languages(node, label, what, f"a list of {item}s", entry):
            if self.tagged(value):
                continue
            if _is_empty(value) or (isinstance(value, SequenceNode) and not _items(value)):
                if required:
                    hint = f'add {item}s as "- …" lines under "{lang}:", or remove "{lang}:"'
                    self.error(value, _labelled(label, f'no {item}s under "{lang}"'), hint)
                continue
            if not isinstance(value, SequenceNode):
                hint = f'write each {item} on its own line starting with "- ", or [first, second]'
                message = f'{what} "{lang}" must be a list of {item}s, not {_kind(value)}'
                self.error(value, _labelled(label, message), hint)
                continue
            if self._too_long(value, label, f'{what} "{lang}"'):
                continue
            texts: list[str] = []
            for child in _items(value):
                text = self.text(
                    child, label, f'a {item} in "{lang}"', 'remove the empty "- " line'
                )
                if text is not None:
                    entry.lines[(what, lang, len(texts))] = self.source(child)
                    texts.append(text)
            lists[lang] = tuple(texts)
        return lists

    def text(self, node: Node, label: str, what: str, empty_hint: str) -> str | None:
        """The text of a scalar; numbers and dates count as typed (`1969` is "1969")."""
        if self.tagged(node):
            return None
        if isinstance(node, ScalarNode):
            value = str(node.value)
            if node.tag in _TEXT_TAGS:
                if value.strip():
                    return value.strip()
                self.error(node, _labelled(label, f"{what} is empty"), empty_hint)
            elif node.tag == _NULL and not value:
                self.error(node, _labelled(label, f"{what} is empty"), empty_hint)
            elif node.tag in (_NULL, _BOOL):
                meaning = "nothing" if node.tag == _NULL else "true/false"
                message = f"{what} ({value}) is read by YAML as {meaning}, not as text"
                self.error(node, _labelled(label, message), f'put it in quotes: "{value}"')
            return None
        hint = "check the indentation"
        if isinstance(node, MappingNode) and len(_pairs(node)) == 1:
            hint = 'put the text in quotes: it contains ": ", which YAML reads as "key: value"'
        self.error(node, _labelled(label, f"{what} must be text, not {_kind(node)}"), hint)
        return None


# --- across files -----------------------------------------------------------------------------


class _Assembler:
    """Joins files into one knowledge base; ids must be unique across all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.topics: list[Topic] = []
        self.entries: list[Entry] = []
        self.lines: dict[NodePath, Source] = {}
        self.reported: set[NodePath] = set()
        self._topic_at: dict[str, Source] = {}
        self._entry_at: dict[str, Source] = {}
        self.texts: dict[NodePath, tuple[int, str]] = {}
        # Problems of duplicate entry ids (kept open for a better hint), by the id.
        self._duplicates: dict[str, list[int]] = {}
        # Files that could not be read: their problem's line, and the ids they seem to define.
        self._unread: dict[str, int] = {}
        self._unread_ids: dict[str, str] = {}

    def add(self, reader: _FileReader) -> None:
        self.problems += reader.problems
        if reader.unread_line is not None:
            self._unread[reader.file] = reader.unread_line
            for claimed in reader.unread_ids:
                self._unread_ids.setdefault(claimed, reader.file)
        topic = reader.topic
        topic_id = topic.id if topic is not None else None
        if topic is not None and topic_id is not None:
            if topic_id in self._topic_at:
                message = f'duplicate topic id "{topic_id}" (also in {self._topic_at[topic_id]})'
                hint = "give each topic its own id"
                self.problems.append(Problem(topic.source.file, topic.source.line, message, hint))
                topic = None
            else:
                self._topic_at[topic_id] = topic.source
        entry_ids: list[str] = []
        for raw in reader.entries:
            if raw.id in self._entry_at:
                message = f'duplicate entry id "{raw.id}" (also in {self._entry_at[raw.id]})'
                hint = "give each entry its own id"
                self._duplicates.setdefault(raw.id, []).append(len(self.problems))
                self.problems.append(Problem(raw.source.file, raw.source.line, message, hint))
                continue
            self._entry_at[raw.id] = raw.source
            entry_ids.append(raw.id)
            self.entries.append(
                Entry(
                    id=raw.id,
                    topic=topic_id or "",
                    questions=raw.questions,
                    answer=raw.answer,
                    keywords=raw.keywords,
                    related=raw.related,
                    source=raw.source,
                    label=raw.label,
                )
            )
            for path, source in raw.lines.items():
                self.lines[("entry", raw.id, *path)] = source
            for path, written in raw.texts.items():
                self.texts[("entry", raw.id, *path)] = written
            self.reported.update(("entry", raw.id, *path) for path in raw.reported)
        if topic is not None and topic.id is not None:
            self.topics.append(
                Topic(topic.id, topic.title, tuple(entry_ids), topic.source, topic.kind)
            )
            if topic.title_line is not None:
                self.lines[("topic", topic.id, "title")] = topic.title_line
            if topic.title_reported:
                self.reported.add(("topic", topic.id, "title"))

    def _explain_links(self) -> None:
        """One root cause, one problem: links that fail only because of another problem.

        A link into a file that could not be read is not "missing": one note on that file
        says its links were not checked. A link to an id that does not exist, when that id
        looks like a duplicated one ("a-two" next to two "a-one"), most likely means a copied
        entry kept its old id: the duplicate's problem says so, instead of a "did you mean"
        that points at the wrong entry.
        """
        known = {entry.id for entry in self.entries}
        into: dict[str, list[Source]] = {}
        for entry in self.entries:
            for index, target in enumerate(entry.related):
                path: NodePath = ("entry", entry.id, "related", index)
                if target in known or target == entry.id:
                    continue
                at = self.lines.get(path, entry.source)
                unread = self._unread_ids.get(target)
                if unread is not None:
                    into.setdefault(unread, []).append(at)
                    self.reported.add(path)
                    continue
                close = difflib.get_close_matches(target, sorted(known), n=1)
                if close and close[0] in self._duplicates:
                    for number in self._duplicates[close[0]]:
                        dup = self.problems[number]
                        hint = f'give each entry its own id — maybe "{target}", which {at} links to'
                        self.problems[number] = replace(dup, hint=hint)
                    self.reported.add(path)
        for file, links in into.items():
            count = len(links)
            where = ", ".join(str(s) for s in sorted(set(links), key=lambda s: (s.file, s.line)))
            message = (
                f"{count} related link{'s' if count != 1 else ''} into this file "
                f"({where}) not checked: the file could not be read"
            )
            hint = "fix the error in this file; its links are checked again then"
            line = self._unread[file]
            self.problems.append(Problem(file, line, message, hint, Severity.WARNING))

    def result(self, files: tuple[str, ...]) -> LoadResult:
        self._explain_links()
        sources = NodeSources(
            MappingProxyType(dict(self.lines)),
            frozenset(self.reported),
            MappingProxyType(dict(self.texts)),
        )
        knowledge = KnowledgeBase(tuple(self.topics), tuple(self.entries))
        return LoadResult(knowledge, tuple(sort_problems(self.problems)), files, sources)


# --- YAML nodes -------------------------------------------------------------------------------


def _line(node: Node) -> int:
    mark = node.start_mark
    return mark.line + 1 if mark is not None else 1


def _pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    pairs: list[tuple[Node, Node]] = []
    for pair in node.value:
        key, value = pair
        if isinstance(key, Node) and isinstance(value, Node):
            pairs.append((key, value))
    return pairs


def _items(node: SequenceNode) -> list[Node]:
    return [item for item in node.value if isinstance(item, Node)]


def _field_node(node: MappingNode, name: str) -> Node | None:
    for key, value in _pairs(node):
        if isinstance(key, ScalarNode) and key.value == name:
            return value
    return None


def _scalar_text(node: Node | None) -> str:
    if isinstance(node, ScalarNode) and node.tag in _TEXT_TAGS:
        return str(node.value).strip()
    return ""


def _is_empty(node: Node) -> bool:
    """`key:` with nothing after it."""
    return isinstance(node, ScalarNode) and node.tag == _NULL and node.value == ""


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        _BOOL: "true/false",
        _NULL: "empty",
        _CORE + "int": "a number",
        _CORE + "float": "a number",
        _CORE + "timestamp": "a date",
    }.get(node.tag, "a single text")


def _labelled(label: str, message: str) -> str:
    return f"{label}: {message}" if label else message


def _listing(names: tuple[str, ...]) -> str:
    return ", ".join(f'"{n}"' for n in names)


_ID_RULE = "lower-case latin letters, digits and single hyphens"
_ID_HINT = f"ids use {_ID_RULE}; copy the id of the entry you mean"


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - text.rfind("\n", 0, index)


# --- YAML syntax errors -----------------------------------------------------------------------

_SYNTAX_FALLBACK_HINT = "compare the line with the example in knowledge/README.md"

# (words in libyaml's or PyYAML's message, our description, hint): the two parsers word the
# same error differently, so organisers get one wording whichever is installed.
_SYNTAX_ERRORS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("mapping values are not allowed",),
        "mapping values are not allowed here",
        'if the text contains ": ", put the whole text in quotes; otherwise check the indentation',
    ),
    (
        ("escape",),
        "unknown escape sequence in double quotes",
        'a backslash starts an escape inside "…": use single quotes instead, or write \\\\',
    ),
    (
        ("quoted scalar",),
        "quote is opened but never closed",
        "end the text with the same quote it starts with; for a quote inside the text, use the "
        "other kind of quote around it",
    ),
    (
        ("single document",),
        'a second document starts here ("---")',
        'a file holds one topic: remove the "---" line, or move the rest into its own file',
    ),
    (
        ("alias",),
        'text starting with "*" is read as an alias',
        "put the whole text in quotes",
    ),
    (
        ("anchor",),
        'text starting with "&" is read as an anchor',
        "put the whole text in quotes",
    ),
    (
        ("flow sequence",),
        "a [ … ] list is not closed properly",
        'close it with "]" and put items containing ",", ":", "[" or "]" in quotes',
    ),
    (
        ("flow mapping",),
        "a { … } mapping is not closed properly",
        'close it with "}" and put texts containing ",", ":", "{" or "}" in quotes',
    ),
    (
        ("block scalar",),
        'a "|" or ">" text block is written wrongly',
        'put nothing but a line break after "|" or ">", then indent the text below',
    ),
    (
        ("expected ':'", "simple key"),
        'a line without "key: value"',
        'check the indentation of this line and the one above; a long text needs "key:" first',
    ),
    (
        ("block collection", "'-' indicator"),
        "this line does not fit into the list above",
        'list items start with "- " in the same column; check the indentation',
    ),
    (
        ("block mapping", "expected key", "block end"),
        "this line does not line up with the lines above",
        "keys of one mapping start in the same column; nothing may follow a quoted text on "
        "its line",
    ),
)


def _describe_syntax_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str, str]:
    """(line, message, hint) for a YAML syntax error, with column and a concrete fix."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    if "quoted scalar" in context and "end of stream" in problem and exc.context_mark:
        mark = exc.context_mark  # point at the quote that was never closed, not at the end
    if mark is None:
        return 1, f"YAML syntax error: {problem or context}", _SYNTAX_FALLBACK_HINT
    lines = text.splitlines()
    row = lines[mark.line] if mark.line < len(lines) else ""
    column = mark.column
    if "escape" in problem and "\\" in row[: column + 1]:
        column = row.rindex("\\", 0, column + 1)  # libyaml points at the backslash, PyYAML after
    char = row[column : column + 1]
    line, where = mark.line + 1, f"YAML syntax error at column {column + 1}"
    if char == "\t" or "tab" in problem:
        return line, f"{where}: a tab character", "YAML indents with spaces only; replace the tab"
    if "cannot start any token" in problem:
        shown = char or "this character"
        message = f'{where}: "{shown}" cannot start a value'
        return line, message, "put the whole text in quotes"
    words = f"{context} {problem}"
    for needles, description, hint in _SYNTAX_ERRORS:
        if any(needle in words for needle in needles):
            return line, f"{where}: {description}", hint
    return line, f"{where}: {problem or context}", _SYNTAX_FALLBACK_HINT
