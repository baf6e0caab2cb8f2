"""`twinbot check`: exact messages, totals and exit codes for every class of problem.

Each folder under tests/fixtures/knowledge/broken/ (and warnings/) holds one kind of mistake
and an `expected.txt` with the exact output of `twinbot check <folder>` run from
tests/fixtures/knowledge; the loader ignores files that are not *.yaml, so the expectation
can live beside the knowledge it describes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from twinbot.cli import main
from twinbot.loader import load_knowledge
from twinbot.paths import bundled_knowledge_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"

# (folder, what it shows): every class of error, each exiting 1.
BROKEN = [
    ("binary", "a binary file"),
    ("utf16", "a UTF-16 file"),
    ("non-utf8", "a Latin-1 file, with line and column of the bad byte"),
    ("control-character", "an invisible control character"),
    ("syntax-tab", "a tab in the indentation"),
    ("syntax-unclosed-quote", "an unclosed quote, pointing at where it opens"),
    ("syntax-colon", '": " inside unquoted text'),
    ("syntax-indent", "a key indented wrongly"),
    ("syntax-two-documents", "a second YAML document"),
    ("empty-file", "an empty file and a file with only a comment"),
    ("not-a-mapping", "a file that is a list"),
    ("missing-topic", 'no "topic:"'),
    ("no-entries", "an empty and a missing entries list"),
    ("unknown-keys", "typos at every level, with did-you-mean"),
    ("unknown-language", "fr, ua and EN"),
    ("wrong-types", "text for a list, a list for a mapping, yes/null, nesting"),
    ("empty-values", "empty lists, texts, no languages, missing fields"),
    ("ids", "missing, empty and malformed ids"),
    ("duplicate-ids", "the same topic and entry id in two files"),
    ("duplicate-keys", "a key written twice"),
    ("unsafe-tag", "!!python and !include tags"),
    ("related", "unknown and self-referencing related ids"),
    ("html", "answers Telegram would reject"),
    (
        "root-causes",
        "one problem per cause: a file that does not parse (links into it: one note), a "
        "copied entry that kept its id (no wrong did-you-mean), HTML at the tag's line",
    ),
]

WARNINGS = ["missing-languages", "duplicate-phrasings"]


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(FIXTURES)
    return FIXTURES


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("case", "shows"), BROKEN, ids=[case for case, _ in BROKEN])
def test_each_error_class_is_reported_exactly(
    in_fixtures: Path, capsys: pytest.CaptureFixture[str], case: str, shows: str
) -> None:
    folder = f"broken/{case}"
    code, out, err = _check(capsys, folder)
    assert out == (in_fixtures / folder / "expected.txt").read_text(encoding="utf-8"), shows
    assert code == 1
    assert err == ""
    assert "Traceback" not in out


def test_every_broken_fixture_is_in_the_table() -> None:
    assert sorted(p.name for p in (FIXTURES / "broken").iterdir()) == sorted(c for c, _ in BROKEN)


@pytest.mark.parametrize("case", WARNINGS)
def test_warnings_pass_unless_strict(
    in_fixtures: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    folder = f"warnings/{case}"
    code, out, _ = _check(capsys, folder)
    assert out == (in_fixtures / folder / "expected.txt").read_text(encoding="utf-8")
    assert code == 0
    assert all(": warning: " in line for line in out.splitlines()[:-1])
    assert out.splitlines()[-1].startswith("0 errors, ")

    code, out, _ = _check(capsys, folder, "--strict")
    assert out == (in_fixtures / folder / "expected-strict.txt").read_text(encoding="utf-8")
    assert out.splitlines()[-1].endswith("(strict: warnings count as errors)")
    assert code == 1


def test_a_valid_folder_passes_strict(
    in_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(capsys, "good", "--strict") == (0, "OK: 2 files, 3 entries, no problems\n", "")


def test_paths_are_shown_as_given(in_fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _check(capsys, "./broken/../broken/missing-topic")
    assert out.startswith("broken/../broken/missing-topic/topics.yaml:1: missing")
    _, out, _ = _check(capsys, str(in_fixtures / "broken" / "missing-topic"))
    assert out.startswith(f"{in_fixtures}/broken/missing-topic/topics.yaml:1: missing")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda d: d / "nowhere",
            "{d}: knowledge folder not found — check the path (it is relative to the current "
            "folder)\n",
        ),
        (
            lambda d: d,
            "{d}: no knowledge files (*.yaml) in this folder — add one YAML file per topic, as "
            "described in knowledge/README.md\n",
        ),
        (
            lambda d: _touch(d / "notes.yaml"),
            "{d}: not a folder — give the folder that contains the knowledge files, not a file\n",
        ),
    ],
    ids=["missing", "empty", "a-file"],
)
def test_an_unusable_folder_is_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: object,
    expected: str,
) -> None:
    assert callable(make)
    folder = make(tmp_path)
    (tmp_path / "README.md").write_text("not knowledge\n")
    code, out, err = _check(capsys, str(folder))
    assert (code, out, err) == (1, expected.format(d=folder), "")


def _touch(path: Path) -> Path:
    path.write_text("topic: {}\n")
    return path


def test_an_unreadable_file_is_reported_with_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "good", tmp_path, dirs_exist_ok=True)
    (tmp_path / "broken.yaml").mkdir()  # a folder with a knowledge file's name cannot be read
    code, out, _ = _check(capsys, str(tmp_path))
    assert code == 1
    assert out == (
        f"{tmp_path}/broken.yaml:1: not a regular file (a folder) — only YAML text files belong "
        "in the knowledge folder; remove or rename it\n1 error, 0 warnings in 3 files (3 entries)\n"
    )


def test_without_a_folder_the_bundled_knowledge_is_checked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From the project folder, `twinbot check` reads as `twinbot check knowledge`."""
    bundled = bundled_knowledge_dir()
    monkeypatch.chdir(bundled.parent)
    assert _check(capsys) == _check(capsys, bundled.name)


@pytest.mark.slow
def test_the_shipped_knowledge_passes_strict_as_a_process() -> None:
    """The real command on the real folder: what organisers run, and what CI insists on."""
    knowledge = bundled_knowledge_dir()
    assert (knowledge / "README.md").is_file()
    executable = shutil.which("twinbot", path=str(Path(sys.executable).parent))
    assert executable is not None, "the twinbot console script is not installed"
    result = subprocess.run(
        [executable, "check", "knowledge", "--strict"],
        cwd=knowledge.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert "Traceback" not in result.stdout + result.stderr
    files = sorted(knowledge.glob("*.yaml"))
    assert files, "knowledge/*.yaml is missing"
    entries = len(load_knowledge(knowledge).knowledge)
    assert result.stdout == f"OK: {len(files)} files, {entries} entries, no problems\n"
    assert (result.returncode, result.stderr) == (0, "")


# --- hostile folders: refused in well under 2 s, exit 1 ----------------------------------------


def _alias_bomb(folder: Path) -> None:
    # 10,000 entries whose phrasings are aliases of one 100-phrasing list.
    head = "topic:\n  id: t\n  title: {en: T, de: T, ru: T}\nentries:\n"
    phrasings = ", ".join(f"phrasing number {n}" for n in range(100))
    first = f"  - id: e0\n    questions: {{en: &p [{phrasings}], de: [x], ru: [x]}}\n"
    rest = "".join(
        f"  - id: e{n}\n    questions: {{en: *p, de: *p, ru: *p}}\n" for n in range(1, 10_001)
    )
    (folder / "bomb.yaml").write_text(head + first + rest)


def _dev_zero(folder: Path) -> None:
    (folder / "zero.yaml").symlink_to("/dev/zero")


def _huge(folder: Path) -> None:
    with (folder / "huge.yaml").open("wb") as f:
        f.truncate(50 * 1024 * 1024)


def _many(folder: Path) -> None:
    # Over the cap of 500 is the point; 10,000 files only make the test slow to set up.
    for n in range(1_000):
        (folder / f"f{n:05d}.yaml").write_text("topic: {id: t}\n")


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "x.yaml")


def _problems(folder: Path) -> None:
    # 30,000 entries with a bad id and no questions or answer: 90,000 problems.
    head = "topic:\n  id: t\n  title: {en: T, de: T, ru: T}\nentries:\n"
    (folder / "p.yaml").write_text(head + "".join(f"  - id: E{n}\n" for n in range(30_000)))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_alias_bomb, 'YAML aliases ("*name") are not supported (and 29,999 more'),
        (_dev_zero, "a link to a file outside the knowledge folder"),
        (_huge, "the file is 50.0 MB, more than the 2.0 MB"),
        (_many, "1,000 knowledge files, more than the 500 allowed"),
        (_fifo, "not a regular file (a named pipe)"),
        (_problems, "more than 200 problems; stopped reading here"),
    ],
    ids=["alias-bomb", "dev-zero", "50-mb", "1000-files", "fifo", "90000-problems"],
)
def test_a_hostile_folder_is_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, expected: str
) -> None:
    assert callable(make)
    make(tmp_path)
    started = time.monotonic()
    code, out, _ = _check(capsys, str(tmp_path))
    assert time.monotonic() - started < 2
    assert code == 1
    assert expected in out
    assert len(out.splitlines()) <= 202
