#!/usr/bin/env python3
"""Load on the whole bot (issue 6): twinbot next to a minimal python-telegram-bot echo bot.

Both bots run in this process against the same fake Bot API (tests/auxil/fake_bot_api.py),
which runs in a child process on 127.0.0.1 together with the simulated users, so the users and
the server never compete with the bot for its interpreter. Every reply is a real HTTP
`sendMessage` over loopback; latency is measured from the moment an update becomes available
to `getUpdates` to the moment its `sendMessage` arrives (both on the child's monotonic clock).

Phases, side by side in one run:

* throughput — N users, each sending M messages, the next one as soon as the reply to the
  previous one arrives (a closed loop); replies per second and p50/p99. Echo bot and twinbot
  alternate `--repeats` times; the median run of each counts.
* rate — messages arriving at a fixed `--rate` (default 100/s, three times Telegram's global
  limit for one bot) from `--rate-users` users, open loop; p50/p99 latency.
* soak — twinbot only: `--soak` messages (default 20,000) through the closed loop while the
  bot's RSS is sampled; RSS over the second half shows a leak, the first half is warm-up
  (caches fill as new words are seen).

The questions are real phrasings from knowledge/*.yaml in all three languages, some lower-cased
or without punctuation, plus out-of-domain questions. twinbot runs as `twinbot run` does —
handlers, matcher, SQLite log, flood control (limits set out of reach) and the retrying rate
limiter — except that Telegram's global cap of 30 messages/s is lifted: at 100/s it would be
the bottleneck by design. The echo bot is python-telegram-bot's example: one MessageHandler,
default settings. Targets on a 2-core machine: twinbot ≥ 80% of the echo bot's throughput,
p99 ≤ 50 ms at 100 replies/s, RSS flat over 20,000 messages. Timings are wall-clock on a noisy
machine: compare the two bots within a run, not numbers across runs.

Usage:
    python benchmarks/bench_bot.py              # ~2 minutes
    python benchmarks/bench_bot.py --quick      # ~30 s, small numbers
    python benchmarks/bench_bot.py --users 100 --messages 50 --rate 150 --soak 50000

Prints a Markdown table and writes benchmarks/results/bench_bot-<YYYY-MM-DD>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
#: tests/, so that the fake Bot API imports as `auxil.fake_bot_api`.
TESTS_DIR = ROOT / "tests"
TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbenchBENCH"
FIRST_USER = 10_000

OUT_OF_DOMAIN = [
    "What's the weather in Berlin tomorrow?",
    "Wie spät ist es?",
    "Где купить билеты на поезд?",
    "who won the football match yesterday",
    "Gibt es WLAN im Hotel?",
]

TARGET_THROUGHPUT_RATIO = 0.8
TARGET_P99_MS = 50.0
#: RSS may grow this much over the second half of the soak (allocator noise, not a leak).
TARGET_RSS_GROWTH = 0.05


# --- the child: fake Bot API and simulated users ----------------------------------------------


def _update(update_id_hint: int, user: int, text: str) -> dict[str, Any]:
    return {
        "message_id": update_id_hint,
        "date": int(time.time()),
        "chat": {"id": user, "type": "private", "first_name": "Bench"},
        "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "en"},
        "text": text,
    }


class Workload:
    """Simulated users on the fake server's side; measures update -> sendMessage."""

    def __init__(self, api: Any, texts: Sequence[str], users: int, per_user: int) -> None:
        self.api = api
        self.texts = texts
        self.users = [FIRST_USER + i for i in range(users)]
        self.left = dict.fromkeys(self.users, per_user)
        self.expected = users * per_user
        self.pushed_at: dict[int, deque[float]] = {u: deque() for u in self.users}
        self.latencies: list[float] = []
        self.reply_times: list[float] = []
        self.first_push = 0.0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.closed_loop = True
        self.counter = 0

    def push(self, user: int) -> None:
        with self.lock:
            if self.left[user] <= 0:
                return
            self.left[user] -= 1
            self.counter += 1
            text = self.texts[(user * 7919 + self.counter) % len(self.texts)]
            self.pushed_at[user].append(time.monotonic())
            if not self.first_push:
                self.first_push = time.monotonic()
        self.api.push(message=_update(self.counter, user, text))

    def on_call(self, call: Any) -> None:
        if call.method != "sendMessage":
            return
        user = int(call.params.get("chat_id", 0))
        with self.lock:
            queue = self.pushed_at.get(user)
            if not queue:
                return  # not ours (a start-up call) or an extra message
            self.latencies.append(call.at - queue.popleft())
            self.reply_times.append(call.at)
            if len(self.latencies) >= self.expected:
                self.done.set()
        if self.closed_loop:
            self.push(user)

    def run_closed(self, timeout: float) -> None:
        for user in self.users:
            self.push(user)
        self.done.wait(timeout)

    def run_open(self, rate: float, timeout: float) -> None:
        self.closed_loop = False
        start = time.monotonic()
        for number in range(self.expected):
            user = self.users[number % len(self.users)]
            delay = start + number / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.push(user)
        self.done.wait(timeout)

    def result(self) -> dict[str, Any]:
        with self.lock:
            return {
                "expected": self.expected,
                "received": len(self.latencies),
                "first_push": self.first_push,
                "latencies": list(self.latencies),
                "reply_times": list(self.reply_times),
            }


def serve_child() -> None:
    """`bench_bot.py --serve`: the fake Bot API; commands and results as JSON lines."""
    sys.path.insert(0, str(TESTS_DIR))
    from auxil.fake_bot_api import FakeBotApi

    api = FakeBotApi(TOKEN).start()
    print(json.dumps({"base_url": api.base_url}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "stop":
            break
        api.clear()
        workload = Workload(api, command["texts"], command["users"], command["per_user"])
        api.on_call = workload.on_call
        if command["do"] == "closed":
            workload.run_closed(command["timeout"])
        else:
            workload.run_open(command["rate"], command["timeout"])
        api.on_call = None
        print(json.dumps(workload.result()), flush=True)
    api.stop()


class Child:
    """The child process, seen from the bots' side."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url: str = json.loads(self.process.stdout.readline())["base_url"]

    def run(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the fake Bot API process died")
        result: dict[str, Any] = json.loads(line)
        return result

    def close(self) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.write(json.dumps({"do": "stop"}) + "\n")
        try:
            self.process.communicate(timeout=10)  # also closes the pipes
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()


# --- the bots ----------------------------------------------------------------------------------


def questions(seed: int = 6) -> list[str]:
    """Real phrasings in three languages, some typed carelessly, and out-of-domain ones."""
    from twinbot.paths import bundled_knowledge_dir
    from twinbot.validate import load_valid_knowledge

    rng = random.Random(seed)
    knowledge = load_valid_knowledge(bundled_knowledge_dir())
    texts = [q for entry in knowledge for qs in entry.questions.values() for q in qs]
    rng.shuffle(texts)
    texts = texts[:300]
    careless = [t.lower().rstrip("?") for t in rng.sample(texts, len(texts) // 4)]
    return texts + careless + OUT_OF_DOMAIN * 4


class Bot:
    """One bot under test: how to build it, and its serving loop."""

    name: str

    def build(self, base_url: str) -> Any:
        raise NotImplementedError

    async def serve(self, application: Any, stop: asyncio.Event) -> None:
        raise NotImplementedError


class EchoBot(Bot):
    """python-telegram-bot's echo bot example: defaults everywhere."""

    name = "echo"

    def build(self, base_url: str) -> Any:
        from telegram import Update
        from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if update.message is not None and update.message.text is not None:
                await update.message.reply_text(update.message.text)

        application = ApplicationBuilder().token(TOKEN).base_url(base_url).build()
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        return application

    async def serve(self, application: Any, stop: asyncio.Event) -> None:
        async with application:
            await application.updater.start_polling(poll_interval=0.0)
            await application.start()
            await stop.wait()
            await application.updater.stop()
            await application.stop()


class Twinbot(Bot):
    """twinbot as `twinbot run` builds it (see the module docstring for the one difference)."""

    name = "twinbot"

    def __init__(self, data_dir: Path) -> None:
        from twinbot.assembly import build_responder, configured_encoder
        from twinbot.bot.context import Services
        from twinbot.i18n import Catalogs
        from twinbot.paths import bundled_knowledge_dir
        from twinbot.storage import Storage
        from twinbot.validate import load_valid_knowledge

        knowledge = load_valid_knowledge(bundled_knowledge_dir())
        self.data_dir = data_dir
        self.storage = Storage.open(data_dir)
        self.services = Services(
            build_responder(knowledge, Catalogs.load(), configured_encoder()),
            self.storage,
            dt.datetime.now(dt.UTC),
        )

    def settings(self, base_url: str) -> Any:
        from twinbot.config import Secret, Settings

        return Settings(
            token=Secret(TOKEN),
            api_url=base_url,
            data_dir=self.data_dir,
            reload="off",
            # flood control runs, but no simulated user ever reaches its limit
            flood_burst=1_000_000,
        )

    def build(self, base_url: str) -> Any:
        from twinbot.bot.app import build_application
        from twinbot.bot.delivery import DeliveryPolicy

        self.base_url = base_url
        return build_application(
            self.settings(base_url), self.services, delivery=DeliveryPolicy(overall_per_second=0)
        )

    async def serve(self, application: Any, stop: asyncio.Event) -> None:
        from twinbot.bot.app import serve

        await serve(application, self.settings(self.base_url), stop)


def process_cpu() -> float:
    """User and system CPU seconds of this process, all its threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Phase:
    """One measured run of one bot."""

    phase: str
    bot: str
    expected: int
    received: int
    seconds: float
    replies_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    #: CPU time of this process (the bot, its threads) per reply while the phase ran.
    cpu_ms_per_reply: float = float("nan")
    rss: list[tuple[int, int]] = field(default_factory=list)  # (replies so far, bytes)

    def row(self) -> str:
        return (
            f"| {self.phase} | {self.bot} | {self.received}/{self.expected} | "
            f"{self.seconds:.1f} | {self.replies_per_second:.0f} | {self.p50_ms:.1f} | "
            f"{self.p99_ms:.1f} | {self.max_ms:.1f} | {self.cpu_ms_per_reply:.2f} |"
        )


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(
    bot: Bot, child: Child, phase: str, command: dict[str, Any], sample_rss: bool = False
) -> Phase:
    application = bot.build(child.base_url)
    stop = asyncio.Event()
    serving = asyncio.create_task(bot.serve(application, stop))
    while not application.running:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.01)
    samples: list[tuple[float, int]] = []

    async def sample() -> None:
        while True:
            samples.append((time.monotonic(), rss_bytes()))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample()) if sample_rss else None
    cpu_before = process_cpu()
    try:
        result = await asyncio.to_thread(child.run, **command)
        cpu = process_cpu() - cpu_before
    finally:
        if sampler is not None:
            sampler.cancel()
        stop.set()
        await serving
    times = result["reply_times"]
    latencies = [1000 * value for value in result["latencies"]]
    seconds = (max(times) - result["first_push"]) if times else float("nan")
    rss = [(sum(1 for t in times if t <= at), size) for at, size in samples]
    return Phase(
        phase,
        bot.name,
        result["expected"],
        result["received"],
        seconds,
        len(times) / seconds if times else 0.0,
        percentile(latencies, 0.50),
        percentile(latencies, 0.90),
        percentile(latencies, 0.99),
        max(latencies, default=float("nan")),
        1000 * cpu / len(times) if times else float("nan"),
        rss,
    )


# --- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    users: int
    messages: int
    repeats: int
    rate: float
    rate_seconds: float
    rate_users: int
    soak: int
    soak_users: int
    timeout: float


def rss_verdict(soak: Phase) -> dict[str, Any]:
    """RSS at a quarter, half and the end of the soak; growth over the second half."""
    if not soak.rss:
        return {}
    total = soak.received or 1

    def at(share: float) -> int:
        return next((size for done, size in soak.rss if done >= share * total), soak.rss[-1][1])

    half, end = at(0.5), soak.rss[-1][1]
    return {
        "rss_start_mb": soak.rss[0][1] / 1e6,
        "rss_quarter_mb": at(0.25) / 1e6,
        "rss_half_mb": half / 1e6,
        "rss_end_mb": end / 1e6,
        "growth_second_half": (end - half) / half,
    }


async def run(plan: Plan, progress: Callable[[str], None]) -> dict[str, Any]:
    texts = questions()
    child = Child()
    data_dir = Path(tempfile.mkdtemp(prefix="bench_bot-"))
    bots: list[Bot] = [EchoBot(), Twinbot(data_dir)]
    phases: list[Phase] = []
    closed = {"do": "closed", "texts": texts, "timeout": plan.timeout}
    try:
        for bot in bots:  # warm-up: connections, caches, the first SQLite pages
            progress(f"warm-up {bot.name}")
            await measure(bot, child, "warm-up", {**closed, "users": plan.users, "per_user": 3})
        for repeat in range(plan.repeats):
            for bot in bots:
                progress(f"throughput {bot.name} ({repeat + 1}/{plan.repeats})")
                command = {**closed, "users": plan.users, "per_user": plan.messages}
                phases.append(await measure(bot, child, "throughput", command))
        count = round(plan.rate * plan.rate_seconds)
        for bot in bots:
            progress(f"rate {plan.rate:g}/s {bot.name}")
            command = {
                "do": "open",
                "texts": texts,
                "rate": plan.rate,
                "users": plan.rate_users,
                "per_user": max(1, count // plan.rate_users),
                "timeout": plan.timeout,
            }
            phases.append(await measure(bot, child, f"rate {plan.rate:g}/s", command))
        soak = None
        if plan.soak:
            progress(f"soak {plan.soak} twinbot")
            per_user = max(1, plan.soak // plan.soak_users)
            command = {**closed, "users": plan.soak_users, "per_user": per_user}
            soak = await measure(bots[1], child, f"soak {plan.soak}", command, sample_rss=True)
            phases.append(soak)
    finally:
        child.close()
        if isinstance(bots[1], Twinbot):
            bots[1].storage.close()
    return summarize(plan, phases, soak)


def _median_run(phases: Sequence[Phase], bot: str) -> Phase:
    runs = sorted((p for p in phases if p.bot == bot), key=lambda p: p.replies_per_second)
    return runs[len(runs) // 2]


def summarize(plan: Plan, phases: list[Phase], soak: Phase | None) -> dict[str, Any]:
    throughput = [p for p in phases if p.phase == "throughput"]
    echo = _median_run(throughput, "echo")
    twin = _median_run(throughput, "twinbot")
    rate_twin = next(p for p in phases if p.phase.startswith("rate") and p.bot == "twinbot")
    # The machine is shared and noisy: each twinbot run is compared with the echo run right
    # before it, and the median of those ratios counts.
    pairs = [
        twin_run.replies_per_second / echo_run.replies_per_second
        for echo_run, twin_run in zip(throughput[0::2], throughput[1::2], strict=True)
    ]
    ratio = statistics.median(pairs)
    memory = rss_verdict(soak) if soak is not None else {}
    complete = all(p.received == p.expected for p in phases)
    targets = {
        "throughput_ratio": {
            "value": ratio,
            "target": f">= {TARGET_THROUGHPUT_RATIO}",
            "met": ratio >= TARGET_THROUGHPUT_RATIO,
        },
        "p99_ms_at_rate": {
            "value": rate_twin.p99_ms,
            "target": f"<= {TARGET_P99_MS} at {plan.rate:g}/s",
            "met": rate_twin.p99_ms <= TARGET_P99_MS,
        },
        "every_reply_arrived": {"value": complete, "target": "all", "met": complete},
    }
    if memory:
        growth = memory["growth_second_half"]
        targets["rss_growth_second_half"] = {
            "value": growth,
            "target": f"<= {TARGET_RSS_GROWTH:.0%}",
            "met": growth <= TARGET_RSS_GROWTH,
        }
    return {
        "benchmark": "bench_bot",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "git_revision": git_revision(),
        "plan": plan.__dict__,
        "phases": [{k: v for k, v in p.__dict__.items() if k != "rss"} for p in phases],
        "throughput_ratios": pairs,
        "median_replies_per_second": {
            "echo": echo.replies_per_second,
            "twinbot": twin.replies_per_second,
        },
        # Less sensitive to other processes than wall-clock throughput: the throughput ratio
        # the bot would reach if this process alone decided it.
        "cpu_ratio": statistics.median(
            e.cpu_ms_per_reply / t.cpu_ms_per_reply
            for e, t in zip(throughput[0::2], throughput[1::2], strict=True)
        ),
        "soak_rss": [list(sample) for sample in (soak.rss if soak else [])][::4],
        "memory": memory,
        "targets": targets,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        "| phase | bot | replies | s | replies/s | p50 ms | p99 ms | max ms | CPU ms/reply |",
        "|:---|:---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for data in report["phases"]:
        lines.append(Phase(**data).row())
    lines += ["", "| target | value | wanted | met |", "|:---|---:|:---|:---|"]
    for name, target in report["targets"].items():
        value = target["value"]
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        lines.append(
            f"| {name} | {shown} | {target['target']} | {'yes' if target['met'] else 'NO'} |"
        )
    lines += [
        "",
        "Throughput ratio per pair: "
        + ", ".join(f"{ratio:.2f}" for ratio in report["throughput_ratios"])
        + f"; by CPU per reply (echo/twinbot, median): {report['cpu_ratio']:.2f}",
    ]
    memory = report["memory"]
    if memory:
        lines.append("")
        lines.append(
            "RSS over the soak: start {rss_start_mb:.0f} MB, a quarter {rss_quarter_mb:.0f} MB, "
            "half {rss_half_mb:.0f} MB, end {rss_end_mb:.0f} MB".format(**memory)
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_revision() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50, help="users in the throughput phase")
    parser.add_argument("--messages", type=int, default=40, help="messages per user there")
    parser.add_argument("--repeats", type=int, default=3, help="alternating throughput runs")
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s in the rate phase")
    parser.add_argument("--rate-seconds", type=float, default=20.0, help="length of that phase")
    parser.add_argument("--rate-users", type=int, default=200, help="users sending them")
    parser.add_argument("--soak", type=int, default=20_000, help="soak messages (0: none)")
    parser.add_argument("--soak-users", type=int, default=50, help="users in the soak")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up on a phase after")
    parser.add_argument("--quick", action="store_true", help="small numbers, about 30 s")
    parser.add_argument("--output", type=Path, help="JSON file (default: results/bench_bot-DATE)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.messages, args.repeats = 20, 20, 1
        args.rate_seconds, args.soak = 5.0, 2_000
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve_child()
        return 0
    plan = Plan(
        users=args.users,
        messages=args.messages,
        repeats=args.repeats,
        rate=args.rate,
        rate_seconds=args.rate_seconds,
        rate_users=args.rate_users,
        soak=args.soak,
        soak_users=args.soak_users,
        timeout=args.timeout,
    )

    def progress(text: str) -> None:
        print(f"… {text}", file=sys.stderr, flush=True)

    report = asyncio.run(run(plan, progress))
    print(render(report))
    if not args.no_write:
        output = args.output or RESULTS_DIR / f"bench_bot-{dt.date.today().isoformat()}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwritten to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
