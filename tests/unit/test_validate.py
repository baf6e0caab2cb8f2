"""Content checks: Telegram's HTML, related ids, languages, phrasings two entries share."""

from __future__ import annotations

import random
import string
import time
from itertools import accumulate
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from twinbot.errors import KnowledgeError, Problem, Severity
from twinbot.knowledge import Entry, KnowledgeBase, Lang, Source, Topic
from twinbot.loader import NodeSources
from twinbot.validate import (
    CheckReport,
    _similar_pairs,
    check_answer_html,
    check_knowledge,
    load_valid_knowledge,
    validate,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
ALL: dict[Lang, str] = {"en": "Yes.", "de": "Ja.", "ru": "Да."}

# --- Telegram's HTML subset -------------------------------------------------------------------

GOOD_HTML = [
    "plain text, a > b, 100% sure",
    "<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>i</ins>",
    "<s>s</s> <strike>s</strike> <del>d</del> <B>upper case</b>",
    '<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler>',
    "<a href=\"https://example.org/?a=1&b=2\">a link</a> <a href='https://x.org'>x</a>",
    '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    '<pre><code class="language-python">print(1)</code></pre> <pre>x</pre> <code>y</code>',
    "<blockquote>q</blockquote> <blockquote expandable>long q</blockquote>",
    "&lt;tag&gt; &amp; &quot;quoted&quot; &#160; &#x1F600;",
    "<b>bold <i>and italic <u>and underlined</u></i></b>",
    '<a href="https://x.org"><b>bold link</b></a>\nsecond line',
    "ж" * 4096,
]

BAD_HTML = [
    ("<p>x</p>", ["unsupported tag <p> — separate paragraphs with an empty line instead"]),
    ("a<br>b", ["unsupported tag <br> — use a line break instead of <br>"]),
    ("<h2>T</h2>", ["unsupported tag <h2> — use <b> for a heading"]),
    (
        "<font>x</font>",
        [
            "unsupported tag <font> — Telegram supports only b, i, u, s, a, code, pre, "
            "blockquote and tg-spoiler"
        ],
    ),
    ("<b/>x", ["<b/> does not exist in Telegram — write <b>…</b>"]),
    (
        "<b><i>x</b></i>",
        ["</b> closes <b> while <i> is still open — close tags in reverse order: <b><i>…</i></b>"],
    ),
    ("<b>x", ["<b> is never closed — add </b> where it should end"]),
    ("x</i>", ["</i> without an opening <i> — remove it, or add <i> where it should start"]),
    (
        "</b x>y",
        [
            "malformed </b> tag — write just </b>",
            "</b> without an opening <b> — remove it, or add <b> where it should start",
        ],
    ),
    ('<a title="x">y</a>', ['<a> without href — write <a href="https://…">text</a>']),
    ('<a href="">y</a>', ['<a> without href — write <a href="https://…">text</a>']),
    (
        '<a href="x"><a href="y">z</a></a>',
        [
            "<a> inside another <a> — close the first <a> before opening the next",
        ],
    ),
    (
        "<span>s</span>",
        [
            '<span> without class="tg-spoiler" — write <tg-spoiler>…</tg-spoiler> for a spoiler; '
            "other spans are not allowed",
        ],
    ),
    ("<tg-emoji>x</tg-emoji>", ['<tg-emoji> without a numeric emoji-id — write emoji-id="…"']),
    (
        "<code><b>x</b></code>",
        [
            "<b> inside <code> — code and pre show text as typed; close <code> before <b>",
        ],
    ),
    (
        "<pre><i>x</i></pre>",
        [
            "<i> inside <pre> — code and pre show text as typed; close <pre> before <i>",
        ],
    ),
    (
        '<code class="language-py">x</code>',
        [
            "<code> with a class outside <pre> — only code inside <pre> may name its language; "
            'remove class="…"',
        ],
    ),
    (
        '<pre><code class="py">x</code></pre>',
        [
            '<code class="py"> — write class="language-python" (or another language name), or '
            "remove it",
        ],
    ),
    (
        "<blockquote><blockquote>x</blockquote></blockquote>",
        [
            "<blockquote> inside another <blockquote> — close the first <blockquote> before "
            "opening the next",
        ],
    ),
    ("Q&A", ['unescaped "&" — write "&amp;" for a literal "&"']),
    (
        "ages < 18",
        [
            '"<" that does not start a tag — write "&lt;" for a literal "<", or finish '
            'the tag with ">"'
        ],
    ),
    (
        "<b>x</b",
        [
            '"<" that does not start a tag — write "&lt;" for a literal "<", or finish the tag '
            'with ">"',
            "<b> is never closed — add </b> where it should end",
        ],
    ),
    (
        "a&nbsp;b",
        [
            'unsupported entity "&nbsp;" — Telegram knows only &lt; &gt; &amp; &quot; '
            "and numeric ones such as &#160;"
        ],
    ),
    ("x &#xD800; y", ['invalid character reference "&#xD800;" — remove it']),
    (
        "<b>" + "ж" * 4097 + "</b>",
        [
            "too long: 4097 characters without tags, Telegram allows 4096 — shorten it, or split "
            "it into two entries",
        ],
    ),
    (
        "😀" * 2049,
        [  # Telegram counts UTF-16 code units: an emoji is two
            "too long: 4098 characters without tags, Telegram allows 4096 — shorten it, or split "
            "it into two entries",
        ],
    ),
    ("<b> </b>", ["no text once tags are removed — write the answer text"]),
    ("Q&A & more &", ['unescaped "&" — write "&amp;" for a literal "&"']),  # reported once
]


@pytest.mark.parametrize("text", GOOD_HTML)
def test_html_telegram_accepts(text: str) -> None:
    assert check_answer_html(text) == []


@pytest.mark.parametrize(("text", "expected"), BAD_HTML, ids=[t[:30] for t, _ in BAD_HTML])
def test_html_telegram_rejects(text: str, expected: list[str]) -> None:
    assert check_answer_html(text) == expected


# --- validate on a knowledge base in memory ---------------------------------------------------


def entry(entry_id: str, line: int, **fields: object) -> Entry:
    questions = fields.pop(
        "questions", {lang: (f"What about {entry_id} ({lang})?",) for lang in ALL}
    )
    answer = fields.pop("answer", ALL)
    return Entry(
        id=entry_id,
        topic="t",
        questions=questions,  # type: ignore[arg-type]
        answer=answer,  # type: ignore[arg-type]
        source=Source("k/t.yaml", line),
        **fields,  # type: ignore[arg-type]
    )


def knowledge(*entries: Entry, title: dict[Lang, str] | None = None) -> KnowledgeBase:
    topic = Topic("t", title or ALL, tuple(e.id for e in entries), Source("k/t.yaml", 1))
    return KnowledgeBase((topic,), entries)


def lines(problems: list[Problem]) -> list[str]:
    return sorted(str(p) for p in problems)


def test_a_complete_knowledge_base_has_no_problems() -> None:
    kb = knowledge(entry("a", 5, related=("b",)), entry("b", 9, related=("a",)))
    assert validate(kb) == []


def test_related_ids_must_exist_and_not_be_the_entry_itself() -> None:
    kb = knowledge(
        entry("conference-motto", 5, related=("conference-moto", "conference-motto", "gone")),
    )
    assert lines(validate(kb)) == [
        'k/t.yaml:5: entry "conference-motto": related id "conference-moto" does not exist — '
        'did you mean "conference-motto"?',
        'k/t.yaml:5: entry "conference-motto": related id "gone" does not exist — check the '
        "spelling, or remove it",
        'k/t.yaml:5: entry "conference-motto": related lists the entry itself — remove '
        '"conference-motto" from "related:"',
    ]


def test_missing_languages_are_warnings() -> None:
    kb = knowledge(
        entry(
            "a", 5, questions={"en": ("Only English here?",)}, answer={"en": "Yes.", "ru": "Да."}
        ),
        title={"en": "T"},
    )
    problems = validate(kb)
    assert all(p.severity is Severity.WARNING for p in problems)
    assert lines(problems) == [
        'k/t.yaml:1: warning: topic "t": title has no "de" text — add "de:" under "title:"',
        'k/t.yaml:1: warning: topic "t": title has no "ru" text — add "ru:" under "title:"',
        'k/t.yaml:5: warning: entry "a": answer has no "de" text — add "de:" under "answer:"',
        'k/t.yaml:5: warning: entry "a": questions have no "de" phrasings — add "de:" under '
        '"questions:"',
        'k/t.yaml:5: warning: entry "a": questions have no "ru" phrasings — add "ru:" under '
        '"questions:"',
    ]


def test_sources_point_at_fields_and_skip_what_the_loader_reported() -> None:
    kb = knowledge(
        entry("a", 5, questions={"en": ("Only English here?",)}, answer={"en": "<b>x"}),
    )
    sources = NodeSources(
        lines={
            ("entry", "a", "questions"): Source("k/t.yaml", 6),
            ("entry", "a", "answer", "en"): Source("k/t.yaml", 9),
        },
        reported=frozenset({("entry", "a", "answer")}),
    )
    assert lines(validate(kb, sources=sources)) == [
        'k/t.yaml:6: warning: entry "a": questions have no "de" phrasings — add "de:" under '
        '"questions:"',
        'k/t.yaml:6: warning: entry "a": questions have no "ru" phrasings — add "ru:" under '
        '"questions:"',
        'k/t.yaml:9: entry "a": "en" answer: <b> is never closed — add </b> where it should end',
    ]


def test_phrasings_two_entries_share() -> None:
    kb = knowledge(
        entry(
            "first",
            5,
            questions={
                "en": ("When was the conference?", "Who was it?", "Karlsruhe"),
                "de": ("Was war das Thema des ersten Workshops?", "Wann war die Konferenz?"),
                "ru": ("Когда была конференция?",),
            },
        ),
        entry(
            "second",
            9,
            questions={
                "en": ("when was the conference", "Who was in?", "Where was the conference held?"),
                "de": ("Was war das Thema des vierten Workshops?", "Karlsruhe"),
                "ru": ("Когда была конференция?", "Когда была конференцыя в Карлсруэ?"),
            },
        ),
        entry(
            "third",
            12,
            questions={
                "en": ("WHEN WAS THE CONFERENCE?!", "Where was the conference held"),
                "de": ("Wann war die Konferenz?",),
                "ru": ("Когда была конференция в Карлсруэ?",),
            },
        ),
    )
    tail = "the matcher cannot tell them apart — reword or remove one"
    # Once per later phrasing, naming the earliest one of another entry it clashes with.
    assert lines(validate(kb)) == [
        f'k/t.yaml:12: warning: entry "third": "WHEN WAS THE CONFERENCE?!" is nearly identical '
        f'to a phrasing of entry "first" (k/t.yaml:5); {tail}',
        f'k/t.yaml:12: warning: entry "third": "Wann war die Konferenz?" is identical to a '
        f'phrasing of entry "first" (k/t.yaml:5); {tail}',
        f'k/t.yaml:12: warning: entry "third": "Where was the conference held" is nearly '
        f'identical to a phrasing of entry "second" (k/t.yaml:9); {tail}',
        f'k/t.yaml:12: warning: entry "third": "Когда была конференция в Карлсруэ?" is nearly '
        f'identical to a phrasing of entry "second" (k/t.yaml:9); {tail}',
        # Identical phrasings clash across languages too; near ones only within one.
        f'k/t.yaml:9: warning: entry "second": "Karlsruhe" is identical to a phrasing of entry '
        f'"first" (k/t.yaml:5); {tail}',
        f'k/t.yaml:9: warning: entry "second": "Was war das Thema des vierten Workshops?" is '
        f'nearly identical to a phrasing of entry "first" (k/t.yaml:5); {tail}',
        f'k/t.yaml:9: warning: entry "second": "when was the conference" is nearly identical '
        f'to a phrasing of entry "first" (k/t.yaml:5); {tail}',
        f'k/t.yaml:9: warning: entry "second": "Когда была конференция?" is identical to a '
        f'phrasing of entry "first" (k/t.yaml:5); {tail}',
    ]
    # "Who was it?" and "Who was in?" are alike, but too short to call near-duplicates.


def test_phrasings_of_one_entry_may_be_alike() -> None:
    same = {
        "en": ("When was the conference?", "when was the conference", "When was the conferense?")
    }
    assert validate(knowledge(entry("a", 5, questions=same, answer={"en": "x"}))) == [
        Problem(
            "k/t.yaml",
            5,
            f'entry "a": questions have no "{lang}" phrasings',
            f'add "{lang}:" under "questions:"',
            Severity.WARNING,
        )
        for lang in ("de", "ru")
    ] + [
        Problem(
            "k/t.yaml",
            5,
            f'entry "a": answer has no "{lang}" text',
            f'add "{lang}:" under "answer:"',
            Severity.WARNING,
        )
        for lang in ("de", "ru")
    ]


def test_a_phrasing_without_letters_is_an_error() -> None:
    kb = knowledge(
        entry("a", 5, questions={"en": ("???", "Real question?"), "de": ("Ja?",), "ru": ("Да?",)})
    )
    assert lines(validate(kb)) == [
        'k/t.yaml:5: entry "a": phrasing "???" has no letters or digits — write words users type',
    ]


# --- near-duplicates at scale -----------------------------------------------------------------


def synthetic_forms(entries: int, per_entry: int, seed: int) -> tuple[list[str], list[int]]:
    """Folded-looking phrasings: question frames, stop words and each entry's own words."""
    rnd = random.Random(seed)
    frames = ["what is", "when was", "where is", "how do i", "who organised", "tell me about"]
    common = ["the", "a", "conference", "city", "partner", "in", "of", "for", "and", "2015"]
    vocabulary = [
        "".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(4, 12))) for _ in range(30000)
    ]
    # Zipf-like: a few of the entries' words are common, most are rare.
    cumulative = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(vocabulary))))
    owner_of: dict[str, int] = {}
    for number in range(entries):
        own = rnd.choices(vocabulary, cum_weights=cumulative, k=6)
        for _ in range(per_entry):
            words = [rnd.choice(frames), *rnd.sample(own, rnd.randint(1, 3))]
            words += rnd.choices(common, k=rnd.randint(0, 3))
            rnd.shuffle(words)
            form = " ".join(words)
            if len(form) >= 12 and owner_of.setdefault(form, number) != number:
                owner_of[form] = -1 - len(owner_of)
    forms = list(owner_of)
    return forms, [owner_of[form] for form in forms]


def one_edit(form: str, rnd: random.Random) -> str:
    """*form* with one letter changed, added or removed in a word of four or more letters."""
    words = form.split()
    candidates = [i for i, word in enumerate(words) if len(word) >= 4]
    index = rnd.choice(candidates)
    word = words[index]
    at = rnd.randrange(len(word))
    letter = rnd.choice(string.ascii_lowercase)
    words[index] = rnd.choice(
        [
            word[:at] + letter + word[at + 1 :],
            word[:at] + letter + word[at:],
            word[:at] + word[at + 1 :],
        ]
    )
    return " ".join(words)


def test_near_duplicates_differing_in_one_word_are_always_found() -> None:
    forms, owners = synthetic_forms(entries=2000, per_entry=10, seed=11)
    rnd = random.Random(5)
    planted: set[tuple[int, int]] = set()
    known = set(forms)
    for original in rnd.sample(range(len(forms)), 400):
        if len(forms[original]) < 24:
            continue
        copy = one_edit(forms[original], rnd)
        if copy in known or fuzz.ratio(forms[original], copy) < 95:
            continue
        known.add(copy)
        planted.add((original, len(forms)))
        forms.append(copy)
        owners.append(-(10**9) - len(forms))  # an entry of its own
    assert len(planted) > 100
    found = _similar_pairs(forms, owners)
    assert planted <= found
    assert all(fuzz.ratio(forms[a], forms[b]) >= 95 for a, b in found)
    assert all(owners[a] != owners[b] for a, b in found)


def test_near_duplicate_search_scales_to_ten_thousand_entries() -> None:
    """10,000 entries x 10 phrasings in one language, the size the budget is set for."""
    forms, owners = synthetic_forms(entries=10000, per_entry=10, seed=3)
    assert len(forms) > 90000
    started = time.process_time()
    _similar_pairs(forms, owners)
    # Comparing all pairs would take hours; the blocked search takes about a second per
    # language on a developer machine. The margin absorbs slow CI machines.
    assert time.process_time() - started < 4.0


# --- check_knowledge and load_valid_knowledge -------------------------------------------------


def report(errors: int, warnings: int, files: int, entries: int, *, strict: bool = False) -> str:
    kb = KnowledgeBase((), tuple(entry(f"e{i}", i) for i in range(entries)))
    problems = tuple(
        [Problem("f", 1, "e")] * errors + [Problem("f", 1, "w", "", Severity.WARNING)] * warnings
    )
    ok = not errors and not (strict and warnings)
    return CheckReport(kb, problems, errors, warnings, ("f",) * files, ok, strict).summary


@pytest.mark.parametrize(
    ("args", "summary"),
    [
        ((0, 0, 6, 31), "OK: 6 files, 31 entries, no problems"),
        ((0, 0, 1, 1), "OK: 1 file, 1 entry, no problems"),
        ((2, 1, 6, 31), "2 errors, 1 warning in 6 files (31 entries)"),
        ((1, 0, 1, 1), "1 error, 0 warnings in 1 file (1 entry)"),
        ((0, 2, 2, 0), "0 errors, 2 warnings in 2 files (0 entries)"),
    ],
)
def test_totals_are_pluralised(args: tuple[int, int, int, int], summary: str) -> None:
    assert report(*args) == summary


def test_strict_says_why_it_fails() -> None:
    assert report(0, 1, 1, 1, strict=True) == (
        "0 errors, 1 warning in 1 file (1 entry) (strict: warnings count as errors)"
    )


def test_check_knowledge_counts_and_sorts() -> None:
    folder = FIXTURES / "warnings" / "missing-languages"
    relaxed = check_knowledge(folder)
    strict = check_knowledge(folder, strict=True)
    assert (relaxed.ok, relaxed.errors, relaxed.warnings) == (True, 0, 6)
    assert (strict.ok, strict.errors, strict.warnings) == (False, 0, 6)
    assert list(relaxed.problems) == sorted(
        relaxed.problems, key=lambda p: (p.file, p.line, p.message)
    )
    assert len(relaxed.knowledge) == 2
    assert relaxed.files == (f"{folder}/topics.yaml",)


def test_check_knowledge_runs_content_checks_on_what_loaded() -> None:
    report = check_knowledge(FIXTURES / "broken" / "related")
    assert [p.message.split(":")[0] for p in report.problems] == ['entry "conference-motto"'] * 4
    assert report.errors == 4


def test_load_valid_knowledge() -> None:
    kb = load_valid_knowledge(FIXTURES / "good", strict=True)
    assert len(kb) == 3
    assert len(load_valid_knowledge(FIXTURES / "warnings" / "missing-languages")) == 2
    with pytest.raises(KnowledgeError) as raised:
        load_valid_knowledge(FIXTURES / "warnings" / "missing-languages", strict=True)
    assert len(raised.value.problems) == 6
    with pytest.raises(KnowledgeError) as raised:
        load_valid_knowledge(FIXTURES / "broken" / "syntax-tab")
    assert "YAML syntax error at column 1: a tab character" in str(raised.value)
