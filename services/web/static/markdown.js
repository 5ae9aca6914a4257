// Markdown in an answer's points (lists, tables, code, links), parsed by marked and sanitised by DOMPurify, both
// vendored from npm (services/web/assets). Raw HTML in the Markdown is shown as text and images as their alt text,
// before DOMPurify removes whatever else is not on its short list: no element of the model's or a document's making
// runs, loads or styles anything.
"use strict";
const MD_TAGS = ["p", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "a", "strong",
  "em", "del", "br", "blockquote", "hr"];
const MD_ATTRS = ["href", "title", "start"];
const LINK = /^(?:https?:|mailto:)/i;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
    "'": "&#39;" })[c]);
}

const MARKDOWN = window.marked ? new window.marked.Marked({
  gfm: true, breaks: false, async: false,
  renderer: {
    html(token) { return escapeHtml(token.text); },  // raw HTML is text, never markup
    image(token) { return escapeHtml(token.text || ""); },  // no image is ever loaded
    heading(token) { return `<p><strong>${this.parser.parseInline(token.tokens)}</strong></p>`; },
  },
}) : null;

if (window.DOMPurify) {
  window.DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") { node.setAttribute("target", "_blank"); node.setAttribute("rel", "noopener noreferrer"); }
  });
}

// A point's text as sanitised nodes; plain text when the vendored libraries are missing. A single paragraph is
// unwrapped so that the point's citation chips follow its words on the same line.
function markdownFragment(text) {
  if (!MARKDOWN || !window.DOMPurify) return document.createTextNode(text);
  const html = MARKDOWN.parse(text);
  const frag = window.DOMPurify.sanitize(html, { ALLOWED_TAGS: MD_TAGS, ALLOWED_ATTR: MD_ATTRS,
    ALLOWED_URI_REGEXP: LINK, RETURN_DOM_FRAGMENT: true });
  const blocks = [...frag.childNodes].filter((n) => n.nodeType !== Node.TEXT_NODE || n.textContent.trim());
  if (blocks.length === 1 && blocks[0].nodeName === "P") {
    const inline = document.createDocumentFragment();
    inline.append(...blocks[0].childNodes);
    return inline;
  }
  return frag;
}
