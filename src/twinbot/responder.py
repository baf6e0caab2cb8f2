"""The one use case: a question and a language hint in, a `Reply` out.

`chat`, `ask`, inline queries and the Telegram handlers all go through `Responder`, so they
answer identically. The responder decides the wording of what users read (via the gettext
catalogs); the matcher decides what was asked.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from twinbot.i18n import Catalogs, Translator
from twinbot.knowledge import Entry, KnowledgeBase, Lang
from twinbot.matcher import Match, Matcher, Outcome

#: How many "did you mean" suggestions and related buttons a reply offers at most.
MAX_SUGGESTIONS = 3
MAX_RELATED = 3


@dataclass(frozen=True, slots=True)
class Link:
    """A follow-up the user can pick: an entry and its question in the reply language."""

    entry_id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says: Telegram-HTML text plus follow-up links."""

    outcome: Outcome
    lang: Lang
    text: str
    entry_id: str | None = None
    score: float = 0.0
    links: tuple[Link, ...] = ()
    #: The language the question was written in, when the text told (None for "Karlsruhe").
    detected: Lang | None = None

    @property
    def matched(self) -> bool:
        """True only when the reply answers the question."""
        return self.outcome is Outcome.ANSWER

    def to_json(self) -> dict[str, Any]:
        """The `twinbot ask --json` contract."""
        suggestions = (
            [{"entry": link.entry_id, "question": link.label} for link in self.links]
            if self.outcome is Outcome.SUGGESTIONS
            else []
        )
        return {
            "matched": self.matched,
            "outcome": self.outcome.value,
            "entry": self.entry_id,
            "score": round(self.score, 1),
            "lang": self.lang,
            "answer": self.text,
            "suggestions": suggestions,
            "related": [
                {"entry": link.entry_id, "question": link.label}
                for link in self.links
                if self.outcome is Outcome.ANSWER
            ],
        }


class Responder:
    """Turns questions into replies using one knowledge base and its index."""

    def __init__(
        self, knowledge: KnowledgeBase, catalogs: Catalogs, matcher: Matcher | None = None
    ) -> None:
        self.knowledge = knowledge
        self.catalogs = catalogs
        self.matcher = matcher or Matcher(knowledge)

    def reply(self, text: str, hint: Lang | None = None) -> Reply:
        """Answer free text; *hint* is the user's language setting when the text doesn't tell."""
        return self._render(self.matcher.match(text, hint))

    def explain(self, text: str, hint: Lang | None = None) -> tuple[Reply, Match]:
        """The reply together with the match behind it (for `ask --explain`)."""
        match = self.matcher.match(text, hint)
        return self._render(match), match

    def search(self, text: str, hint: Lang | None = None, limit: int = 10) -> list[Reply]:
        """Answers for the best candidates above the suggestion level (inline mode)."""
        match = self.matcher.match(text, hint)
        replies: list[Reply] = []
        for candidate in match.candidates:
            if candidate.score < self.matcher.suggest_threshold or len(replies) >= limit:
                break
            reply = self.answer(candidate.entry_id, match.lang, score=candidate.score)
            if reply is not None:
                replies.append(reply)
        return replies

    def answer(self, entry_id: str, lang: Lang, score: float = 100.0) -> Reply | None:
        """The answer of one entry (buttons, deep links); None when the id is unknown."""
        entry = self.knowledge.entry(entry_id)
        if entry is None:
            return None
        return self._answer_reply(entry, lang, score, detected=None)

    def not_found(self, lang: Lang) -> Reply:
        """The localized fallback naming what the bot knows about."""
        tr = self.catalogs.translator(lang)
        # Small talk is answered but never offered as something the bot knows about.
        topics = ", ".join(html.escape(t.title_in(lang)) for t in self.knowledge.browsable_topics)
        text = tr.gettext(
            "Sorry, I don't know the answer to that. I can tell you about: {topics}. "
            "Send /topics to browse everything I know."
        ).format(topics=topics)
        return Reply(Outcome.NOT_FOUND, lang, text)

    def _render(self, match: Match) -> Reply:
        best = match.best
        if match.outcome is Outcome.ANSWER and best is not None:
            entry = self.knowledge.entry(best.entry_id)
            if entry is not None:
                return self._answer_reply(entry, match.lang, best.score, match.detected)
        if match.outcome is Outcome.SUGGESTIONS:
            links = tuple(
                Link(c.entry_id, entry.title(match.lang))
                for c in match.candidates[:MAX_SUGGESTIONS]
                if c.score >= self.matcher.suggest_threshold
                and (entry := self.knowledge.entry(c.entry_id)) is not None
            )
            if links:
                tr = self.catalogs.translator(match.lang)
                text = tr.gettext("I'm not sure what you mean. Did you mean one of these?")
                return Reply(
                    Outcome.SUGGESTIONS,
                    match.lang,
                    text,
                    score=best.score if best else 0.0,
                    links=links,
                    detected=match.detected,
                )
        reply = self.not_found(match.lang)
        return Reply(
            reply.outcome,
            reply.lang,
            reply.text,
            score=best.score if best else 0.0,
            detected=match.detected,
        )

    def _answer_reply(
        self, entry: Entry, wanted: Lang, score: float, detected: Lang | None
    ) -> Reply:
        lang = entry.answer_lang(wanted)
        text = entry.answer[lang]
        if lang != wanted:
            text = f"<i>{html.escape(self._only_in(wanted, lang))}</i>\n\n{text}"
        links = tuple(
            Link(rid, related.title(wanted))
            for rid in entry.related[:MAX_RELATED]
            if (related := self.knowledge.entry(rid)) is not None
        )
        return Reply(Outcome.ANSWER, wanted, text, entry.id, score, links, detected)

    def _only_in(self, wanted: Lang, available: Lang) -> str:
        tr: Translator = self.catalogs.translator(wanted)
        names = {
            "en": tr.gettext("This answer is only available in English."),
            "de": tr.gettext("This answer is only available in German."),
            "ru": tr.gettext("This answer is only available in Russian."),
        }
        return names[available]
