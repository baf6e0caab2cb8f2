"""The one use case: a question and a language hint in, a `Reply` out.

`chat`, `ask`, inline queries and the Telegram handlers all go through `Responder`, so they
answer identically. The rankers (through `twinbot.fusion`) find what the question may mean;
the responder makes the decision with the calibrated model (`twinbot.calibration`), picks the
reply language and the wording of what users read (via the gettext catalogs).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from twinbot.calibration import Calibration, Candidate, Match, Outcome, load_calibration
from twinbot.fusion import Fuser
from twinbot.i18n import Catalogs, Translator
from twinbot.knowledge import DEFAULT_LANG, Entry, KnowledgeBase, Lang

#: Candidates a decision reports (for --explain and suggestions).
MAX_CANDIDATES = 5
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
        self,
        knowledge: KnowledgeBase,
        catalogs: Catalogs,
        fuser: Fuser,
        calibration: Calibration | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.catalogs = catalogs
        self.fuser = fuser
        self.calibration = calibration or load_calibration()
        self.model = self.calibration.model(fuser.mode)
        self.veto = self.calibration.veto(fuser.mode)

    @property
    def suggest_threshold(self) -> float:
        """Confidence at or above which a candidate may be suggested."""
        return self.model.suggest

    def reply(self, text: str, hint: Lang | None = None) -> Reply:
        """Answer free text; *hint* is the user's language setting when the text doesn't tell."""
        return self._render(self.understand(text, hint))

    def is_cheap(self, text: str) -> bool:
        """Whether answering *text* needs no embedding (a millisecond or two of Python, fine
        on an event loop); otherwise it costs tens of milliseconds of the encoder."""
        return self.fuser.is_cheap(text)

    def explain(self, text: str, hint: Lang | None = None) -> tuple[Reply, Match]:
        """The reply together with the match behind it (for `ask --explain`)."""
        match = self.understand(text, hint)
        return self._render(match), match

    def understand(self, text: str, hint: Lang | None = None) -> Match:
        """What *text* asks: the fused candidates, their calibrated confidence, the outcome."""
        fused = self.fuser.fuse(text, hint)
        ranking = fused.lexical
        lang = ranking.detected or hint or DEFAULT_LANG
        model = self.model
        candidates = [
            Candidate(
                c.entry_id,
                round(model.confidence(c.signals), 1),
                c.lexical.phrasing,
                round(c.lexical.coverage, 3),
                round(c.lexical.fit, 3),
                c.signals,
            )
            for c in fused.candidates[:MAX_CANDIDATES]
        ]
        if ranking.verbatim is not None:
            # A question typed exactly as an organiser wrote it is answered by its entry.
            exact = Candidate(ranking.verbatim, 100.0, text.strip(), 1.0, 1.0)
            return Match(
                Outcome.ANSWER,
                lang,
                ranking.detected,
                (exact,),
                ranking.reading,
                fused.mode,
                "exact phrasing",
            )
        if not candidates:
            return Match(Outcome.NOT_FOUND, lang, ranking.detected, (), ranking.reading, fused.mode)
        top = fused.candidates[0]
        runner_up = candidates[1].score if len(candidates) > 1 else None
        outcome = model.outcome(candidates[0].score, runner_up, top.signals["score_margin"])
        reason = (
            "tie" if outcome is Outcome.SUGGESTIONS and candidates[0].score >= model.answer else ""
        )
        veto = self.veto
        if outcome is Outcome.ANSWER and veto is not None and veto.refuses(top.signals):
            # Close in meaning, but the words speak against it: offered, not answered.
            outcome = Outcome.SUGGESTIONS
            reason = (
                f"vetoed: the lexical model gives {veto.confidence(top.signals):.1f}, "
                f"answers from {veto.answer:g}"
            )
        return Match(
            outcome, lang, ranking.detected, tuple(candidates), ranking.reading, fused.mode, reason
        )

    def search(self, text: str, hint: Lang | None = None, limit: int = 10) -> list[Reply]:
        """Answers for the best candidates above the suggestion level (inline mode)."""
        match = self.understand(text, hint)
        replies: list[Reply] = []
        for candidate in match.candidates:
            if candidate.score < self.model.suggest or len(replies) >= limit:
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
                if c.score >= self.model.suggest
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
