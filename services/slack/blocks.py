"""An AskResponse as Slack Block Kit: the answer's sections, each point's quotes under it (Slack block quotes), the
citations as context blocks, a feedback pair.

Text from documents (titles, snippets) and from the model goes through slack_text and sits in verbatim text objects:
it can open no link, mention or quote in the channel, and Slack does not link the bare URLs in it."""
from __future__ import annotations

from prompts.schema import SECTION_LABELS
from services.markup import slack_mrkdwn, slack_text as esc
from services.schemas import AskResponse, EvidenceQuote
from services.version_labels import source_label

MAX_TEXT = 2900  # Slack refuses section text over 3000 characters
MAX_QUOTE = 300  # characters of a quote shown under its point
# Shown in a channel under an answer that found nothing, when the asker may read more than the channel may.
DIRECT_MESSAGE_HINT = {"en": "Some documents are only answered in a direct message with me.",
                       "zh": "有些文档只在与我的私信中回答。"}


def _section(text: str) -> dict:
    return {"type": "section", "text": slack_mrkdwn(text[:MAX_TEXT])}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [slack_mrkdwn(text)]}


def _link(uri: str | None, title: str) -> str:
    """Slack's <url|text> for a source that has a web address, else its title in bold; both from the index."""
    if not uri or not uri.startswith(("http://", "https://")):
        return f"*{esc(title)}*"
    # Inside <…|…> the address ends at "|" or ">": percent-encoded, they stay part of it.
    address = uri.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("&", "&amp;")
    return f"<{address}|{esc(title)}>"


def _quote(quote: EvidenceQuote) -> str:
    """A quote as a Slack block-quote line: the source's words on one line, escaped, cut to MAX_QUOTE."""
    words = " ".join(quote.text.split())
    words = words if len(words) <= MAX_QUOTE else words[:MAX_QUOTE - 1] + "…"
    return f">“{esc(words)}” [{quote.source}]"


def answer_blocks(response: AskResponse, answer_id: str, direct_message_hint: bool = False) -> list[dict]:
    """`direct_message_hint`: add DIRECT_MESSAGE_HINT when the answer has no sources (a channel answer for someone
    whose own groups might have found more)."""
    labels = SECTION_LABELS[response.language]
    a = response.answer
    blocks: list[dict] = []
    if response.notice:
        blocks.append(_context(f":warning: {esc(response.notice)}"))
    if response.versions_note:
        blocks.append(_context(f":calendar: {esc(response.versions_note)}"))
    if a.restatement:
        blocks.append(_section(f"*{labels['restatement']}:* {esc(a.restatement)}"))
    if a.points:
        lines = [f"*{labels['points']}*"]
        for i, p in enumerate(a.points, start=1):
            cites = "".join(f"[{n}]" for n in p.citations)
            flag = {"corrected": "corrected", "mismatch": "mismatch", "unstated": "unstated"}.get(p.facts or "",
                                                                           "" if p.supported else "unsupported")
            mark = f" _({labels[flag]})_" if flag else ""
            lines.append(f"{i}. {esc(p.text)} {cites}{mark}".rstrip())
            lines += [_quote(q) for q in p.quotes]
        blocks.append(_section("\n".join(lines)))
    if a.conclusion:
        blocks.append(_section(f"*{labels['conclusion']}:* {esc(a.conclusion)}"))
    if a.suggestions:
        blocks.append(_section(f"*{labels['suggestions']}*\n" + "\n".join(f"• {esc(s)}" for s in a.suggestions)))
    if a.evidence:
        blocks.append(_section(f"*{labels['evidence']}*\n" + "\n".join(_quote(q) for q in a.evidence)))
    if response.sources:
        blocks.append({"type": "divider"})
        for s in response.sources[:10]:
            place = f", {esc(s.place())}" if s.place() else ""
            version = source_label(s, response.language)
            status = f" _({esc(version)})_" if version else ""
            # A mail's subject and date, a share path: said in words where there is no web address to link.
            where = f" · {esc(s.location)}" if s.location and s.location != s.web_address() else ""
            blocks.append(_context(f"[{s.id}] {_link(s.web_address(), s.title)}{place}{status}{where}"))
    if response.disclaimer:  # the assistant's: with every answer it gives
        blocks.append(_context(f":information_source: {esc(response.disclaimer)}"))
    if direct_message_hint and (response.not_found or not response.sources):
        hint = DIRECT_MESSAGE_HINT.get(response.language, DIRECT_MESSAGE_HINT["en"])
        blocks.append(_context(f":lock: {hint}"))
    blocks.append({
        "type": "actions",
        "block_id": f"feedback:{answer_id}",
        "elements": [
            {"type": "button", "action_id": "feedback_up", "value": answer_id, "text": {"type": "plain_text",
                                                                                          "text": "👍"}},
            {"type": "button", "action_id": "feedback_down", "value": answer_id, "text": {"type": "plain_text",
                                                                                            "text": "👎"}},
        ],
    })
    return blocks


def fallback_text(response: AskResponse) -> str:
    """The plain text Slack shows in notifications (mrkdwn too: escaped like the blocks)."""
    a = response.answer
    return esc((a.conclusion or a.restatement or response.notice or "")[:300])
