"""The response shapes every front door shares (HTTP JSON, CLI --json)."""
from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from prompts.schema import Answer, Point, Quote

VersionStatus = Literal["current", "superseded", "draft", "expired", "upcoming"]


class Source(BaseModel):
    id: int = Field(description="the number the answer cites as [n]")
    doc_id: str
    title: str
    uri: str
    page: int | None = None
    heading: str | None = None
    snippet: str
    score: float
    status: VersionStatus | None = Field(None, description="which version of its document this is: current, "
                                         "superseded, draft, expired or upcoming (not yet in effect); null when "
                                         "the document has no known versions")
    version: str | None = Field(None, description="the version's label as its name or metadata gives it (2024, v3, "
                                                  "2018修正)")
    effective: str | None = Field(None, description="the date it took (or takes) effect, ISO")
    superseded_by: str | None = Field(None, description="title of the version in force that replaces it (only when "
                                                        "the asker may read that document)")
    superseded_by_doc_id: str | None = None
    ocr: bool = Field(False, description="the text was recognised from a scan or image (OCR): it may hold misreadings")
    attachment: str | None = Field(None, description="the mail attachment (file name) the text comes from")
    location: str | None = Field(None, description="where the original is, when the uri does not say it to a "
                                 "reader: the page URL, the mail's subject and date (and folder), the repository "
                                 "file's web page or path; null for a plain file (its uri is its path)")
    mail: str | None = Field(None, description="for a mail's attachment (a document of its own): the mail it came "
                             "with, its subject and the day it was sent")
    mail_doc_id: str | None = Field(None, description="for a mail's attachment: the mail's doc_id (its preview and "
                                    "file)")

    def web_address(self) -> str | None:
        """The original's http(s) address, when it has one (a page, a repository's web view): what a link opens."""
        for candidate in (self.location, self.uri):
            if candidate and candidate.startswith(("http://", "https://")):
                return candidate
        return None

    def place(self) -> str:
        """Where in the document, for a line of text: "p. 2, attachment prices.xlsx of mail “New prices”, 2026-03-02,
        OCR"."""
        attachment = f"attachment {self.attachment}" if self.attachment else ""
        if attachment and self.mail:
            attachment += f" of mail {self.mail}"
        parts = [f"p. {self.page}" if self.page else "", attachment, "OCR" if self.ocr else ""]
        return ", ".join(p for p in parts if p)


class Timings(BaseModel):
    retrieval_ms: float
    generation_ms: float = 0.0
    first_token_ms: float | None = Field(None, description="from the request to the model's first answer token")
    model_first_token_ms: float | None = Field(None, description="the model server's part of first_token_ms: from "
                                                                 "sending it the prompt to its first token")
    model_ms: float | None = Field(None, description="streamed answers: from sending the prompt to the model's last "
                                                     "token (generation_ms less this is Perimeter's checks)")


class EvidenceQuote(Quote):
    """Words of a source, found in it: `text` is the source's own text (never the model's), at `start`:`end`."""
    start: int = Field(description="offset of the quote's first character in the text of source `source` (the "
                                   "passage the model was given)")
    end: int = Field(description="offset just past the quote's last character")
    match: Literal["exact", "normalised", "fuzzy", "matched", "extracted"] = Field(
        description="how it was found: the model's quote as written, with spacing/punctuation/full-width forms "
                    "ignored, or by a fuzzy match; or picked by Perimeter, not quoted by the model: matched (the "
                    "sentence of a cited source that best matches the point) or extracted (the fallback: sentences "
                    "that best match the question)")
    score: float = Field(1.0, description="similarity of the model's quote to these words (1 unless fuzzy)")
    model_source: int | None = Field(None, description="the source number the model gave, when the quote was found "
                                                       "in another of the sources it was given")
    before: str = Field("", description="up to 80 characters of the source before the quote, for display")
    after: str = Field("", description="up to 80 characters of the source after the quote, for display")


FactVerdict = Literal["match", "mismatch", "corrected", "unstated"]


class GroundedPoint(Point):
    quotes: list[EvidenceQuote] = Field(  # type: ignore[assignment]
        default_factory=list, description="the model's quotes found in the sources, as the sources word them; "
                                          "else the sentence of a cited source that best matches the point")
    quotes_dropped: int = Field(0, description="quotes of the model's not found in any source it was given")
    facts: FactVerdict | None = Field(
        None, description="the point's numbers, dates, amounts and durations against its quotes: match; mismatch "
                          "(flagged, unsupported); corrected (PERIMETER_QUOTE_FACTS=correct: the quote's figure "
                          "written in, the model's text in model_text); unstated (no quote of the model's found, "
                          "and a figure no source given to the model states: flagged, unsupported); null: nothing "
                          "to compare")
    model_text: str | None = Field(None, description="the point as the model wrote it, when a figure was corrected")
    supported: bool = Field(True, description="the text of a cited source backs this point")
    overlap: float = Field(0.0, description="best share of the point's terms found in a cited source")
    similarity: float = Field(0.0, description="best embedding similarity to a cited source")
    model_citations: list[int] | None = Field(None, description="the model's own citation numbers, when grounding "
                                                                "re-cited the point to the source that holds its text")


class GroundedAnswer(Answer):
    # Narrowed on purpose: pydantic validates the field anew, and a grounded answer holds only grounded points.
    points: list[GroundedPoint] = Field(default_factory=list)  # type: ignore[assignment]
    evidence: list[EvidenceQuote] = Field(
        default_factory=list, description="the extractive fallback: the sentences of the top sources that best match "
                                          "the question, when no quote of the model's was found or the model failed")
    model_conclusion: str | None = Field(None, description="the conclusion as the model wrote it, when a figure "
                                                           "in it was corrected from the quotes")


class Grounding(BaseModel):
    supported: int = Field(0, description="points backed by a source they cite")
    total: int = Field(0, description="points the model wrote")
    rate: float | None = Field(None, description="supported / total; null when there are no points")
    dropped_citations: int = Field(0, description="citation numbers that referred to no source given to the model")
    dropped_points: int = Field(0, description="unsupported points removed (PERIMETER_GROUNDING_DROP_UNSUPPORTED)")
    recited_points: int = Field(0, description="points re-cited to the source that holds their text "
                                               "(PERIMETER_GROUNDING_FIX_CITATIONS)")
    quotes: int = Field(0, description="quotes the model wrote")
    quotes_found: int = Field(0, description="of those, found in the source the model named")
    quotes_moved: int = Field(0, description="found in another source given to the model instead, and re-attributed "
                                             "to it (PERIMETER_GROUNDING_FIX_CITATIONS)")
    quotes_matched: int = Field(0, description="points with no quote of the model's found, shown with the sentence "
                                               "of a cited source that best matches them instead")
    figures_unstated: int = Field(0, description="figures of points with no quote of the model's found that no "
                                                 "source given to the model states (those points are flagged)")
    fact_checked: int = Field(0, description="points with a found quote and a figure to compare with it")
    fact_mismatches: int = Field(0, description="of those, points whose figures the quotes contradict (as written by "
                                                "the model, before any correction)")
    facts_corrected: int = Field(0, description="points and conclusions whose figures were corrected from the quotes")


class Outcome(StrEnum):
    """How a question ended, as metrics and the audit log count it."""
    ANSWERED = "answered"
    NOT_FOUND = "not_found"  # nothing the user may see is about it: the model was not asked
    DEGRADED = "degraded"  # the model failed: the ranked sources with a notice
    FAILED = "failed"  # an error before any answer
    CANCELLED = "cancelled"  # the client left before the answer


class AskResponse(BaseModel):
    question: str
    language: str
    answer: GroundedAnswer
    sources: list[Source]
    model: str | None
    grounded: bool = Field(description="at least one point cites a source that was given to the model (whether "
                                       "the source's text supports it: each point's `supported`, and `grounding`)")
    notice: str | None = None
    versions_note: str | None = Field(None, description="said by Perimeter, not the model, when the sources hold an "
                                      "earlier version and the one in force: which is which, in the question's "
                                      "language")
    timings: Timings
    grounding: Grounding = Field(default_factory=Grounding)
    degraded: bool = Field(False, description="the model was unavailable: sources only, with a notice")
    not_found: bool = Field(False, description="nothing relevant among the documents the user may see")
    conversation_id: str | None = None
    answer_id: str | None = Field(None, description="name it in POST /v1/feedback to rate this answer (kept for "
                                                    "PERIMETER_FEEDBACK_WINDOW_S, for the user it was given to)")
    assistant: str | None = Field(None, description="the assistant that answered (none: no assistants configured)")
    disclaimer: str | None = Field(None, description="the assistant's disclaimer in the answer's language: show it "
                                                     "with the answer")

    @property
    def outcome(self) -> Outcome:
        return Outcome.NOT_FOUND if self.not_found else Outcome.DEGRADED if self.degraded else Outcome.ANSWERED


class SearchResponse(BaseModel):
    question: str
    sources: list[Source]
    timings: Timings
