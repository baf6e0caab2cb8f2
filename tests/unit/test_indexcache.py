"""indexcache: the built index is reused for the same knowledge and rebuilt after an edit."""

from __future__ import annotations

import ast
import io
import shutil
from pathlib import Path

import pytest

from twinbot import indexcache
from twinbot.cli import main
from twinbot.paths import bundled_knowledge_dir

#: These tests run lexical-only: the cache's behaviour doesn't depend on the encoder (its
#: name is part of the key; test_assembly covers the dense index in the cache).
ENCODER = "none"


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TWINBOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TWINBOT_ENCODER", ENCODER)
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), folder)
    return folder


def test_ask_stores_and_reuses_the_index(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = indexcache.index_key(knowledge, ENCODER)
    assert indexcache.load(key) is None
    assert main(["ask", "--knowledge", str(knowledge), "motto?"]) == 0
    cached = indexcache.load(key)
    assert cached is not None
    cached_knowledge, lexical, _ = cached
    assert len(cached_knowledge) > 0 and lexical.rank("motto?").candidates
    first = capsys.readouterr().out
    assert main(["ask", "--knowledge", str(knowledge), "motto?"]) == 0
    assert capsys.readouterr().out == first


def test_an_edit_makes_a_new_key(knowledge: Path) -> None:
    before = indexcache.index_key(knowledge, ENCODER)
    target = knowledge / "conference.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert indexcache.index_key(knowledge, ENCODER) != before


def test_files_the_loader_skips_keep_the_key(knowledge: Path) -> None:
    """Editor backups and macOS metadata (`._x.yaml`) are not knowledge: as in the loader."""
    before = indexcache.index_key(knowledge, ENCODER)
    for name in ("._conference.yaml", ".#conference.yaml", "notes.txt", "conference.yaml~"):
        (knowledge / name).write_text("junk", encoding="utf-8")
    assert indexcache.index_key(knowledge, ENCODER) == before


def test_a_broken_edit_is_reported_not_served_from_the_cache(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--knowledge", str(knowledge), "motto?"]) == 0
    (knowledge / "conference.yaml").write_text("topic: [\n", encoding="utf-8")
    assert main(["ask", "--knowledge", str(knowledge), "motto?"]) == 1
    assert "conference.yaml:" in capsys.readouterr().err


def test_an_unreadable_cache_is_ignored(knowledge: Path, tmp_path: Path) -> None:
    key = indexcache.index_key(knowledge, ENCODER)
    folder = indexcache.cache_dir()
    folder.mkdir(parents=True)
    (folder / f"index-{key}.pickle").write_bytes(b"not a pickle")
    assert indexcache.load(key) is None


def test_chat_starts_from_the_index_ask_built(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `twinbot chat` and `twinbot run` start from the same cache: a restart over unchanged
    # knowledge builds nothing.
    assert main(["ask", "--knowledge", str(knowledge), "motto?"]) == 0
    capsys.readouterr()

    def no_build(knowledge: object) -> None:
        raise AssertionError("the index was rebuilt")

    monkeypatch.setattr("twinbot.ranking.lexical.ranker.build_index", no_build)
    monkeypatch.setattr("sys.stdin", io.StringIO("motto?\n"))
    monkeypatch.setenv("TWINBOT_DATA_DIR", str(knowledge.parent / "data"))
    assert main(["chat", "--knowledge", str(knowledge)]) == 0
    assert "70" in capsys.readouterr().out


def test_chat_reports_broken_knowledge_with_file_and_line(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (knowledge / "conference.yaml").write_text("topic: [\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("motto?\n"))
    monkeypatch.setenv("TWINBOT_DATA_DIR", str(knowledge.parent / "data"))
    assert main(["chat", "--knowledge", str(knowledge)]) != 0
    assert "conference.yaml:" in capsys.readouterr().err


def test_the_sources_in_the_key_include_everything_they_import() -> None:
    """A change to any module an index is built with must change the cache key."""
    package = Path(indexcache.__file__).parent
    listed = set(indexcache._SOURCES)
    for name in listed:
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("twinbot."):
                path = module.removeprefix("twinbot.").replace(".", "/")
                assert f"{path}.py" in listed or f"{path}/__init__.py" in listed, (name, module)
