"""Text from documents and from the model, made inert for the outputs a client renders: Markdown (the
OpenAI-compatible door, the CLI) and Slack mrkdwn. Anyone who can drop a file in an indexed folder writes its title,
snippet and file name, and the model can copy any of it: rendered as written, `![p](http://attacker/pixel.png)` is
an image every reader's client fetches unasked and `[Update your permit](http://attacker/phish)` a disguised link.
So such text is shown as text: every character that could start markup is escaped, and a bare URL becomes code
(visible and copyable, but no client turns code into a link)."""
from __future__ import annotations

import re

# A URL a GFM renderer (marked, remark-gfm, cmark-gfm) or Slack would turn into a link on its own. It stops at
# brackets, quotes and backticks, so it never holds the code span's own delimiter.
_URL = re.compile(r"(?:(?:https?|ftp)://|(?:mailto|xmpp):|www\.)[^\s<>()\[\]{}\"'`\\|]+", re.IGNORECASE)
# CommonMark lets a backslash escape any ASCII punctuation; these are the characters that open inline markup
# (emphasis, code, links, images, raw HTML, autolinks, tables, strikethrough, entities, math in some clients).
_INLINE = re.compile(r"([\\`*_\[\]()<>!|~&$#])")
# At the start of a line these open a block (list item, setext underline); the text is always placed
# right after Perimeter's own prefix ("1. ", "- ", "**Label:** "), where a list item's content may start a block.
_BLOCK_MARK = ("-", "+", "=")
_LIST_NUMBER = re.compile(r"\d+(?=\.)")  # "2020. was a good year" would be an ordered list item
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def _escape_plain(text: str) -> str:
    return _INLINE.sub(r"\\\1", text)


def markdown_text(text: str) -> str:
    """`text` as Markdown that renders as `text` (its line breaks as spaces), with no link, image or HTML in it."""
    # One line: a line break inside would let the text start a block of its own (a heading, a reference definition).
    text = _LINE_BREAKS.sub(" ", text).strip()
    out, at = [], 0
    for url in _URL.finditer(text):
        out.append(_escape_plain(text[at:url.start()]))
        out.append(f"`{url.group()}`")
        at = url.end()
    out.append(_escape_plain(text[at:]))
    escaped = "".join(out)
    number = _LIST_NUMBER.match(escaped)
    if escaped.startswith(_BLOCK_MARK):
        escaped = "\\" + escaped
    elif number:
        escaped = f"{escaped[:number.end()]}\\{escaped[number.end():]}"
    return escaped


def slack_text(text: str) -> str:
    """`text` for a Slack mrkdwn field: Slack's three control characters escaped, as its formatting guide says, so
    the text can open no link (<http://…|…>), mention (<!channel>, <@U…>) or quote. Bare URLs are left to
    `verbatim` on the text object (slack_mrkdwn), which stops Slack from linking them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_mrkdwn(text: str) -> dict:
    """A mrkdwn text object whose parts are already escaped (slack_text): `verbatim` keeps Slack from turning bare
    URLs, channel names and mentions in it into links; Perimeter's own <url|title> links still work."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}
