"""benchmarks/bench_match.py at toy sizes, so the benchmark can't rot: it still builds
synthetic knowledge bases, derives its query mix, measures, reports and writes its JSON.

No timing is asserted (the machine is noisy); only shapes, determinism and bookkeeping.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from twinbot.knowledge import LANGS, KnowledgeBase

# A benchmark at toy size.
pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_match.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_match", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def real(bench: ModuleType) -> KnowledgeBase:
    knowledge: KnowledgeBase = bench.load_valid_knowledge(bench.KNOWLEDGE_DIR)
    return knowledge


def test_synthetic_knowledge_is_varied_trilingual_and_deterministic(
    bench: ModuleType, real: KnowledgeBase
) -> None:
    first = bench.synthesize(real, 50).knowledge
    again = bench.synthesize(real, 50).knowledge
    assert len(first) == 50
    assert len({e.id for e in first}) == 50
    assert [(e.id, dict(e.questions), dict(e.answer)) for e in first] == [
        (e.id, dict(e.questions), dict(e.answer)) for e in again
    ]
    real_ids = {e.id for e in real}
    synthetic = [e for e in first if e.id not in real_ids]
    assert synthetic
    for entry in synthetic:
        template = real.entry(entry.id.split("-", 1)[1])
        assert template is not None
        for lang in LANGS:
            if lang in template.questions:
                assert 1 <= len(entry.questions[lang]) <= 5
        assert any(ch.isalpha() and "а" <= ch.lower() <= "я" for ch in entry.title("ru"))
    # Words were substituted: the synthetic phrasings are not the template's.
    templates = {q for e in real for qs in e.questions.values() for q in qs}
    changed = [q for e in synthetic for qs in e.questions.values() for q in qs]
    assert sum(q not in templates for q in changed) > len(changed) / 2


def test_query_mix_is_fixed_and_has_every_kind(bench: ModuleType, real: KnowledgeBase) -> None:
    queries = bench.make_queries(real, 20)
    assert queries == bench.make_queries(real, 20)
    assert len(queries) == 20
    assert {q.kind for q in queries} == {kind for kind, _ in bench.QUERY_MIX}
    assert all((q.source is None) == (q.kind == "ood") for q in queries)
    translit = [q.text for q in queries if q.kind == "translit"]
    assert translit and all(text.isascii() for text in translit)
    assert bench.transliterate("Когда была конференция?") == "kogda byla konferentsiya?"


def test_typos_edit_the_text(bench: ModuleType) -> None:
    rng = bench._Rng("test")
    text = "When was the partner cities conference?"
    edited = bench.add_typos(text, 2, rng)
    assert edited != text
    assert abs(len(edited) - len(text)) <= 2


def test_whole_run_at_toy_size_writes_its_report(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "bench.json"
    argv = ["--sizes", "50", "--queries", "10", "--repeats", "1", "--baseline-budget", "5"]
    argv += ["--build-repeats", "2"]  # the second build runs in a fresh process
    assert bench.main([*argv, "--startup-runs", "0", "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "| entries |" in printed and "| target |" in printed

    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["machine"]["cpu_count"] >= 1
    assert report["machine"]["python"]
    (size,) = report["sizes"]
    assert size["size"] == 50
    assert size["queries"] == 10
    assert size["baseline_queries"] >= 1
    for key in ("build_s", "p50_ms", "p99_ms", "baseline_p50_ms"):
        assert math.isfinite(size[key]) and size[key] > 0
    assert len(size["build_runs_s"]) == 2 and size["build_s"] == min(size["build_runs_s"])
    assert size["p99_ms"] >= size["p50_ms"]
    assert report["dev"] is None or report["dev"]["identical_fresh_matcher"] is True
    statuses = {t["target"]: t["status"] for t in report["targets"]}
    assert set(statuses.values()) <= {"PASS", "MISS", "n/a"}


def test_startup_measures_a_process(bench: ModuleType) -> None:
    (result,) = bench.measure_startup({"python": [sys.executable, "-c", "pass"]}, runs=1)
    assert result.ok and result.runs == 1 and result.median_s > 0
    assert "python -c pass" in bench.startup_commands()
