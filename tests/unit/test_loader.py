"""The loader: typed values and lines from YAML, every structural problem at once, safely."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twinbot import loader
from twinbot.errors import Problem, Severity
from twinbot.knowledge import Source
from twinbot.loader import load_knowledge

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge" / "good"

TOPIC = "topic:\n  id: {id}\n  title: {{en: T, de: T, ru: T}}\nentries:\n"
ENTRY = (
    "  - id: {id}\n"
    "    questions: {{en: [{q} en?], de: [{q} de?], ru: [{q} ru?]}}\n"
    "    answer: {{en: A, de: A, ru: A}}\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(problems: tuple[Problem, ...]) -> list[str]:
    return [str(p) for p in problems]


# --- the good fixture -------------------------------------------------------------------------


def test_good_fixture_becomes_typed_values() -> None:
    result = load_knowledge(GOOD)
    assert result.problems == ()
    assert result.files == (f"{GOOD}/cities.yaml", f"{GOOD}/conference.yaml")
    knowledge = result.knowledge
    assert [t.id for t in knowledge.topics] == ["cities", "conference"]
    assert [e.id for e in knowledge] == [
        "karlsruhe-partner",
        "partnership-since",
        "conference-when",
    ]

    cities = knowledge.topic("cities")
    assert cities is not None
    assert dict(cities.title) == {
        "en": "Partner cities",
        "de": "Partnerstädte",
        "ru": "Города-партнёры",
    }
    assert cities.entry_ids == ("karlsruhe-partner", "partnership-since")
    assert cities.source == Source(f"{GOOD}/cities.yaml", 3)

    entry = knowledge.entry("karlsruhe-partner")
    assert entry is not None
    assert entry.topic == "cities"
    assert entry.source == Source(f"{GOOD}/cities.yaml", 7)
    assert entry.questions["de"] == (
        "Welche russische Stadt ist Partnerstadt von Karlsruhe?",
        "Partnerstadt Karlsruhe",
    )
    assert dict(entry.keywords) == {
        "en": ("Krasnodar",),
        "de": ("Krasnodar",),
        "ru": ("Краснодар",),
    }
    assert entry.related == ("conference-when",)

    since = knowledge.entry("partnership-since")
    assert since is not None
    # A bare number is a phrasing as typed; a "|-" block keeps its line break.
    assert since.questions["en"] == ("Since when are Karlsruhe and Krasnodar partners?", "1997")
    assert since.answer["en"] == (
        "Since <i>1997</i>.\n"
        'See <a href="https://www.karlsruhe.de/?a=1&amp;b=2">karlsruhe.de</a> &amp; more.'
    )
    assert since.keywords == {}
    assert since.related == ()
    when = knowledge.entry("conference-when")
    assert when is not None
    assert when.answer["en"] == "From 27 to 30 June 2015 in Karlsruhe."  # ">-" folds lines


def test_values_are_plain_python_types() -> None:
    for entry in load_knowledge(GOOD).knowledge:
        assert type(entry.id) is str
        for mapping in (entry.questions, entry.keywords):
            for lang, texts in mapping.items():
                assert lang in ("en", "de", "ru")
                assert type(texts) is tuple
                assert all(type(text) is str for text in texts)
        assert all(type(text) is str for text in entry.answer.values())
        assert type(entry.related) is tuple


def test_sources_point_at_each_field() -> None:
    result = load_knowledge(GOOD)
    lines = {path: source.line for path, source in result.sources.lines.items()}
    assert lines[("entry", "karlsruhe-partner", "questions")] == 8
    assert lines[("entry", "karlsruhe-partner", "questions", "en")] == 9
    assert lines[("entry", "karlsruhe-partner", "questions", "en", 1)] == 11
    assert lines[("entry", "karlsruhe-partner", "questions", "ru", 0)] == 16
    assert lines[("entry", "karlsruhe-partner", "answer", "ru")] == 21
    assert lines[("entry", "karlsruhe-partner", "related", 0)] == 23
    assert lines[("entry", "partnership-since", "questions", "en", 1)] == 27
    assert lines[("topic", "conference", "title")] == 3
    assert result.sources.reported == frozenset()
    fallback = Source("x", 1)
    assert result.sources.find(("entry", "nope"), fallback) is fallback


# --- the folder -------------------------------------------------------------------------------


def test_reads_yaml_and_yml_in_name_order_and_ignores_the_rest(tmp_path: Path) -> None:
    write(tmp_path, "b.yml", TOPIC.format(id="b") + ENTRY.format(id="b1", q="B"))
    write(tmp_path, "a.yaml", TOPIC.format(id="a") + ENTRY.format(id="a1", q="A"))
    write(tmp_path, "README.md", "# not knowledge")
    write(tmp_path, "notes.txt", "topic: [")
    write(tmp_path, ".#a.yaml", "an editor's lock file: not YAML at all: [")
    write(tmp_path, "._a.yaml", "\x00\x01 macOS metadata")
    result = load_knowledge(tmp_path)
    assert result.problems == ()
    assert result.files == (f"{tmp_path}/a.yaml", f"{tmp_path}/b.yml")
    assert [e.id for e in result.knowledge] == ["a1", "b1"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing", "knowledge folder not found"),
        ("file.yaml", "not a folder"),
        ("", "no knowledge files (*.yaml) in this folder"),
    ],
)
def test_an_unusable_folder_is_a_problem_not_an_exception(
    tmp_path: Path, name: str, message: str
) -> None:
    write(tmp_path, "file.yaml", "topic: {}")
    folder = tmp_path / name if name else tmp_path / "empty"
    if not name:
        folder.mkdir()
    result = load_knowledge(folder)
    assert len(result.knowledge) == 0
    assert result.files == ()
    assert [(p.file, p.line, p.message) for p in result.problems] == [(str(folder), 0, message)]


def test_every_problem_in_every_file_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "topic:\n\tid: a\n")
    write(
        tmp_path,
        "b.yaml",
        TOPIC.format(id="b")
        + ENTRY.format(id="b1", q="B1")
        + "  - id: B2\n    questons: {}\n    answer: {en: A, fr: F}\n"
        + ENTRY.format(id="b3", q="B3"),
    )
    (tmp_path / "c.yaml").write_bytes(b"topic: \xff\n")
    result = load_knowledge(tmp_path)
    assert messages(result.problems) == [
        f"{tmp_path}/a.yaml:2: YAML syntax error at column 1: a tab character — YAML indents "
        "with spaces only; replace the tab",
        f'{tmp_path}/b.yaml:8: entry id "B2" is not valid — use lower-case latin letters, digits '
        'and single hyphens, e.g. "b2"',
        f'{tmp_path}/b.yaml:9: entry "B2": unknown key "questons" — did you mean "questions"?',
        f'{tmp_path}/b.yaml:10: entry "B2": unknown language "fr" in "answer" — twinbot speaks '
        "en, de and ru only; use one of these",
        f"{tmp_path}/c.yaml:1: not UTF-8 text (byte 0xff at column 8) — save the file with the "
        "UTF-8 encoding in your editor",
    ]
    assert all(p.severity is Severity.ERROR for p in result.problems)
    # What parsed cleanly is still there, so content checks can run on it.
    assert [e.id for e in result.knowledge] == ["b1", "b3"]
    assert [t.id for t in result.knowledge.topics] == ["b"]


def test_an_entry_with_a_broken_field_keeps_its_good_fields(tmp_path: Path) -> None:
    text = TOPIC.format(id="t") + (
        "  - id: partly\n"
        "    questions: {en: [Fine?, yes, Also fine?], de: Nicht als Liste}\n"
        "    answer: {en: A, de: }\n"
        "    related: [x, Bad Id]\n"
    )
    result = load_knowledge(write(tmp_path, "t.yaml", text).parent)
    entry = result.knowledge.entry("partly")
    assert entry is not None
    assert dict(entry.questions) == {"en": ("Fine?", "Also fine?")}
    assert dict(entry.answer) == {"en": "A"}
    assert entry.related == ("x",)
    assert result.sources.reported == {
        ("entry", "partly", "questions"),
        ("entry", "partly", "answer"),
        ("entry", "partly", "related"),
    }
    # The phrasing after the dropped one keeps its own line and its index in the tuple.
    assert result.sources.lines[("entry", "partly", "questions", "en", 1)].line == 6


def test_duplicate_ids_keep_the_first_and_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", TOPIC.format(id="t") + ENTRY.format(id="x", q="First"))
    write(tmp_path, "b.yaml", TOPIC.format(id="t") + ENTRY.format(id="x", q="Second"))
    result = load_knowledge(tmp_path)
    assert messages(result.problems) == [
        f'{tmp_path}/b.yaml:2: duplicate topic id "t" (also in {tmp_path}/a.yaml:2) — give each '
        "topic its own id",
        f'{tmp_path}/b.yaml:5: duplicate entry id "x" (also in {tmp_path}/a.yaml:5) — give each '
        "entry its own id",
    ]
    entry = result.knowledge.entry("x")
    assert entry is not None
    assert entry.questions["en"] == ("First en?",)
    assert len(result.knowledge) == 1


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    text = TOPIC.format(id="t") + ENTRY.format(id="x", q="Q")
    (tmp_path / "t.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_knowledge(tmp_path).problems == ()


def test_aliases_are_refused_at_the_first_one_with_a_count(tmp_path: Path) -> None:
    text = TOPIC.format(id="t") + (
        "  - id: x\n"
        "    questions: {en: &q [Same?], de: *q, ru: *q}\n"
        "    answer: {en: &a Yes., de: *a, ru: *a}\n"
        "    keywords: &loop [a, *loop]\n"
    )
    result = load_knowledge(write(tmp_path, "t.yaml", text).parent)
    assert len(result.knowledge) == 0
    assert messages(result.problems) == [
        f'{tmp_path}/t.yaml:6: YAML aliases ("*name") are not supported (and 4 more in this '
        'file) — write the text out in full where "*" stands',
    ]


def test_an_anchor_without_an_alias_is_harmless(tmp_path: Path) -> None:
    text = TOPIC.format(id="t") + (
        "  - id: x\n"
        "    questions: {en: &q [Q en?], de: [Q de?], ru: [Q ru?]}\n"
        "    answer: {en: A, de: A, ru: A}\n"
    )
    result = load_knowledge(write(tmp_path, "t.yaml", text).parent)
    assert result.problems == ()
    assert len(result.knowledge) == 1


# --- safety -----------------------------------------------------------------------------------


def test_nothing_in_a_file_is_executed_or_read(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = TOPIC.format(id="t") + (
        "  - id: x\n"
        "    questions: {en: [Q?], de: [Q?], ru: [Q?]}\n"
        f"    answer: {{en: !!python/object/apply:pathlib.Path.touch [{marker}], de: A, ru: A}}\n"
        "    keywords: {en: !!python/name:os.system }\n"
        "    related: !include /etc/passwd\n"
        "  - <<: {id: y}\n"
    )
    result = load_knowledge(write(tmp_path, "t.yaml", text).parent)
    assert not marker.exists()
    assert [p.message for p in result.problems] == [
        'unsupported YAML tag "!!python/object/apply:pathlib.Path.touch"',
        'unsupported YAML tag "!!python/name:os.system"',
        'unsupported YAML tag "!include"',
        'entry #2 has no "answer"',
        'entry #2 has no "id"',
        'entry #2 has no "questions"',
        'merge keys ("<<") are not supported',
    ]
    entry = result.knowledge.entry("x")
    assert entry is not None
    assert dict(entry.answer) == {"de": "A", "ru": "A"}
    assert entry.keywords == {}
    assert entry.related == ()


def test_uses_the_safe_libyaml_parser_when_available() -> None:
    assert loader._Loader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert issubclass(loader._Loader, yaml.SafeLoader) or loader._Loader.__name__ == "CSafeLoader"


SYNTAX_ERRORS = {
    "tab": "topic:\n  id: x\n\ttitle: y\n",
    "unclosed-quote": 'topic:\n  id: "x\n  title: y\n',
    "unknown-escape": 'topic:\n  id: "C:\\dir"\n',
    "colon": "topic:\n  id: x\n  title: Note: this\n",
    "indent": "topic:\n  id: x\n title: y\n",
    "list-indent": "entries:\n  - id: x\n  id: y\n",
    "flow-list": "entries: [a, b\nnext: c\n",
    "flow-mapping": "topic: {id: x\nnext: c\n",
    "two-documents": "topic: {}\n---\nentries: []\n",
    "alias": "topic: *nothing\n",
    "anchor": "topic:\n  id: &a x\n  title: &a y\n",
    "at-sign": "topic:\n  id: @home\n",
    "text-after-quote": 'topic:\n  id: "x" y\n',
    "block-scalar": "topic:\n  id: |x\n",
    "simple-key": "topic:\n  id: x\n  just some words\n  title: y\n",
}


@pytest.mark.parametrize("case", SYNTAX_ERRORS)
def test_syntax_errors_read_the_same_with_either_yaml_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    write(tmp_path, "t.yaml", SYNTAX_ERRORS[case])
    seen = []
    for parser in {getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader}:
        monkeypatch.setattr(loader, "_Loader", parser)
        seen.append(messages(load_knowledge(tmp_path).problems))
    assert len(seen[0]) == 1
    assert seen[0][0].startswith(f"{tmp_path}/t.yaml:")
    assert "YAML syntax error" in seen[0][0]
    assert " — " in seen[0][0]
    assert all(other == seen[0] for other in seen)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("tab", "3: YAML syntax error at column 1: a tab character"),
        ("unclosed-quote", "2: YAML syntax error at column 7: quote is opened but never closed"),
        ("unknown-escape", "2: YAML syntax error at column 10: unknown escape sequence"),
        ("colon", "3: YAML syntax error at column 14: mapping values are not allowed here"),
        ("indent", "3: YAML syntax error at column 2: this line does not line up"),
        ("list-indent", "3: YAML syntax error at column 3: this line does not fit into the list"),
        ("flow-list", "2: YAML syntax error at column 5: a [ … ] list is not closed properly"),
        ("flow-mapping", "2: YAML syntax error at column 5: a { … } mapping is not closed"),
        ("two-documents", "2: YAML syntax error at column 1: a second document starts here"),
        ("alias", '1: YAML syntax error at column 8: text starting with "*" is read as an alias'),
        ("anchor", '3: YAML syntax error at column 10: text starting with "&" is read as an'),
        ("at-sign", '2: YAML syntax error at column 7: "@" cannot start a value'),
        ("text-after-quote", "2: YAML syntax error at column 11: this line does not line up"),
        ("block-scalar", '2: YAML syntax error at column 8: a "|" or ">" text block'),
        ("simple-key", '4: YAML syntax error at column 3: a line without "key: value"'),
    ],
)
def test_syntax_errors_have_line_column_and_a_hint(
    tmp_path: Path, case: str, expected: str
) -> None:
    write(tmp_path, "t.yaml", SYNTAX_ERRORS[case])
    (problem,) = load_knowledge(tmp_path).problems
    assert str(problem).startswith(f"{tmp_path}/t.yaml:{expected}")
    assert problem.hint


def test_nesting_too_deep_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "t.yaml", "topic: " + "[" * 20000 + "]" * 20000 + "\n")
    for parser in {getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader}:
        monkeypatch.setattr(loader, "_Loader", parser)
        (problem,) = load_knowledge(tmp_path).problems
        assert "YAML syntax error" in problem.message


# Fragments of YAML and of knowledge files, glued at random: mostly broken files.
YAMLISH = st.lists(
    st.sampled_from(
        [
            *string.ascii_letters[:6],
            *" :-[]{},#&*!|>'\"%@`\n\t?~\x07\ufeffё",
            *("id", "topic", "entries", "questions", "answer", "en", "ru", "<b>", "&amp;"),
            *("- ", "\n  ", "\n    ", "yes", "null", "1969", "!!str", "!!python/object", "<<"),
        ]
    ),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=YAMLISH)
def test_no_text_makes_the_loader_raise(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    write(folder, "t.yaml", TOPIC.format(id="t") + ENTRY.format(id="x", q="Q") + text)
    write(folder, "u.yaml", text)
    result = load_knowledge(folder)
    assert all(p.line >= 1 and p.message for p in result.problems)
    assert all("\n" not in str(p) for p in result.problems)


def test_the_example_in_the_organisers_guide_is_valid(tmp_path: Path) -> None:
    guide = (Path(__file__).resolve().parents[2] / "knowledge" / "README.md").read_text()
    example = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    write(tmp_path, "conference.yaml", example)
    result = load_knowledge(tmp_path)
    assert result.problems == ()
    (entry,) = result.knowledge
    assert set(entry.questions) == set(entry.answer) == {"en", "de", "ru"}
    assert entry.related == ("conference-motto",)  # an entry the example leaves out


# --- small talk and button labels -------------------------------------------------------------


def test_kind_smalltalk_and_short_labels_are_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "chat.yaml",
        "topic:\n  id: chat\n  title: {en: Chat, de: Chat, ru: Чат}\n  kind: smalltalk\n"
        "entries:\n" + ENTRY.format(id="hello", q="hi") + "    label: {de: Hallo, en: Hi}\n",
    )
    write(tmp_path, "faq.yaml", TOPIC.format(id="faq") + ENTRY.format(id="when", q="when"))
    result = load_knowledge(tmp_path)
    assert result.problems == ()
    knowledge = result.knowledge
    assert [(t.id, t.kind) for t in knowledge.topics] == [("chat", "smalltalk"), ("faq", "faq")]
    assert knowledge.is_smalltalk("hello") and not knowledge.is_smalltalk("when")
    assert [t.id for t in knowledge.browsable_topics] == ["faq"]
    hello = knowledge.entry("hello")
    assert hello is not None
    assert dict(hello.label) == {"de": "Hallo", "en": "Hi"}
    assert hello.button_text("de") == "Hallo"
    assert hello.button_text("ru") == "hi ru?"


def test_a_bad_kind_and_a_long_label_point_at_their_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "chat.yaml",
        "topic:\n  id: chat\n  title: {en: Chat, de: Chat, ru: Чат}\n  kind: chitchat\n"
        "entries:\n"
        + ENTRY.format(id="hello", q="hi")
        + "    label:\n      en: "
        + "A label far too long to fit on any phone's button"
        + "\n      fr: Salut\n",
    )
    assert messages(load_knowledge(tmp_path).problems) == [
        f'{tmp_path}/chat.yaml:4: topic "chat": unknown kind "chitchat" — write '
        '"kind: smalltalk" (or "faq", the default), or remove the line',
        f'{tmp_path}/chat.yaml:10: entry "hello": "en" label is 49 characters long, more '
        "than a button shows (40) — shorten it to at most 40 characters",
        f'{tmp_path}/chat.yaml:11: entry "hello": unknown language "fr" in "label" — '
        "twinbot speaks en, de and ru only; use one of these",
    ]
