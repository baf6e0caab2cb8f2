"""The question log's analysis: grouping unanswered questions, statistics, text/CSV/JSON."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from twinbot import report
from twinbot.knowledge import Lang
from twinbot.storage import LoggedQuestion

BERLIN = timezone(timedelta(hours=2))
NOW = datetime(2015, 6, 30, 12, 0, tzinfo=UTC)
PERIOD = report.Period.last_days(7, NOW, UTC)
_ids = itertools.count(1)


def logged(
    text: str | None,
    outcome: str = "not_found",
    lang: Lang = "de",
    *,
    at: datetime = NOW,
    entry: str | None = None,
    suggested: str | None = None,
) -> LoggedQuestion:
    return LoggedQuestion(next(_ids), at, lang, outcome, entry, text, suggested)


LOG = [
    logged("Wo kann ich parken?", at=NOW - timedelta(days=2)),
    logged("wo kann ich PARKEN", at=NOW - timedelta(hours=3)),
    logged("где парковка", lang="ru", at=NOW - timedelta(hours=2)),
    logged("Wo kann ich parken", "suggestions", suggested="conference-venue", at=NOW),
    logged("konferenz wo", "suggestions", suggested="conference-venue"),
    logged(None, "answer", entry="conference-dates"),
    logged(None, "answer", "ru", entry="conference-dates"),
    logged(None, "answer", "en", entry="conference-venue"),
]


def test_unanswered_questions_are_grouped_by_folded_text_most_frequent_first() -> None:
    result = report.unanswered(LOG, PERIOD)
    assert (result.total, result.distinct) == (5, 3)
    first = result.questions[0]
    assert first.normalized == "wo kann ich parken"
    assert first.question == "Wo kann ich parken"  # the most recent wording
    assert (first.count, first.not_found, first.suggestions) == (3, 2, 1)
    assert first.languages == (("de", 3),)
    assert first.top_suggestion == "conference-venue"
    assert first.first_seen == NOW - timedelta(days=2)
    assert first.last_seen == NOW
    # Ties: the one seen last comes first.
    assert [q.normalized for q in result.questions[1:]] == ["konferenz wo", "где парковка"]


def test_limit_keeps_the_totals() -> None:
    result = report.unanswered(LOG, PERIOD, limit=1)
    assert len(result.questions) == 1
    assert (result.total, result.distinct) == (5, 3)
    assert "the 1 most frequent" in report.unanswered_text(result)


def test_stats_count_days_languages_outcomes_and_entries() -> None:
    result = report.stats(LOG, PERIOD, UTC)
    assert result.total == 8
    assert dict(result.outcomes) == {"answer": 3, "suggestions": 2, "not_found": 3}
    assert result.share("answer") == pytest.approx(3 / 8)
    assert result.languages == (("de", 5), ("ru", 2), ("en", 1))
    assert [(d.day, d.total) for d in result.days] == [
        (date(2015, 6, 28), 1),
        (date(2015, 6, 30), 7),
    ]
    assert result.days[1].languages == (("en", 1), ("de", 4), ("ru", 2))
    assert result.top_entries == (("conference-dates", 2), ("conference-venue", 1))


def test_days_follow_the_time_zone() -> None:
    late = [logged("x", at=datetime(2015, 6, 27, 23, 30, tzinfo=UTC))]
    assert report.stats(late, PERIOD, UTC).days[0].day == date(2015, 6, 27)
    assert report.stats(late, PERIOD, BERLIN).days[0].day == date(2015, 6, 28)


def test_empty_log() -> None:
    assert report.stats([], PERIOD, UTC).share("answer") == 0.0
    assert report.stats_text(report.stats([], PERIOD, UTC)) == "Questions in the last 7 days: 0"
    assert report.unanswered([], PERIOD).questions == ()


@pytest.mark.parametrize(
    ("period", "since"),
    [
        (report.Period.last_days(1, NOW, UTC), datetime(2015, 6, 30, tzinfo=UTC)),
        (report.Period.last_days(7, NOW, BERLIN), datetime(2015, 6, 24, tzinfo=BERLIN)),
        (report.Period.starting(date(2015, 6, 1), NOW, UTC), datetime(2015, 6, 1, tzinfo=UTC)),
        (report.Period.starting(None, NOW, UTC), None),
    ],
)
def test_periods_start_at_local_midnight(period: report.Period, since: datetime | None) -> None:
    assert period.since == since
    assert period.until == NOW


def test_unanswered_csv_has_stable_columns() -> None:
    rows = list(csv.reader(io.StringIO(report.unanswered_csv(report.unanswered(LOG, PERIOD)))))
    assert tuple(rows[0]) == report.UNANSWERED_COLUMNS
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["question"] == "Wo kann ich parken"
    assert (record["count"], record["count_de"], record["count_ru"]) == ("3", "3", "0")
    assert record["top_suggestion"] == "conference-venue"
    assert record["last_seen"] == "2015-06-30T12:00:00+00:00"
    assert len(rows) == 4


def test_stats_csv_is_one_row_per_day_language_outcome_and_entry() -> None:
    rows = list(csv.DictReader(io.StringIO(report.stats_csv(report.stats(LOG, PERIOD, UTC)))))
    assert sum(int(r["count"]) for r in rows) == 8
    assert {"day": "2015-06-30", "lang": "ru", "outcome": "answer"}.items() <= next(
        r for r in rows if r["entry"] == "conference-dates" and r["lang"] == "ru"
    ).items()
    assert all(r["entry"] == "" for r in rows if r["outcome"] != "answer")


def test_json_documents() -> None:
    listing = json.loads(report.as_json(report.unanswered(LOG, PERIOD)))
    assert listing["period"] == {
        "since": "2015-06-24T00:00:00+00:00",
        "until": "2015-06-30T12:00:00+00:00",
        "days": 7,
    }
    assert listing["questions"][0]["languages"] == {"de": 3}
    assert listing["questions"][2]["question"] == "где парковка"  # not \\u-escaped
    stats = json.loads(report.as_json(report.stats(LOG, PERIOD, UTC)))
    assert stats["outcomes"]["answer"] == {"count": 3, "share": 0.375}
    assert stats["days"][0] == {
        "day": "2015-06-28",
        "total": 1,
        "languages": {"de": 1},
        "outcomes": {"not_found": 1},
    }
    assert stats["top_entries"][0] == {"entry": "conference-dates", "count": 2}


def test_text_formats_read_well() -> None:
    text = report.unanswered_text(report.unanswered(LOG, PERIOD))
    assert text.splitlines()[0] == "Unanswered questions in the last 7 days: 5 (3 different)"
    assert "  1. 3x  Wo kann ich parken" in text
    assert "de 3; not found 2; suggestions 1 (offered first: conference-venue)" in text
    stats = report.stats_text(report.stats(LOG, PERIOD, UTC))
    assert "answered 3 (38%), suggestions 2 (25%), not found 3 (38%)" in stats
    assert "  2015-06-30      7  (en 1, de 4, ru 2; answered 3)" in stats
