"""The answer as Markdown, with the section labels of the question's language: what the OpenAI-compatible door and
the CLI show. Unsupported points are marked; each point's quotes follow it as block quotes (the source's own words,
with the source's number), the extractive evidence as block quotes of its own; the sources follow as a numbered list.

Only Perimeter's own labels, numbers and list structure are Markdown; every text from a document (title, snippet,
file name) or from the model (which may copy a document) goes through markdown_text, so it shows as written and can
never become an image, a link or HTML in the client that renders it."""
from __future__ import annotations

from prompts.schema import SECTION_LABELS
from services.markup import markdown_text as md
from services.schemas import AskResponse, EvidenceQuote, Source
from services.version_labels import source_label


def render_quotes(quotes: list[EvidenceQuote], indent: str = "") -> list[str]:
    """Quotes as the lines of one Markdown block quote, a paragraph each: `> “words” [n]`. The words are a
    document's, so escaped (markdown_text): no link, image or HTML, one line each."""
    lines: list[str] = []
    for quote in quotes:
        lines += [f"{indent}>"] if lines else []
        lines.append(f"{indent}> “{md(quote.text)}” [{quote.source}]")
    return lines


def render_sources(sources: list[Source], heading: str, language: str = "en") -> str:
    lines = [f"**{heading}**", ""]
    for s in sources:
        place = f", {md(s.place())}" if s.place() else ""
        version = source_label(s, language)  # "superseded, replaced by …": a title inside, escaped like titles
        status = f" _({md(version)})_" if version else ""
        lines.append(f"[{s.id}] {md(s.title)}{place}{status} — {md(s.location or s.uri)}")
        lines.append(f"    {md(' '.join(s.snippet.split()))}")  # a table's rows on one line: the list item goes on
    return "\n".join(lines)


def render_markdown(response: AskResponse, *, sources: bool = True) -> str:
    labels = SECTION_LABELS[response.language]
    a = response.answer
    blocks = []
    if a.restatement:
        blocks.append(f"**{labels['restatement']}:** {md(a.restatement)}")
    if a.points:
        lines = [f"**{labels['points']}**", ""]
        for i, p in enumerate(a.points, start=1):
            cites = "".join(f"[{n}]" for n in p.citations)
            flag = {"corrected": "corrected", "mismatch": "mismatch", "unstated": "unstated"}.get(p.facts or "",
                                                                           "" if p.supported else "unsupported")
            mark = f" _({labels[flag]})_" if flag else ""
            lines.append(f"{i}. {md(p.text)} {cites}{mark}".rstrip())
            lines += render_quotes(p.quotes, " " * len(f"{i}. "))  # indented: inside the list item
        blocks.append("\n".join(lines))
    if a.conclusion and a.conclusion != response.notice:
        blocks.append(f"**{labels['conclusion']}:** {md(a.conclusion)}")
    if a.suggestions:
        blocks.append("\n".join([f"**{labels['suggestions']}**", ""] + [f"- {md(s)}" for s in a.suggestions]))
    if a.evidence:
        blocks.append("\n".join([f"**{labels['evidence']}**", "", *render_quotes(a.evidence)]))
    if response.versions_note:
        blocks.append(f"> {md(response.versions_note)}")
    if response.notice:
        blocks.append(f"> {md(response.notice)}")
    if response.disclaimer:  # the assistant's: with every answer it gives
        blocks.append(f"> _{md(response.disclaimer)}_")
    if sources and response.sources:
        blocks.append(render_sources(response.sources, labels["sources"], response.language))
    return "\n\n".join(blocks) + "\n"
