"""The answer as Markdown, with the section labels of the question's language: what the OpenAI-compatible door and
the CLI show. Unsupported points are marked; the sources follow as a numbered list."""
from __future__ import annotations

from prompts.schema import SECTION_LABELS
from services.schemas import AskResponse, Source


def render_sources(sources: list[Source], heading: str) -> str:
    lines = [f"**{heading}**", ""]
    for s in sources:
        page = f", p. {s.page}" if s.page else ""
        lines.append(f"[{s.id}] {s.title}{page} — {s.uri}")
        lines.append(f"    {s.snippet}")
    return "\n".join(lines)


def render_markdown(response: AskResponse, *, sources: bool = True) -> str:
    labels = SECTION_LABELS[response.language]
    a = response.answer
    blocks = []
    if a.restatement:
        blocks.append(f"**{labels['restatement']}:** {a.restatement}")
    if a.points:
        lines = [f"**{labels['points']}**", ""]
        for i, p in enumerate(a.points, start=1):
            cites = "".join(f"[{n}]" for n in p.citations)
            mark = "" if p.supported else f" _({labels['unsupported']})_"
            lines.append(f"{i}. {p.text} {cites}{mark}".rstrip())
        blocks.append("\n".join(lines))
    if a.conclusion and a.conclusion != response.notice:
        blocks.append(f"**{labels['conclusion']}:** {a.conclusion}")
    if a.suggestions:
        blocks.append("\n".join([f"**{labels['suggestions']}**", ""] + [f"- {s}" for s in a.suggestions]))
    if response.notice:
        blocks.append(f"> {response.notice}")
    if sources and response.sources:
        blocks.append(render_sources(response.sources, labels["sources"]))
    return "\n\n".join(blocks) + "\n"
