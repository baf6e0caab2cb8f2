"""What the question log tells organisers: unanswered questions and usage statistics.

This module owns the analysis behind `twinbot report`, `/unanswered` and `/stats`, and the
tool-facing formats (plain text, CSV and JSON with stable field names). Unanswered questions
(not found, or only "did you mean" suggestions) are grouped by their folded text, so "Wo kann
ich parken?" and "wo kann ich parken" count as one; nothing in a report identifies a user,
because the log holds no user ids. Days are calendar days in the given time zone (the
server's local one by default). The same reports as localized Telegram messages are
`twinbot.bot.admin_render`'s; this module knows no Telegram and no gettext.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar

from twinbot.knowledge import LANGS, Lang
from twinbot.storage import OUTCOMES, LoggedQuestion, Vote
from twinbot.textnorm import fold

#: How many periods' worth of questions `/unanswered` and `twinbot report` list by default.
DEFAULT_DAYS = 7
DEFAULT_LIMIT = 20
#: How many entries "top entries" lists.
TOP_ENTRIES = 10

#: Stable column names for tools; new columns are only ever appended.
UNANSWERED_COLUMNS = (
    "question",
    "normalized",
    "count",
    "not_found",
    "suggestions",
    "count_de",
    "count_ru",
    "count_en",
    "top_suggestion",
    "first_seen",
    "last_seen",
    # Appended with "Helpful?" votes: rows for answers rated 👎 carry the entry that was given.
    "not_helpful",
    "entry_given",
)
STATS_COLUMNS = ("day", "lang", "outcome", "entry", "count")

_K = TypeVar("_K", bound=str)


def local_zone() -> tzinfo:
    """The time zone of this machine (TZ, /etc/localtime), for calendar days."""
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None  # astimezone() always sets one
    return zone


@dataclass(frozen=True, slots=True)
class Period:
    """From `since` (None: the beginning of the log) to `until`, both aware datetimes."""

    since: datetime | None
    until: datetime
    #: How the period was asked for: "last N days" (None for --since / --all).
    days: int | None = None

    @classmethod
    def last_days(cls, days: int, now: datetime, zone: tzinfo) -> Period:
        """Today and the *days* - 1 days before it, in *zone*."""
        if days < 1:
            raise ValueError("a period has at least one day")
        today = now.astimezone(zone).date()
        return cls(_midnight(today - timedelta(days=days - 1), zone), now, days)

    @classmethod
    def starting(cls, first: date | None, now: datetime, zone: tzinfo) -> Period:
        """From the start of *first* (None: everything) until *now*."""
        return cls(None if first is None else _midnight(first, zone), now)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(timespec="seconds") if self.since else None,
            "until": self.until.isoformat(timespec="seconds"),
            "days": self.days,
        }


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), zone)


# --- unanswered questions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """One question (all its spellings) the bot could not answer, over a period."""

    #: The most recent wording as a participant typed it.
    question: str
    #: The folded text the wordings share.
    normalized: str
    count: int
    not_found: int
    suggestions: int
    #: Languages by how often, most frequent first.
    languages: tuple[tuple[Lang, int], ...]
    #: The entry most often offered as "did you mean" (None if never).
    top_suggestion: str | None
    first_seen: datetime
    last_seen: datetime

    def count_in(self, lang: Lang) -> int:
        return dict(self.languages).get(lang, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "normalized": self.normalized,
            "count": self.count,
            "not_found": self.not_found,
            "suggestions": self.suggestions,
            "languages": {lang: count for lang, count in self.languages},
            "top_suggestion": self.top_suggestion,
            "first_seen": self.first_seen.isoformat(timespec="seconds"),
            "last_seen": self.last_seen.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True, slots=True)
class NotHelpful:
    """An entry whose answer was rated 👎, with the questions it was given for."""

    entry_id: str
    count: int
    #: The questions (most recent first, each once) when the bot still knew them.
    questions: tuple[str, ...]
    languages: tuple[tuple[Lang, int], ...]
    first_seen: datetime
    last_seen: datetime

    def count_in(self, lang: Lang) -> int:
        return dict(self.languages).get(lang, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry_id,
            "count": self.count,
            "questions": list(self.questions),
            "languages": {lang: count for lang, count in self.languages},
            "first_seen": self.first_seen.isoformat(timespec="seconds"),
            "last_seen": self.last_seen.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True, slots=True)
class UnansweredReport:
    """The most frequent unanswered questions of a period, and the answers rated 👎."""

    period: Period
    questions: tuple[UnansweredQuestion, ...]
    #: All unanswered questions in the period, and how many different ones, before the limit.
    total: int
    distinct: int
    #: Entries whose answers were rated "not helpful", most often first.
    not_helpful: tuple[NotHelpful, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.to_json(),
            "total": self.total,
            "distinct": self.distinct,
            "questions": [q.to_json() for q in self.questions],
            "not_helpful": [n.to_json() for n in self.not_helpful],
        }


def unanswered(
    logged: Iterable[LoggedQuestion],
    period: Period,
    *,
    limit: int = DEFAULT_LIMIT,
    votes: Iterable[Vote] = (),
) -> UnansweredReport:
    """Group the not found and suggestion-only questions by folded text, most frequent first;
    with *votes*, the entries rated 👎 too."""
    groups: dict[str, list[LoggedQuestion]] = defaultdict(list)
    total = 0
    for question in logged:
        if question.outcome == "answer" or not question.text:
            continue
        total += 1
        key = fold(question.text) or question.text.strip().casefold()
        groups[key].append(question)
    summaries = [_summarize(key, rows) for key, rows in groups.items()]
    summaries.sort(key=lambda q: (-q.count, -q.last_seen.timestamp(), q.normalized))
    rated = not_helpful(votes, limit=limit)
    return UnansweredReport(period, tuple(summaries[: max(limit, 0)]), total, len(summaries), rated)


#: How many of the questions behind a 👎 entry a report shows.
NOT_HELPFUL_QUESTIONS = 3


def not_helpful(votes: Iterable[Vote], *, limit: int = DEFAULT_LIMIT) -> tuple[NotHelpful, ...]:
    """The entries rated 👎, most often first, each with the latest questions behind them."""
    by_entry: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        if not vote.helpful:
            by_entry[vote.entry_id].append(vote)
    rated = []
    for entry_id, rows in by_entry.items():
        rows.sort(key=lambda v: v.ts)
        questions: list[str] = []
        for vote in reversed(rows):
            if vote.question and vote.question not in questions:
                questions.append(vote.question)
        languages = Counter(v.lang for v in rows)
        rated.append(
            NotHelpful(
                entry_id,
                len(rows),
                tuple(questions[:NOT_HELPFUL_QUESTIONS]),
                tuple(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
                rows[0].ts,
                rows[-1].ts,
            )
        )
    rated.sort(key=lambda n: (-n.count, -n.last_seen.timestamp(), n.entry_id))
    return tuple(rated[: max(limit, 0)])


def _summarize(key: str, rows: list[LoggedQuestion]) -> UnansweredQuestion:
    rows = sorted(rows, key=lambda q: (q.ts, q.id))
    languages = Counter(q.lang for q in rows)
    offered = Counter(q.suggested for q in rows if q.suggested)
    outcomes = Counter(q.outcome for q in rows)
    return UnansweredQuestion(
        question=rows[-1].text or key,
        normalized=key,
        count=len(rows),
        not_found=outcomes["not_found"],
        suggestions=outcomes["suggestions"],
        languages=tuple(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        top_suggestion=min(offered, key=lambda e: (-offered[e], e)) if offered else None,
        first_seen=rows[0].ts,
        last_seen=rows[-1].ts,
    )


# --- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayStats:
    """The questions of one calendar day."""

    day: date
    total: int
    languages: tuple[tuple[Lang, int], ...]
    outcomes: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Stats:
    """How much the bot was asked in a period, in which languages, and how well it did."""

    period: Period
    total: int
    #: outcome -> count, for every outcome (zeros included), in `OUTCOMES` order.
    outcomes: tuple[tuple[str, int], ...]
    languages: tuple[tuple[Lang, int], ...]
    days: tuple[DayStats, ...]
    #: The most answered entries, most frequent first (small talk not among them).
    top_entries: tuple[tuple[str, int], ...]
    #: (day, lang, outcome, entry or "", count): everything above, for spreadsheets.
    rows: tuple[tuple[date, Lang, str, str, int], ...]
    #: Answers given by small-talk entries (greetings, thanks), counted apart.
    smalltalk: int = 0
    #: "Helpful?" votes in the period: 👍 and 👎.
    helpful: int = 0
    not_helpful: int = 0

    def share(self, outcome: str) -> float:
        """The fraction (0..1) of questions with *outcome*; 0 when there were none."""
        return dict(self.outcomes).get(outcome, 0) / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.to_json(),
            "total": self.total,
            "outcomes": {
                outcome: {"count": count, "share": round(self.share(outcome), 4)}
                for outcome, count in self.outcomes
            },
            "languages": dict(self.languages),
            "days": [
                {
                    "day": day.day.isoformat(),
                    "total": day.total,
                    "languages": dict(day.languages),
                    "outcomes": dict(day.outcomes),
                }
                for day in self.days
            ],
            "top_entries": [{"entry": e, "count": n} for e, n in self.top_entries],
            "smalltalk": self.smalltalk,
            "votes": {"helpful": self.helpful, "not_helpful": self.not_helpful},
        }


def stats(
    logged: Iterable[LoggedQuestion],
    period: Period,
    zone: tzinfo,
    *,
    top: int = TOP_ENTRIES,
    smalltalk: frozenset[str] = frozenset(),
    votes: Iterable[Vote] = (),
) -> Stats:
    """Counts per day and language, outcome shares, and the most answered entries.

    Entries in *smalltalk* (greetings, thanks) are counted apart, not as "most answered".
    """
    rated = list(votes)
    cells: Counter[tuple[date, Lang, str, str]] = Counter()
    for question in logged:
        day = question.ts.astimezone(zone).date()
        entry = (question.entry_id or "") if question.outcome == "answer" else ""
        cells[(day, question.lang, question.outcome, entry)] += 1
    outcomes: Counter[str] = Counter()
    languages: Counter[Lang] = Counter()
    entries: Counter[str] = Counter()
    chatter = 0
    per_day: dict[date, tuple[Counter[Lang], Counter[str]]] = {}
    for (day, lang, outcome, entry), count in cells.items():
        outcomes[outcome] += count
        languages[lang] += count
        if entry in smalltalk:
            chatter += count
        elif entry:
            entries[entry] += count
        by_lang, by_outcome = per_day.setdefault(day, (Counter(), Counter()))
        by_lang[lang] += count
        by_outcome[outcome] += count
    days = tuple(
        DayStats(
            day,
            sum(by_lang.values()),
            _in_order(by_lang, LANGS),
            _in_order(by_outcome, OUTCOMES),
        )
        for day, (by_lang, by_outcome) in sorted(per_day.items())
    )
    return Stats(
        period=period,
        total=sum(outcomes.values()),
        outcomes=tuple((o, outcomes[o]) for o in OUTCOMES),
        languages=tuple(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        days=days,
        top_entries=tuple(sorted(entries.items(), key=lambda item: (-item[1], item[0]))[:top]),
        rows=tuple(
            (day, lang, outcome, entry, count)
            for (day, lang, outcome, entry), count in sorted(cells.items())
        ),
        smalltalk=chatter,
        helpful=sum(1 for vote in rated if vote.helpful),
        not_helpful=sum(1 for vote in rated if not vote.helpful),
    )


def _in_order(counts: Counter[_K], order: Sequence[_K]) -> tuple[tuple[_K, int], ...]:
    return tuple((key, counts[key]) for key in order if counts[key])


# --- formats for terminals and tools ----------------------------------------------------------

FORMATS = ("text", "csv", "json")
_OUTCOME_NAMES = {"answer": "answered", "suggestions": "suggestions", "not_found": "not found"}


def unanswered_text(report: UnansweredReport) -> str:
    """The report as organisers read it in a terminal."""
    lines = [
        f"Unanswered questions {_period_text(report.period)}: {report.total} "
        f"({report.distinct} different)"
    ]
    if report.distinct > len(report.questions):
        lines[0] += f", the {len(report.questions)} most frequent"
    for number, q in enumerate(report.questions, 1):
        langs = ", ".join(f"{lang} {n}" for lang, n in q.languages)
        outcome = []
        if q.not_found:
            outcome.append(f"not found {q.not_found}")
        if q.suggestions:
            offered = f" (offered first: {q.top_suggestion})" if q.top_suggestion else ""
            outcome.append(f"suggestions {q.suggestions}{offered}")
        lines.append(f"{number:3}. {q.count}x  {q.question}")
        lines.append(
            f"     {langs}; {'; '.join(outcome)}; last {q.last_seen.strftime('%Y-%m-%d %H:%M')}"
        )
    if report.not_helpful:
        lines += ["", f"Answers rated not helpful {_period_text(report.period)}:"]
        for number, n in enumerate(report.not_helpful, 1):
            langs = ", ".join(f"{lang} {c}" for lang, c in n.languages)
            lines.append(f"{number:3}. {n.count}x  {n.entry_id}  ({langs})")
            lines += [f"     asked: {question}" for question in n.questions]
    return "\n".join(lines)


def unanswered_csv(report: UnansweredReport) -> str:
    """One row per question, columns `UNANSWERED_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UNANSWERED_COLUMNS)
    for q in report.questions:
        writer.writerow(
            [
                q.question,
                q.normalized,
                q.count,
                q.not_found,
                q.suggestions,
                q.count_in("de"),
                q.count_in("ru"),
                q.count_in("en"),
                q.top_suggestion or "",
                q.first_seen.isoformat(timespec="seconds"),
                q.last_seen.isoformat(timespec="seconds"),
                0,
                "",
            ]
        )
    for n in report.not_helpful:
        writer.writerow(
            [
                n.questions[0] if n.questions else "",
                "",
                n.count,
                0,
                0,
                n.count_in("de"),
                n.count_in("ru"),
                n.count_in("en"),
                "",
                n.first_seen.isoformat(timespec="seconds"),
                n.last_seen.isoformat(timespec="seconds"),
                n.count,
                n.entry_id,
            ]
        )
    return buffer.getvalue().rstrip("\n")


def stats_text(report: Stats) -> str:
    """The statistics as organisers read them in a terminal."""
    lines = [f"Questions {_period_text(report.period)}: {report.total}"]
    if not report.total:
        return lines[0]
    lines[0] += " — " + ", ".join(
        f"{_OUTCOME_NAMES[o]} {n} ({report.share(o):.0%})" for o, n in report.outcomes
    )
    lines.append("Languages: " + ", ".join(f"{lang} {n}" for lang, n in report.languages))
    lines += ["", "Per day:"]
    for day in report.days:
        langs = ", ".join(f"{lang} {n}" for lang, n in day.languages)
        answered = dict(day.outcomes).get("answer", 0)
        lines.append(f"  {day.day.isoformat()}  {day.total:5}  ({langs}; answered {answered})")
    if report.top_entries:
        lines += ["", "Most answered entries:"]
        lines += [f"  {n:5}  {entry}" for entry, n in report.top_entries]
    if report.smalltalk:
        lines += ["", f"Small talk (greetings, thanks) answered: {report.smalltalk}"]
    if report.helpful or report.not_helpful:
        lines += ["", f"Helpful? 👍 {report.helpful}  👎 {report.not_helpful}"]
    return "\n".join(lines)


def stats_csv(report: Stats) -> str:
    """One row per day, language, outcome and answered entry, columns `STATS_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STATS_COLUMNS)
    for day, lang, outcome, entry, count in report.rows:
        writer.writerow([day.isoformat(), lang, outcome, entry, count])
    return buffer.getvalue().rstrip("\n")


def as_json(report: UnansweredReport | Stats) -> str:
    """The report as one JSON document."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)


def _period_text(period: Period) -> str:
    if period.days is not None:
        return "today" if period.days == 1 else f"in the last {period.days} days"
    if period.since is None:
        return "since the log began"
    return f"since {period.since.date().isoformat()}"
