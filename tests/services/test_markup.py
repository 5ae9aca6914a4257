"""Document and model text in the Markdown and Slack outputs (issue 17): a hostile document's image and disguised
link, and the same markup in the model's text, render as the text they are and send the reader nowhere. Read by a
real CommonMark parser (tests/leaks/markup.py); the leak suite runs the same check through every door."""
from __future__ import annotations

import pytest

from services.render import render_markdown
from services.schemas import AskResponse, EvidenceQuote, GroundedAnswer, GroundedPoint, Source, Timings
from services.slack.blocks import answer_blocks, fallback_text
from tests.leaks.markup import markdown_shown, markdown_targets, slack_mentions, slack_targets, slack_texts

EVIL = "attacker.example"
TITLE = f"Parking notice ![p](http://{EVIL}/pixel.png?t=title)"
SNIPPET = (f"[Update your parking permit](http://{EVIL}/phish) before March. "
           f'<img src="http://{EVIL}/raw.png"> See <http://{EVIL}/auto> or www.{EVIL}/www.')
# What a model that copies its sources, or obeys them, may write; each line a way to start markup of its own.
MODEL = [
    f"![chart](http://{EVIL}/model.png) Permits cost 20 euros.",
    f"Renew [here][1], <!channel>.\n\n[1]: http://{EVIL}/reference",
    f"# Heading\n> quote\n- item\n1. item\n<a href='http://{EVIL}/html'>x</a> *bold* `code` | a | b |",
    f"2024. was the year; see http://{EVIL}/bare_(x) and https://{EVIL}/s?a=1&b=2",
]


def quote(text: str) -> EvidenceQuote:
    return EvidenceQuote(source=1, text=text, start=0, end=len(text), match="exact")


def hostile_answer(uri: str = "file:///srv/docs/parking_[notice].txt") -> AskResponse:
    """Each point quotes the hostile snippet and the markup a model might write (a document's words may hold any)."""
    source = Source(id=1, doc_id="d1", title=TITLE, uri=uri, page=None, heading=None, snippet=SNIPPET, score=1.0)
    answer = GroundedAnswer(restatement=MODEL[0], conclusion=MODEL[3], suggestions=MODEL[1:3],
                            points=[GroundedPoint(text=t, citations=[1], quotes=[quote(SNIPPET), quote(t)])
                                    for t in MODEL],
                            evidence=[quote(TITLE), quote(MODEL[1])])
    return AskResponse(question="parking?", language="en", answer=answer, sources=[source], model="m",
                       grounded=True, timings=Timings(retrieval_ms=1.0))


def test_the_checker_sees_every_target_in_the_raw_markup():
    """Positive control: unescaped, the same texts hold images and links the checker finds."""
    raw = "\n\n".join([TITLE, SNIPPET, *MODEL])
    found = markdown_targets(raw)
    for path in ("pixel.png", "phish", "raw.png", "auto", "model.png", "reference", "html", "bare_"):
        assert any(EVIL in t and path in t for t in found), (path, found)
    assert any(t.startswith(f"www.{EVIL}") for t in found)


def test_markdown_answer_shows_document_and_model_markup_as_text():
    markdown = render_markdown(hostile_answer())
    assert [t for t in markdown_targets(markdown) if EVIL in t] == []
    shown = markdown_shown(markdown)
    for text in [TITLE, SNIPPET, MODEL[0], "[1]: http://", "# Heading > quote - item 1. item", "<a href=",
                 "*bold* `code` | a | b |", "2024. was the year", "bare_(x)", "&b=2", "parking_[notice].txt"]:
        assert text in shown, (text, shown)
    # Perimeter's own Markdown still renders: the labels in bold, the points as a numbered list.
    assert "<strong>Key points</strong>" in _html(markdown) and "<ol>" in _html(markdown)


def test_quotes_are_block_quotes_under_their_point_and_show_as_text():
    html = _html(render_markdown(hostile_answer()))
    items = html.split("<li>")[1:len(MODEL) + 1]
    assert all(item.count("<blockquote>") == 1 for item in items), html  # each point's quotes, inside its item
    assert html.count("[1]</p>") >= 2 * len(MODEL)  # each quote names its source
    assert "<strong>From the sources</strong>" in html and "<img" not in html and "<a " not in html
    shown = markdown_shown(render_markdown(hostile_answer()))
    assert f"“{SNIPPET}” [1]" in shown and f"“{TITLE}” [1]" in shown


def test_a_degraded_answer_shows_its_sources_as_text():
    """Without the model (or with it down) the sources alone are the answer: still text."""
    response = hostile_answer()
    response.answer = GroundedAnswer(conclusion="The model is unavailable.")
    response.notice, response.degraded = "The model is unavailable.", True
    markdown = render_markdown(response)
    assert [t for t in markdown_targets(markdown) if EVIL in t] == []
    assert TITLE in markdown_shown(markdown)


def test_slack_blocks_link_nowhere_and_mention_nobody():
    blocks = answer_blocks(hostile_answer(), "a1")
    assert [t for t in slack_targets(blocks) if EVIL in t] == []
    assert slack_mentions(blocks) == []
    texts = " ".join(t["text"] for t in slack_texts(blocks))
    assert "&lt;!channel&gt;" in texts and f"http://{EVIL}/model.png" in texts  # shown, escaped as Slack asks
    assert all(t["verbatim"] for t in slack_texts(blocks))  # Slack links no bare URL in them
    assert "&amp;b=2" in fallback_text(hostile_answer())  # the notification text is escaped too
    quotes = [line for t in slack_texts(blocks) for line in t["text"].split("\n") if line.startswith(">")]
    assert len(quotes) == 2 * len(MODEL) + 2  # under each point, and the evidence
    assert all("<" not in q for q in quotes) and all(q.endswith("” [1]") for q in quotes)


@pytest.mark.parametrize("uri", ["https://intranet.example/parking", "https://intranet.example/a|b>c"])
def test_a_source_with_a_web_address_is_still_linked_by_slack(uri):
    """Perimeter's own link to a source stays a link; its title cannot break out of it."""
    (context,) = [b for b in answer_blocks(hostile_answer(uri), "a1")
                  if b["type"] == "context" and b["elements"][0]["text"].startswith("[1]")]
    targets = slack_targets([context])
    assert len(targets) == 1 and targets[0].startswith("https://intranet.example/"), targets
    assert "|" not in targets[0] and ">" not in targets[0]


def _html(markdown: str) -> str:
    from tests.leaks.markup import _markdown

    return _markdown.render(markdown)
