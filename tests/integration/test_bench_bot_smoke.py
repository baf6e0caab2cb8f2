"""benchmarks/bench_bot.py with a handful of messages, so the benchmark can't rot: both bots
still start against the fake Bot API child process, every phase runs, every reply is paired
with its update, and the report and its JSON have their shape.

No timing is asserted (the machine is noisy); only completeness and bookkeeping.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

# A benchmark at toy size (its fake Bot API is a child process).
pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_bot.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_bot", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_a_tiny_run_measures_both_bots_and_writes_its_report(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "bench_bot.json"
    argv = [
        "--users", "3", "--messages", "4", "--repeats", "2",
        "--rate", "40", "--rate-seconds", "0.5", "--rate-users", "4",
        "--soak", "60", "--soak-users", "3", "--timeout", "60",
        "--output", str(output),
    ]  # fmt: skip
    assert bench.main(argv) == 0
    table = capsys.readouterr().out
    report = json.loads(output.read_text())
    phases = report["phases"]
    assert [(p["phase"], p["bot"]) for p in phases] == [
        ("throughput", "echo"),
        ("throughput", "twinbot"),
        ("throughput", "echo"),
        ("throughput", "twinbot"),
        ("rate 40/s", "echo"),
        ("rate 40/s", "twinbot"),
        ("soak 60", "twinbot"),
    ]
    assert all(p["received"] == p["expected"] > 0 for p in phases)
    assert all(0 <= p["p50_ms"] <= p["p99_ms"] <= p["max_ms"] for p in phases)
    assert len(report["throughput_ratios"]) == 2
    assert set(report["targets"]) == {
        "throughput_ratio",
        "p99_ms_at_rate",
        "every_reply_arrived",
        "rss_growth_second_half",
    }
    assert report["targets"]["every_reply_arrived"]["met"] is True
    assert report["memory"]["rss_end_mb"] > 0
    assert "| throughput | twinbot |" in table


def test_the_question_mix_is_real_and_trilingual(bench: ModuleType) -> None:
    questions = bench.questions()
    assert len(questions) > 100
    assert any("Konferenz" in q for q in questions)
    assert any("конферен" in q.lower() for q in questions)
    assert set(bench.OUT_OF_DOMAIN) <= set(questions)
