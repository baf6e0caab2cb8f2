"""The loader's budgets: hostile folders are refused before parsing, each with one clear line.

Small budgets stand in for the real caps where a cap is the point; FIFOs, devices and links
are the real thing.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from twinbot.errors import Problem
from twinbot.loader import Budgets, LoadResult, load_knowledge, read_knowledge_file

TOPIC = "topic:\n  id: {id}\n  title: {{en: T, de: T, ru: T}}\nentries:\n"
ENTRY = (
    "  - id: {id}\n"
    "    questions: {{en: [Q en?], de: [Q de?], ru: [Q ru?]}}\n"
    "    answer: {{en: A, de: A, ru: A}}\n"
)


def good(topic: str, *entries: str) -> str:
    return TOPIC.format(id=topic) + "".join(ENTRY.format(id=e) for e in entries)


def messages(problems: tuple[Problem, ...] | list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def load_in_time(folder: Path, budgets: Budgets = Budgets(), seconds: float = 5.0) -> LoadResult:  # noqa: B008
    """load_knowledge in a thread, failing the test (instead of hanging it) if it blocks."""
    found: list[LoadResult] = []
    worker = threading.Thread(target=lambda: found.append(load_knowledge(folder, budgets)))
    worker.daemon = True
    worker.start()
    worker.join(seconds)
    assert found, "the loader blocked"
    return found[0]


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(good("t", "a"))
    os.mkfifo(tmp_path / "x.yaml")
    result = load_in_time(tmp_path)
    assert messages(result.problems) == [
        f"{tmp_path}/x.yaml:1: not a regular file (a named pipe) — only YAML text files belong "
        "in the knowledge folder; remove or rename it"
    ]
    assert [e.id for e in result.knowledge] == ["a"]
    assert result.files == (f"{tmp_path}/ok.yaml", f"{tmp_path}/x.yaml")


def test_reading_a_fifo_swapped_in_after_stat_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.yaml")
    started = time.monotonic()
    with pytest.raises(OSError, match="not a regular file"):
        read_knowledge_file(tmp_path / "x.yaml")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null"])
def test_a_link_to_a_device_is_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "zero.yaml").symlink_to(target)
    result = load_in_time(tmp_path)
    assert messages(result.problems) == [
        f"{tmp_path}/zero.yaml:1: a link to a file outside the knowledge folder — copy the file "
        "into the knowledge folder instead of linking to it"
    ]


def test_a_link_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(good("secret", "secret-entry"))
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "leak.yaml").symlink_to(outside)
    (folder / "up.yaml").symlink_to("../elsewhere.yaml")
    result = load_in_time(folder)
    assert [p.message for p in result.problems] == [
        "a link to a file outside the knowledge folder"
    ] * 2
    assert len(result.knowledge) == 0


def test_a_link_inside_the_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yml.txt").write_text(good("t", "a"))
    (tmp_path / "t.yaml").symlink_to("real.yml.txt")
    result = load_in_time(tmp_path)
    assert result.problems == ()
    assert [e.id for e in result.knowledge] == ["a"]


def test_a_dangling_link_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nothing-here")
    result = load_in_time(tmp_path)
    assert [p.message for p in result.problems] == ["cannot read the file: it does not exist"]


def test_a_file_over_its_size_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(good("t", "a"))
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:  # sparse: 50 MB by stat, nothing on disk
        f.truncate(50 * 1024 * 1024)
    result = load_in_time(tmp_path, seconds=2)
    assert messages(result.problems) == [
        f"{big}:1: the file is 50.0 MB, more than the 2.0 MB a knowledge file may have — split "
        "it into several topic files, or remove what is not knowledge"
    ]
    assert [e.id for e in result.knowledge] == ["a"]


def test_a_folder_over_its_size_reads_nothing(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"t{n}.yaml").write_text(good(f"t{n}", f"e{n}"))
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    result = load_in_time(tmp_path, Budgets(folder_bytes=size - 1))
    assert [(p.file, p.line) for p in result.problems] == [(str(tmp_path), 0)]
    assert "more than the" in result.problems[0].message
    assert len(result.knowledge) == 0


def test_too_many_files_are_one_problem(tmp_path: Path) -> None:
    for n in range(4):
        (tmp_path / f"t{n}.yaml").write_text(good(f"t{n}", f"e{n}"))
    result = load_in_time(tmp_path, Budgets(files=3))
    assert messages(result.problems) == [
        f"{tmp_path}: 4 knowledge files, more than the 3 allowed — keep one file per topic here "
        "and move everything else out of the folder"
    ]


def test_entries_over_the_budget_are_one_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(good("a", "a1", "a2"))
    (tmp_path / "b.yaml").write_text(good("b", "b1", "b2"))
    result = load_in_time(tmp_path, Budgets(entries=3))
    assert messages(result.problems) == [
        f"{tmp_path}: 4 entries, more than the 3 allowed — split the knowledge base between "
        "bots, or remove entries nobody asks for"
    ]


def test_a_list_over_the_budget_is_one_problem(tmp_path: Path) -> None:
    phrasings = ", ".join(f"q{n}" for n in range(6))
    text = TOPIC.format(id="t") + (
        "  - id: x\n"
        f"    questions: {{en: [{phrasings}], de: [Q], ru: [Q]}}\n"
        "    answer: {en: A, de: A, ru: A}\n"
    )
    (tmp_path / "t.yaml").write_text(text)
    result = load_in_time(tmp_path, Budgets(list_items=5))
    assert messages(result.problems) == [
        f'{tmp_path}/t.yaml:6: entry "x": questions "en" has 6 items, more than the 5 allowed '
        "— keep the best ones and remove the rest"
    ]


def test_a_file_stops_at_its_problem_budget(tmp_path: Path) -> None:
    text = TOPIC.format(id="t") + "".join(f"  - id: E{n}\n" for n in range(10_000))
    (tmp_path / "t.yaml").write_text(text)
    result = load_in_time(tmp_path, Budgets(file_problems=10), seconds=5)
    assert len(result.problems) == 11
    assert result.problems[-1].message == "more than 10 problems; stopped reading here"
    assert len(result.knowledge) == 0


def test_nested_aliases_are_refused_before_anything_expands(tmp_path: Path) -> None:
    # "Billion laughs": nine levels of ten aliases each stand for 10^9 phrasings.
    text = TOPIC.format(id="t") + "  - id: x\n    keywords: {en: &l0 [lol, lol]}\n"
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        text += f"  - id: x{level}\n    keywords: {{en: &l{level} [{refs}]}}\n"
    (tmp_path / "t.yaml").write_text(text)
    started = time.monotonic()
    result = load_in_time(tmp_path)
    assert time.monotonic() - started < 1
    assert messages(result.problems) == [
        f'{tmp_path}/t.yaml:8: YAML aliases ("*name") are not supported (and 89 more in this '
        'file) — write the text out in full where "*" stands'
    ]
