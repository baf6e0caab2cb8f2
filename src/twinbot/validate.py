"""Content checks on a loaded knowledge base, and the one check everybody runs.

The loader checks the shape of the files; this module checks what they say: related ids that
resolve, answers Telegram would accept (its HTML subset, escaping, length), every language
present, and phrasings two entries share so closely that the matcher cannot tell them apart.
It prints nothing. `check_knowledge` (load + validate) is what `twinbot check`, the bot at
start-up and the hot reload all call, so they always agree on what is valid.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from rapidfuzz import fuzz, process

from twinbot.errors import KnowledgeError, Problem, Severity, sort_problems
from twinbot.knowledge import LANGS, Entry, KnowledgeBase, Lang
from twinbot.loader import NodePath, NodeSources, load_knowledge
from twinbot.textnorm import fold

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "CheckReport",
    "check_answer_html",
    "check_knowledge",
    "load_valid_knowledge",
    "validate",
]

#: Telegram's limit on a message's text once tags are removed (it counts UTF-16 code units).
MAX_MESSAGE_LENGTH = 4096
#: Two phrasings of different entries this similar (rapidfuzz ratio on folded forms) are
#: indistinguishable to the matcher...
NEAR_DUPLICATE_RATIO = 95
#: ...if they are at least this long once folded; short ones legitimately look alike.
NEAR_DUPLICATE_MIN_LENGTH = 12

_WARNING = Severity.WARNING


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The verdict on a knowledge folder: problems sorted by file, line and message."""

    knowledge: KnowledgeBase
    problems: tuple[Problem, ...]
    errors: int
    warnings: int
    files: tuple[str, ...]
    #: No errors; with `strict`, no warnings either.
    ok: bool
    strict: bool = False

    @property
    def summary(self) -> str:
        """The totals line: `2 errors, 1 warning in 6 files (31 entries)`."""
        files = _count(len(self.files), "file", "files")
        entries = _count(len(self.knowledge), "entry", "entries")
        if not self.problems:
            return f"OK: {files}, {entries}, no problems"
        errors = _count(self.errors, "error", "errors")
        warnings = _count(self.warnings, "warning", "warnings")
        text = f"{errors}, {warnings} in {files} ({entries})"
        if self.strict and self.warnings:
            text += " (strict: warnings count as errors)"
        return text

    def lines(self) -> list[str]:
        """One line per problem, then the totals (none when the folder itself is unusable)."""
        lines = [_describe(problem) for problem in self.problems]
        if self.files:
            lines.append(self.summary)
        return lines


def check_knowledge(directory: Path, *, strict: bool = False) -> CheckReport:
    """Load *directory* and validate it; never raises for anything in the files."""
    loaded = load_knowledge(directory)
    problems = list(loaded.problems)
    if loaded.files:
        problems += validate(loaded.knowledge, sources=loaded.sources)
    # dict.fromkeys: two empty "- " lines on one line are one problem to fix.
    problems = sort_problems(dict.fromkeys(problems))
    warnings = sum(1 for p in problems if p.severity is _WARNING)
    errors = len(problems) - warnings
    ok = errors == 0 and not (strict and warnings)
    return CheckReport(
        knowledge=loaded.knowledge,
        problems=tuple(problems),
        errors=errors,
        warnings=warnings,
        files=loaded.files,
        ok=ok,
        strict=strict,
    )


def load_valid_knowledge(directory: Path, *, strict: bool = False) -> KnowledgeBase:
    """The knowledge in *directory*; raises `KnowledgeError` listing every problem if not ok."""
    report = check_knowledge(directory, strict=strict)
    if not report.ok:
        raise KnowledgeError(report.problems)
    return report.knowledge


def validate(knowledge: KnowledgeBase, *, sources: NodeSources | None = None) -> list[Problem]:
    """Content problems in *knowledge*, unsorted.

    *sources* (from the loader) points problems at the exact field's line and skips fields
    the loader already reported; without it, problems point at the entry's line.
    """
    where = sources if sources is not None else NodeSources()
    problems: list[Problem] = []
    for topic in knowledge.topics:
        path = ("topic", topic.id, "title")
        if path not in where.reported:
            at = where.find(path, topic.source)
            for lang in LANGS:
                if lang not in topic.title:
                    message = f'topic "{topic.id}": title has no "{lang}" text'
                    hint = f'add "{lang}:" under "title:"'
                    problems.append(Problem(at.file, at.line, message, hint, _WARNING))
    for entry in knowledge:
        problems += _check_entry(entry, knowledge, where)
    problems += _check_phrasings(knowledge, where)
    return problems


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _describe(problem: Problem) -> str:
    # Line 0 marks a problem with the folder itself, which has no lines.
    if problem.line == 0:
        return str(problem).replace(f"{problem.file}:0: ", f"{problem.file}: ", 1)
    return str(problem)


# --- one entry --------------------------------------------------------------------------------


def _check_entry(entry: Entry, knowledge: KnowledgeBase, where: NodeSources) -> Iterator[Problem]:
    label = f'entry "{entry.id}"'
    for field, have, noun in (
        ("questions", entry.questions, "phrasings"),
        ("answer", entry.answer, "text"),
    ):
        path = ("entry", entry.id, field)
        if path in where.reported:
            continue
        verb = "have" if field == "questions" else "has"
        at = where.find(path, entry.source)
        for lang in LANGS:
            if lang not in have:
                message = f'{label}: {field} {verb} no "{lang}" {noun}'
                hint = f'add "{lang}:" under "{field}:"'
                yield Problem(at.file, at.line, message, hint, _WARNING)

    for lang, text in entry.answer.items():
        answer: NodePath = ("entry", entry.id, "answer", lang)
        at = where.find(answer, entry.source)
        for what, hint, offset, token in _html_problems_at(text):
            # The line of the tag itself, not of the "en: >-" above a long answer.
            line = where.line_of(answer, text, offset, token, entry.source)
            yield Problem(at.file, line, f'{label}: "{lang}" answer: {what}', hint)

    for index, related in enumerate(entry.related):
        link: NodePath = ("entry", entry.id, "related", index)
        if link in where.reported:
            continue  # explained by another problem (a file not read, a duplicate id)
        at = where.find(link, entry.source)
        if related == entry.id:
            message = f"{label}: related lists the entry itself"
            yield Problem(at.file, at.line, message, f'remove "{related}" from "related:"')
        elif related not in knowledge:
            ids = [e.id for e in knowledge]
            close = difflib.get_close_matches(related, ids, n=1)
            hint = f'did you mean "{close[0]}"?' if close else "check the spelling, or remove it"
            message = f'{label}: related id "{related}" does not exist'
            yield Problem(at.file, at.line, message, hint)


# --- phrasings two entries share --------------------------------------------------------------


def _check_phrasings(knowledge: KnowledgeBase, where: NodeSources) -> list[Problem]:
    """Phrasings of different entries that fold alike or nearly alike, once per later one.

    Built for 10,000s of entries: identical forms meet in a dict; near ones are compared
    only within blocks (see `_similar_pairs`), in C by rapidfuzz.
    """
    problems: list[Problem] = []
    entries = knowledge.entries
    # Parallel lists, one item per phrasing, in knowledge-base order (files by name, lines).
    spots: list[tuple[int, Lang, int]] = []  # (entry index, language, phrasing index)
    texts: list[str] = []
    by_form: dict[str, list[int]] = {}
    # Per language: folded form -> index of its entry, or a negative number if several share it.
    owner_of: dict[Lang, dict[str, int]] = {lang: {} for lang in LANGS}
    folded_of: dict[str, str] = {}
    for entry_index, entry in enumerate(entries):
        for lang, phrasings in entry.questions.items():
            owners = owner_of[lang]
            for index, text in enumerate(phrasings):
                form = folded_of.get(text)
                if form is None:
                    form = folded_of[text] = fold(text)
                if not form:
                    at = where.find(("entry", entry.id, "questions", lang, index), entry.source)
                    message = f'entry "{entry.id}": phrasing "{text}" has no letters or digits'
                    problems.append(Problem(at.file, at.line, message, "write words users type"))
                    continue
                number = len(spots)
                spots.append((entry_index, lang, index))
                texts.append(text)
                by_form.setdefault(form, []).append(number)
                if owners.setdefault(form, entry_index) != entry_index:
                    owners[form] = -1 - number

    # For each later phrasing, the earliest phrasing of another entry it clashes with.
    clash: dict[int, int] = {}

    def note(pairs: Iterable[tuple[int, int]]) -> None:
        for later, earlier in pairs:
            if earlier < clash.get(later, later):
                clash[later] = earlier

    for numbers in by_form.values():
        if len(numbers) > 1:
            note(_first_of_other_entry(spots, numbers, numbers))
    for lang in LANGS:
        owners = owner_of[lang]
        forms = [form for form in owners if len(form) >= NEAR_DUPLICATE_MIN_LENGTH]
        for a, b in _similar_pairs(forms, [owners[form] for form in forms]):
            first = [n for n in by_form[forms[a]] if spots[n][1] == lang]
            second = [n for n in by_form[forms[b]] if spots[n][1] == lang]
            note(_first_of_other_entry(spots, first, second))
            note(_first_of_other_entry(spots, second, first))

    for later, earlier in sorted(clash.items()):
        mine, theirs = entries[spots[later][0]], entries[spots[earlier][0]]
        at = where.find(("entry", mine.id, "questions", *spots[later][1:]), mine.source)
        origin = where.find(("entry", theirs.id, "questions", *spots[earlier][1:]), theirs.source)
        how = "identical" if texts[later] == texts[earlier] else "nearly identical"
        message = (
            f'entry "{mine.id}": "{texts[later]}" is {how} to a phrasing of entry '
            f'"{theirs.id}" ({origin}); the matcher cannot tell them apart'
        )
        problems.append(Problem(at.file, at.line, message, "reword or remove one", _WARNING))
    return problems


def _first_of_other_entry(
    spots: list[tuple[int, Lang, int]], candidates: list[int], laters: list[int]
) -> Iterator[tuple[int, int]]:
    """(later, earlier) for each of *laters* that comes after a phrasing of another entry
    among *candidates* (sorted): the first such one."""
    first = candidates[0]
    owner = spots[first][0]
    other = next((n for n in candidates if spots[n][0] != owner), None)
    for later in laters:
        earlier = first if spots[later][0] != owner else other
        if earlier is not None and earlier < later:
            yield later, earlier


def _similar_pairs(forms: list[str], owners: list[int]) -> set[tuple[int, int]]:
    """Index pairs (a < b) of *forms* of different owners with fuzz.ratio >= 95.

    Comparing all pairs is quadratic, so forms are compared only within blocks, and within
    a block only with forms of a length that can reach the ratio. Words are ranked from rare
    to common (by frequency here); two forms that differ in one word (a typo,
    "ersten"/"vierten", a word added or dropped) always share a block:
    - if the changed word is not the rarest word of both forms, the rarest word of one is
      the rarest or second rarest of the other: blocks by word, whose "rarest" members are
      compared with all members;
    - if it is the rarest of both, both have the same second rarest word, and the changed
      words share their first or last two letters unless they are very short: blocks by
      second rarest word and those letters.
    Forms that differ in several words are rarely this similar; they may be missed.
    """
    words = [form.split() for form in forms]
    frequency = Counter(chain.from_iterable(words))
    ordered = sorted(frequency, key=lambda word: (frequency[word], word))
    rank = {word: position for position, word in enumerate(ordered)}.__getitem__
    heads = ["<" + word[:2] for word in ordered]
    tails = [">" + word[-2:] for word in ordered]
    rarest: defaultdict[int, list[int]] = defaultdict(list)
    second: defaultdict[int, list[int]] = defaultdict(list)
    letters: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
    for index, ranks in enumerate([sorted(set(map(rank, parts))) for parts in words]):
        first = ranks[0]
        after = ranks[1] if len(ranks) > 1 else -1
        rarest[first].append(index)
        second[after].append(index)
        letters[after, heads[first]].append(index)
        letters[after, tails[first]].append(index)

    lengths = list(map(len, forms))
    pairs: set[tuple[int, int]] = set()
    for key, members in rarest.items():
        pool = members + second[key] if key in second else members
        if len(pool) > 1:
            _compare_block(forms, lengths, owners, members, pool, pairs)
    for members in letters.values():
        if len(members) > 1:
            _compare_block(forms, lengths, owners, members, members, pairs)
    return pairs


def _compare_block(
    forms: list[str],
    lengths: list[int],
    owners: list[int],
    queries: list[int],
    pool: list[int],
    pairs: set[tuple[int, int]],
) -> None:
    if len(pool) == 2:  # most blocks: one call instead of a search
        a, b = pool
        if owners[a] != owners[b] and fuzz.ratio(
            forms[a], forms[b], score_cutoff=NEAR_DUPLICATE_RATIO
        ):
            pairs.add((min(a, b), max(a, b)))
        return
    if len({owners[i] for i in pool}) < 2:
        return  # one entry's own phrasings may be alike
    pool = sorted(pool, key=lengths.__getitem__)
    choices = [forms[i] for i in pool]
    sizes = [lengths[i] for i in pool]
    low, high = _LENGTH_WINDOW
    for query in queries:
        size = lengths[query]
        start = bisect_left(sizes, -(-size * low // 100))
        stop = bisect_right(sizes, size * high // 100)
        if stop - start < 2:
            continue
        found = process.extract(
            forms[query],
            choices[start:stop],
            scorer=fuzz.ratio,
            score_cutoff=NEAR_DUPLICATE_RATIO,
            limit=None,
        )
        for _, _, offset in found:
            other = pool[start + offset]
            if owners[other] != owners[query]:
                pairs.add((min(query, other), max(query, other)))


# ratio = 100 * (1 - distance / (len1 + len2)) and distance >= |len1 - len2|, so a partner's
# length lies within these percentages of a form's length: 95/105 and 105/95.
_LENGTH_WINDOW = (
    100 * NEAR_DUPLICATE_RATIO // (200 - NEAR_DUPLICATE_RATIO),
    -(-100 * (200 - NEAR_DUPLICATE_RATIO) // NEAR_DUPLICATE_RATIO),
)


# --- Telegram's HTML subset -------------------------------------------------------------------

_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^<>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(
    r"""\s+([A-Za-z][A-Za-z0-9_:-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]*));")
_SPECIAL = re.compile(r"[<&]")
_SELF_CLOSING = re.compile(r"""(?:^|[\s"'])/\s*$""")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SUPPORTED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_LIST = "b, i, u, s, a, code, pre, blockquote and tg-spoiler"
_INSTEAD = {
    "br": "use a line break instead of <br>",
    "p": "separate paragraphs with an empty line instead",
    "ul": 'start each item on its own line with "• " instead',
    "ol": 'start each item on its own line with "1. " instead',
    "li": 'start each item on its own line with "• " instead',
    "h1": "use <b> for a heading",
    "h2": "use <b> for a heading",
    "h3": "use <b> for a heading",
    "div": "remove it; separate parts with an empty line",
    "img": "Telegram text cannot show images; link to it with <a href>",
}


def check_answer_html(text: str) -> list[str]:
    """What Telegram would reject in *text* as an HTML message ("what — how to fix" each)."""
    return [f"{what} — {hint}" for what, hint in _html_problems(text)]


def _html_problems(text: str) -> list[tuple[str, str]]:
    return list(dict.fromkeys((what, hint) for what, hint, _, _ in _html_problems_at(text)))


def _html_problems_at(text: str) -> list[tuple[str, str, int, str]]:
    """(what, hint, offset, token): each problem with where it is in *text* and the text
    found there (a tag, an entity), so the caller can find its line in the file."""
    problems: list[tuple[str, str, int, str]] = []
    visible: list[str] = []
    stack: list[str] = []
    # Where each tag on the stack was opened, and its text: "never closed" points there.
    opened: list[tuple[int, str]] = []
    position = 0

    def add(found: Iterable[tuple[str, str]], offset: int, token: str) -> None:
        problems.extend((what, hint, offset, token) for what, hint in found)

    for special in _SPECIAL.finditer(text):
        start = special.start()
        if start < position:
            continue  # inside a tag already consumed
        visible.append(text[position:start])
        if special.group() == "&":
            entity = _ENTITY.match(text, start)
            if entity is None:
                add([('unescaped "&"', 'write "&amp;" for a literal "&"')], start, "&")
                visible.append("&")
                position = start + 1
            else:
                decoded, problem = _decode_entity(entity)
                if problem:
                    add([problem], start, entity.group())
                visible.append(decoded)
                position = entity.end()
            continue
        tag = _TAG.match(text, start)
        if tag is None:
            hint = 'write "&lt;" for a literal "<", or finish the tag with ">"'
            add([('"<" that does not start a tag', hint)], start, "<")
            visible.append("<")
            position = start + 1
            continue
        position = tag.end()
        raw = tag.group()
        closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if name not in _SUPPORTED_TAGS:
            hint = _INSTEAD.get(name, f"Telegram supports only {_TAG_LIST}")
            add([(f"unsupported tag <{name}>", hint)], start, raw)
            continue
        if closing:
            index = len(stack) - 1 - stack[::-1].index(name) if name in stack else None
            add(_close(stack, name, attributes), start, raw)
            if index is not None:
                del opened[index]
        else:
            depth = len(stack)
            add(_open(stack, name, attributes), start, raw)
            if len(stack) > depth:
                opened.append((start, raw))
    visible.append(text[position:])
    for name, (offset, raw) in zip(reversed(stack), reversed(opened), strict=True):
        problems.append(
            (f"<{name}> is never closed", f"add </{name}> where it should end", offset, raw)
        )
    shown = "".join(visible)
    length = len(shown.encode("utf-16-le")) // 2
    if length > MAX_MESSAGE_LENGTH:
        what = f"too long: {length} characters without tags, Telegram allows {MAX_MESSAGE_LENGTH}"
        problems.append((what, "shorten it, or split it into two entries", 0, ""))
    elif not shown.strip():
        problems.append(("no text once tags are removed", "write the answer text", 0, ""))
    unique: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    for found in problems:
        unique.setdefault((found[0], found[1]), found)
    return list(unique.values())


def _decode_entity(entity: re.Match[str]) -> tuple[str, tuple[str, str] | None]:
    decimal, hexadecimal, name = entity.groups()
    if name is not None:
        if name in _NAMED_ENTITIES:
            return _NAMED_ENTITIES[name], None
        hint = "Telegram knows only &lt; &gt; &amp; &quot; and numeric ones such as &#160;"
        return entity.group(), (f'unsupported entity "{entity.group()}"', hint)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code), None
    return "", (f'invalid character reference "{entity.group()}"', "remove it")


def _attributes(text: str) -> dict[str, str] | None:
    """name -> value of the attributes in a tag, or None when they are malformed."""
    found: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _ATTRIBUTE.match(text, position)
        if match is None:
            return found if not text[position:].strip() else None
        name, *values = match.groups()
        found[name.lower()] = next((v for v in values if v is not None), "")
        position = match.end()
    return found


def _open(stack: list[str], name: str, raw: str) -> Iterable[tuple[str, str]]:
    if _SELF_CLOSING.search(raw):
        return [(f"<{name}/> does not exist in Telegram", f"write <{name}>…</{name}>")]
    attributes = _attributes(raw)
    parent = stack[-1] if stack else None
    stack.append(name)
    if attributes is None:
        return [(f"malformed <{name}> tag", 'write attributes as name="value"')]
    problems: list[tuple[str, str]] = []
    verbatim = next((t for t in reversed(stack[:-1]) if t in ("code", "pre")), None)
    if verbatim and not (name == "code" and parent == "pre"):
        hint = f"code and pre show text as typed; close <{verbatim}> before <{name}>"
        problems.append((f"<{name}> inside <{verbatim}>", hint))
    if name in ("a", "blockquote") and name in stack[:-1]:
        hint = f"close the first <{name}> before opening the next"
        problems.append((f"<{name}> inside another <{name}>", hint))
    if name == "a" and not attributes.get("href", "").strip():
        problems.append(("<a> without href", 'write <a href="https://…">text</a>'))
    if name == "span" and attributes.get("class") != "tg-spoiler":
        hint = "write <tg-spoiler>…</tg-spoiler> for a spoiler; other spans are not allowed"
        problems.append(('<span> without class="tg-spoiler"', hint))
    if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        problems.append(("<tg-emoji> without a numeric emoji-id", 'write emoji-id="…"'))
    if name == "code" and "class" in attributes:
        language = attributes["class"]
        if parent != "pre":
            hint = 'only code inside <pre> may name its language; remove class="…"'
            problems.append(("<code> with a class outside <pre>", hint))
        elif not language.startswith("language-"):
            hint = 'write class="language-python" (or another language name), or remove it'
            problems.append((f'<code class="{language}">', hint))
    return problems


def _close(stack: list[str], name: str, raw: str) -> Iterable[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if raw.strip():
        problems.append((f"malformed </{name}> tag", f"write just </{name}>"))
    if name not in stack:
        hint = f"remove it, or add <{name}> where it should start"
        return [*problems, (f"</{name}> without an opening <{name}>", hint)]
    if stack[-1] != name:
        inner = stack[-1]
        hint = f"close tags in reverse order: <{name}><{inner}>…</{inner}></{name}>"
        problems.append((f"</{name}> closes <{name}> while <{inner}> is still open", hint))
    # Close only this tag, so what is still open inside it is not reported a second time.
    del stack[len(stack) - 1 - stack[::-1].index(name)]
    return problems
