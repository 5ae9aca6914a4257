"""A citation shows its original's location at every door that renders sources: the page URL (linked), the mail's
subject and date, the repository path (as text, escaped like any text from a document)."""
from __future__ import annotations

from retrieval.hits import Hit
from services.answering.retrieve import to_source
from services.render import render_markdown
from services.schemas import AskResponse, GroundedAnswer, GroundedPoint, Source, Timings
from services.slack.blocks import answer_blocks
from tests.leaks.markup import markdown_targets, slack_targets

MAIL_URI = "imap://policies@mail.example:993/INBOX;UIDVALIDITY=7/;UID=42"
HOSTILE_SUBJECT = "Expense policy <!channel> [win](http://attacker.example/x) — 2026-03-02 (INBOX)"


def _response(*sources: Source) -> AskResponse:
    answer = GroundedAnswer(restatement="r", conclusion="c", suggestions=[], evidence=[],
                            points=[GroundedPoint(text="p", citations=[s.id for s in sources], quotes=[])])
    return AskResponse(question="q?", language="en", answer=answer, sources=list(sources), model="m", grounded=True,
                       timings=Timings(retrieval_ms=1.0))


def test_connector_location_reaches_the_source_from_the_chunk():
    mail = to_source(1, Hit("c1", "text", {"source": MAIL_URI, "doc_id": "d1", "title": "Expense policy",
                                           "location": "Expense policy — 2026-03-02 (INBOX)"}, 1.0), 200)
    assert (mail.uri, mail.location, mail.web_address()) == (MAIL_URI, "Expense policy — 2026-03-02 (INBOX)", None)
    page = to_source(2, Hit("c2", "text", {"source": "https://intra.example/a", "doc_id": "d2", "title": "A",
                                           "location": "https://intra.example/a"}, 1.0), 200)
    assert page.web_address() == "https://intra.example/a"
    plain = to_source(3, Hit("c3", "text", {"source": "/srv/docs/a.md", "doc_id": "d3", "title": "A"}, 1.0), 200)
    assert (plain.uri, plain.location, plain.web_address()) == ("file:///srv/docs/a.md", None, None)


def test_connector_locations_in_markdown_and_slack():
    mail = Source(id=1, doc_id="d1", title="Expense policy", uri=MAIL_URI, snippet="s", score=1.0,
                  location=HOSTILE_SUBJECT)
    page = Source(id=2, doc_id="d2", title="Travel", uri="https://intra.example/travel", snippet="s", score=1.0,
                  location="https://intra.example/travel")
    repo = Source(id=3, doc_id="d3", title="Deploy", uri="file:///var/perimeter/sources/runbooks/clone/deploy.md",
                  snippet="s", score=1.0, location="https://git.example/runbooks/blob/main/deploy.md")
    response = _response(mail, page, repo)

    markdown = render_markdown(response)
    shown = markdown.replace("\\", "")  # Markdown's escapes of the subject's brackets and parentheses
    assert "[1] Expense policy — Expense policy" in shown and "2026-03-02 (INBOX)" in shown and MAIL_URI not in shown
    assert "https://git.example/runbooks/blob/main/deploy.md" in shown
    assert not [t for t in markdown_targets(markdown) if "attacker" in t]  # a subject's markup stays text

    contexts = [b["elements"][0]["text"] for b in answer_blocks(response, "a1") if b["type"] == "context"]
    by_id = {text.split("]")[0] + "]": text for text in contexts if text.startswith("[")}
    assert "2026-03-02 (INBOX)" in by_id["[1]"] and "<!channel>" not in by_id["[1]"]
    targets = slack_targets([b for b in answer_blocks(response, "a1") if b["type"] == "context"])
    assert targets == ["https://intra.example/travel", "https://git.example/runbooks/blob/main/deploy.md"]
