"""Where a rendered answer would send its reader: every address a client fetches or links from a door's output, read
as that client reads it. A hostile document holds a canary URL as an image and as a disguised link; the URL may show
in an answer as text, but never as one of these targets.

Markdown is parsed by markdown-it-py (CommonMark, raw HTML on, as chat clients render it; it comes with rich, which
chromadb needs) plus what GFM adds: its autolink extension links bare http(s)://, ftp:// and www. addresses outside
code. Slack mrkdwn: <url|text> and <url> links, and bare URLs in a text object that is not `verbatim`."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

BARE_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)[^\s<>]+", re.IGNORECASE)
HTML_TARGET = re.compile(r"""\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
SLACK_LINK = re.compile(r"<([^|>]+)(?:\|[^>]*)?>")

_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def markdown_targets(markdown: str) -> list[str]:
    """Images, links (inline, reference, <autolinks>), raw HTML's addresses and GFM's bare-URL links."""
    targets = []
    for token in _tokens(_markdown.parse(markdown)):
        if token.type == "image":
            targets.append(str(token.attrGet("src")))
        elif token.type == "link_open":
            targets.append(str(token.attrGet("href")))
        elif token.type in ("html_inline", "html_block"):
            targets += HTML_TARGET.findall(token.content)
        elif token.type == "text":
            targets += BARE_URL.findall(token.content)
    return targets


def markdown_shown(markdown: str) -> str:
    """The text a reader sees once `markdown` is rendered (tags dropped, entities decoded)."""
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", _markdown.render(markdown)))


def slack_targets(blocks: list[dict]) -> list[str]:
    """Links in the mrkdwn text objects of Slack blocks; bare URLs count where Slack would link them."""
    targets = []
    for text in slack_texts(blocks):
        targets += [t for t in SLACK_LINK.findall(text["text"]) if not t.startswith(("@", "#", "!"))]
        if not text.get("verbatim"):
            targets += BARE_URL.findall(SLACK_LINK.sub("", text["text"]))
    return targets


def slack_mentions(blocks: list[dict]) -> list[str]:
    """<!channel>, <!here>, <@U…>, <#C…>: what notifies people or names a conversation."""
    return [t for text in slack_texts(blocks) for t in SLACK_LINK.findall(text["text"]) if t[:1] in "@#!"]


def slack_texts(value) -> list[dict]:
    """Every mrkdwn text object in `value` (blocks, a block, a message)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            return [value]
        return [t for item in value.values() for t in slack_texts(item)]
    if isinstance(value, list):
        return [t for item in value for t in slack_texts(item)]
    return []


def chat_markdown(client, person, question: str, stream: bool) -> tuple[str, str]:
    """One /v1/chat/completions call (plain or streamed): (everything received, for the ledger; the Markdown the
    client renders, the content joined)."""
    import json

    from tests.leaks.doors import dump, sse_events

    body = {"model": "perimeter", "messages": [{"role": "user", "content": question}], "stream": stream}
    response = client.post("/v1/chat/completions", json=body, headers=person.headers)
    assert response.status_code == 200, dump(response)
    if stream:
        pieces = [json.loads(d) for _, d in sse_events(response.text) if d.strip() != "[DONE]"]
        content = "".join(c["choices"][0]["delta"].get("content") or "" for c in pieces if c.get("choices"))
    else:
        content = response.json()["choices"][0]["message"]["content"]
    return dump(response) + "\n" + content, content
