"""What organisers see in Telegram: reload results, /unanswered and /stats, localized.

`admin.py`'s counterpart of `render`: pure functions of a result or report (the analysis is
`twinbot.report`'s, shared with `twinbot report`), a `Translator` and the knowledge base.
Each returns the messages to send: text that does not fit Telegram's 4096 characters is split
between lines, and the validator's lines (which contain `<`, `&` and file paths) are
HTML-escaped inside `<pre>` blocks that are closed and reopened at every split. Numbers,
percentages and dates are formatted by Babel for the organiser's language; times are shown in
the server's time zone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, tzinfo

from telegram import BotCommand

from twinbot.i18n import Translator
from twinbot.knowledge import KnowledgeBase
from twinbot.reloader import ReloadResult
from twinbot.report import Stats, UnansweredReport

#: Telegram's limit on one message, in characters (UTF-16 code units).
MAX_MESSAGE = 4096
#: A validator line longer than this is cut (a pasted answer in an error message, say).
MAX_PROBLEM_LINE = 600
#: Problem lines one reload notice shows at most; the rest are counted, `twinbot check` lists
#: them all. A folder with thousands of problems must not become hundreds of messages.
MAX_NOTICE_PROBLEMS = 20
#: Days an admin may ask for at most (`/stats 100000` would scan the whole log anyway).
MAX_DAYS = 3660


def admin_commands(tr: Translator) -> list[BotCommand]:
    """The organisers' part of the command menu, shown only in admins' chats."""
    return [
        BotCommand("reload", tr.gettext("Reload the knowledge base")),
        BotCommand("unanswered", tr.gettext("Questions I could not answer")),
        BotCommand("stats", tr.gettext("Questions per day, language and outcome")),
    ]


def usage(tr: Translator, command: str) -> list[str]:
    """The hint for a malformed period, e.g. `/stats lots`."""
    text = tr.gettext(
        "Send /{command} for the last 7 days, or /{command} 30 for the last 30 days."
    ).format(command=command)
    return [text]


# --- reloads --------------------------------------------------------------------------------


def reload_messages(
    result: ReloadResult, tr: Translator, serving_since: datetime, zone: tzinfo
) -> list[str]:
    """The outcome of a reload: the new size and warnings, or why nothing changed."""
    folder = html.escape(str(result.directory))
    if result.ok:
        answers = tr.ngettext("{count} answer", "{count} answers", result.entries).format(
            count=tr.number(result.entries)
        )
        topics = tr.ngettext("{count} topic", "{count} topics", result.topics).format(
            count=tr.number(result.topics)
        )
        head = tr.gettext("✅ Knowledge base reloaded from {folder}: {answers}, {topics}.").format(
            folder=f"<code>{folder}</code>", answers=answers, topics=topics
        )
        if not result.warnings:
            return [head]
        note = tr.ngettext(
            "{count} warning — worth a look, but the bot uses the new version:",
            "{count} warnings — worth a look, but the bot uses the new version:",
            result.warnings,
        ).format(count=tr.number(result.warnings))
        return [_notice([head, note], _problem_lines(result), tr)]
    since = tr.date(serving_since.astimezone(zone), "short")
    if result.failure is not None:
        head = tr.gettext(
            "❌ Reloading {folder} failed: {error}. The bot keeps answering with the knowledge "
            "base loaded at {time}. Details are in the bot's log."
        ).format(folder=f"<code>{folder}</code>", error=html.escape(result.failure), time=since)
        return [head]
    head = tr.ngettext(
        "❌ The knowledge base in {folder} was not reloaded: {count} error. The bot keeps "
        "answering with the version loaded at {time}. Fix this and save again:",
        "❌ The knowledge base in {folder} was not reloaded: {count} errors. The bot keeps "
        "answering with the version loaded at {time}. Fix these and save again:",
        result.errors,
    ).format(folder=f"<code>{folder}</code>", count=tr.number(result.errors), time=since)
    return [_notice([head], _problem_lines(result), tr)]


def _notice(head: list[str], lines: list[str], tr: Translator) -> str:
    """*head* and the first problem lines that fit in one message, then how many are left."""
    shown = lines[:MAX_NOTICE_PROBLEMS]
    while True:
        left = len(lines) - len(shown)
        tail = [_more(left, tr)] if left else []
        [text, *rest] = split_lines(head, shown) if shown else ["\n".join(head)]
        text = "\n".join([text, *tail])
        if not rest and _length(text) <= MAX_MESSAGE:
            return text
        shown = shown[:-1]


def _more(count: int, tr: Translator) -> str:
    return tr.ngettext(
        "…and {count} more problem: run {command} to see them all.",
        "…and {count} more problems: run {command} to see them all.",
        count,
    ).format(count=tr.number(count), command="<code>twinbot check</code>")


def _problem_lines(result: ReloadResult) -> list[str]:
    # Paths relative to the folder read better on a phone; the totals line is left out.
    prefix = f"{result.directory}/"
    lines = [line.replace(prefix, "") for line in result.lines if line.count(":") >= 2]
    return [
        line if len(line) <= MAX_PROBLEM_LINE else line[: MAX_PROBLEM_LINE - 1] + "…"
        for line in lines
    ]


# --- the database ---------------------------------------------------------------------------


def database_notice(tr: Translator, path: str, problem: str, aside: str = "") -> str:
    """What admins hear when the database was damaged, deleted or turned read-only."""
    where = f"<code>{html.escape(path)}</code>"
    if problem == "damaged":
        return tr.gettext(
            "⚠️ The database {path} was damaged. The bot moved it aside to {aside} and started "
            "a fresh one: language choices and the question log so far are only in the old file."
        ).format(path=where, aside=f"<code>{html.escape(aside)}</code>")
    if problem == "deleted":
        return tr.gettext(
            "⚠️ The database {path} was deleted while the bot runs. The bot keeps answering, "
            "but what it saves now is lost at the next restart. Restart the bot (it creates a "
            "new one) or restore a backup."
        ).format(path=where)
    return tr.gettext(
        "⚠️ The database {path} is read-only. The bot keeps answering, but cannot save "
        "language choices, the question log or incoming messages. Make it writable again."
    ).format(path=where)


# --- unanswered questions -------------------------------------------------------------------


def unanswered_messages(
    report: UnansweredReport,
    tr: Translator,
    zone: tzinfo,
    knowledge: KnowledgeBase | None = None,
) -> list[str]:
    """The most frequent unanswered questions of a period, numbered; then the answers rated
    👎, each with the entry that was given and the questions behind it."""
    head = [f"<b>{html.escape(_period(report.period.days, report.period.since, tr, zone))}</b>"]
    rated = _not_helpful_blocks(report, tr, zone, knowledge)
    if not report.total:
        text = head[0] + "\n" + tr.gettext("No unanswered questions in this period.")
        return split_blocks([text], rated, separator="\n\n") if rated else [text]
    summary = tr.ngettext(
        "{count} question without an answer", "{count} questions without an answer", report.total
    ).format(count=tr.number(report.total))
    distinct = tr.ngettext("{count} different", "{count} different", report.distinct).format(
        count=tr.number(report.distinct)
    )
    head.append(f"{summary} ({distinct})")
    head.append("")
    blocks = []
    for number, question in enumerate(report.questions, 1):
        details = [", ".join(f"{lang} {tr.number(n)}" for lang, n in question.languages)]
        if question.not_found:
            details.append(
                tr.gettext("not found: {count}").format(count=tr.number(question.not_found))
            )
        if question.suggestions:
            details.append(
                tr.gettext("suggestions: {count}").format(count=tr.number(question.suggestions))
            )
        if question.top_suggestion:
            details.append(
                tr.gettext("offered first: {entry}").format(
                    entry=f"<code>{html.escape(question.top_suggestion)}</code>"
                )
            )
        details.append(
            tr.gettext("last asked {time}").format(
                time=tr.date(question.last_seen.astimezone(zone), "short")
            )
        )
        blocks.append(
            f"{tr.number(number)}. <i>{html.escape(question.question)}</i> — "
            f"{tr.number(question.count)}×\n    {' · '.join(details)}"
        )
    messages = split_blocks(["\n".join(head)], blocks)
    if rated:
        messages = [*messages[:-1], *split_blocks([messages[-1]], rated, separator="\n\n")]
    return messages


def _not_helpful_blocks(
    report: UnansweredReport, tr: Translator, zone: tzinfo, knowledge: KnowledgeBase | None
) -> list[str]:
    if not report.not_helpful:
        return []
    blocks = [tr.gettext("<b>👎 Answers rated not helpful</b>")]
    for number, rated in enumerate(report.not_helpful, 1):
        entry = knowledge.entry(rated.entry_id) if knowledge is not None else None
        name = html.escape(entry.title(tr.lang)) if entry is not None else ""
        code = f"<code>{html.escape(rated.entry_id)}</code>"
        lines = [
            f"{tr.number(number)}. {name} ({code}) — {tr.number(rated.count)}×"
            if name
            else f"{tr.number(number)}. {code} — {tr.number(rated.count)}×"
        ]
        lines += [f"    <i>{html.escape(question)}</i>" for question in rated.questions]
        lines.append(
            "    "
            + tr.gettext("last rated {time}").format(
                time=tr.date(rated.last_seen.astimezone(zone), "short")
            )
        )
        blocks.append("\n".join(lines))
    return blocks


# --- statistics -----------------------------------------------------------------------------


def stats_messages(
    stats: Stats, tr: Translator, knowledge: KnowledgeBase, zone: tzinfo
) -> list[str]:
    """Totals with outcome shares, questions per day and language, the most answered entries."""
    title = f"<b>{html.escape(_period(stats.period.days, stats.period.since, tr, zone))}</b>"
    if not stats.total:
        return [title + "\n" + tr.gettext("No questions in this period.")]
    outcomes = dict(stats.outcomes)
    total = tr.ngettext("{count} question", "{count} questions", stats.total).format(
        count=tr.number(stats.total)
    )
    shares = tr.gettext(
        "answered {answered} · suggestions {suggested} · not found {not_found}"
    ).format(
        answered=_share(stats, "answer", outcomes, tr),
        suggested=_share(stats, "suggestions", outcomes, tr),
        not_found=_share(stats, "not_found", outcomes, tr),
    )
    languages = ", ".join(f"{lang} {tr.number(n)}" for lang, n in stats.languages)
    head = "\n".join([title, f"{total}: {shares}", languages])
    days = [tr.gettext("<b>Per day</b>")]
    for day in stats.days:
        langs = ", ".join(f"{lang} {tr.number(n)}" for lang, n in day.languages)
        answered = dict(day.outcomes).get("answer", 0)
        days.append(
            tr.gettext("{day}: {count} ({languages}), answered {answered}").format(
                day=tr.date(day.day, "short"),
                count=tr.number(day.total),
                languages=langs,
                answered=tr.number(answered),
            )
        )
    blocks = ["\n".join(days)]
    if stats.top_entries:
        top = [tr.gettext("<b>Most answered</b>")]
        for entry_id, count in stats.top_entries:
            entry = knowledge.entry(entry_id)
            name = html.escape(entry.title(tr.lang)) if entry is not None else ""
            code = f"<code>{html.escape(entry_id)}</code>"
            top.append(
                f"{tr.number(count)} — {name} ({code})" if name else f"{tr.number(count)} — {code}"
            )
        blocks.append("\n".join(top))
    if stats.helpful or stats.not_helpful:
        blocks.append(
            tr.gettext("Helpful? 👍 {helpful} · 👎 {not_helpful}").format(
                helpful=tr.number(stats.helpful), not_helpful=tr.number(stats.not_helpful)
            )
        )
    if stats.smalltalk:
        blocks.append(
            tr.gettext("Small talk (greetings, thanks) answered: {count}").format(
                count=tr.number(stats.smalltalk)
            )
        )
    return split_blocks([head], blocks, separator="\n\n")


def _share(stats: Stats, outcome: str, outcomes: dict[str, int], tr: Translator) -> str:
    return f"{tr.percent(stats.share(outcome))} ({tr.number(outcomes.get(outcome, 0))})"


def _period(days: int | None, since: datetime | None, tr: Translator, zone: tzinfo) -> str:
    if days == 1:
        return tr.gettext("Today")
    if days is not None:
        return tr.ngettext("The last {count} day", "The last {count} days", days).format(
            count=tr.number(days)
        )
    if since is None:
        return tr.gettext("Since the log began")
    return tr.gettext("Since {date}").format(date=tr.date(since.astimezone(zone).date()))


# --- splitting ------------------------------------------------------------------------------


def _length(text: str) -> int:
    # Telegram counts UTF-16 code units; counting the markup too keeps well under the limit.
    return len(text.encode("utf-16-le")) // 2


def split_blocks(
    head: Sequence[str], blocks: Sequence[str], *, separator: str = "\n", limit: int = MAX_MESSAGE
) -> list[str]:
    """*head* then *blocks* (each complete HTML), packed into messages of at most *limit*."""
    messages: list[str] = []
    current = "\n".join(head)
    for block in blocks:
        if len(block) > limit:  # a single block never needs this much; cut it as plain text
            block = html.escape(html.unescape(block)[: limit // 2]) + "…"
        candidate = f"{current}{separator}{block}" if current else block
        if _length(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def split_lines(head: Sequence[str], lines: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """*head*, then *lines* escaped in `<pre>` blocks, in messages of at most *limit*."""
    messages: list[str] = []
    current = "\n".join(head)
    block: list[str] = []

    def pre(rows: list[str]) -> str:
        return "<pre>" + "\n".join(rows) + "</pre>"

    for line in lines:
        escaped = html.escape(line, quote=False)
        trial = f"{current}\n{pre([*block, escaped])}" if current else pre([*block, escaped])
        if _length(trial) <= limit:
            block.append(escaped)
            continue
        if block:
            messages.append(f"{current}\n{pre(block)}" if current else pre(block))
        elif current:
            messages.append(current)
        current, block = "", [escaped]
    if block:
        messages.append(f"{current}\n{pre(block)}" if current else pre(block))
    elif current:
        messages.append(current)
    return messages
