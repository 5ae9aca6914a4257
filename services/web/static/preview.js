// The document preview: a cited PDF drawn in the page by pdf.js (vendored from npm, loaded on first use) at the cited
// page, with the text-layer pieces of the cited passage highlighted; any other file as the extracted text of the cited
// section (GET /v1/documents/{id}/preview) with the passage marked. Both with a link to download the original.
"use strict";
const PDFJS = "/web/vendor/pdf.mjs";
let pdfjsLoading = null;

// Lower case, one space for any run of spaces: how a passage is compared with the text around it.
function squash(text) { return String(text || "").toLowerCase().replace(/\s+/g, " ").trim(); }

// Where `passage` lies in `text` (ignoring case and runs of spaces): [start, end] in `text`, or null.
function findPassage(text, passage) {
  const want = squash(passage);
  if (want.length < 4) return null;
  let flat = "";
  const at = [];  // at[i]: index in `text` of flat[i]
  for (let i = 0; i < text.length; i++) {
    const space = /\s/.test(text[i]);
    if (space && (flat.endsWith(" ") || !flat)) continue;
    flat += space ? " " : text[i].toLowerCase();
    at.push(i);
  }
  const found = flat.indexOf(want);
  return found < 0 ? null : [at[found], at[found + want.length - 1] + 1];
}

// The passages to highlight, in groups, best first: the answer's quotes of this source, then its snippet, then the
// snippet's lines (a snippet cut from a longer chunk may not be found whole).
function passagesOf(source, quotes) {
  const own = (quotes || []).filter((q) => q.source === source.id).map((q) => q.text);
  const snippet = (source.snippet || "").replace(/^\s*(…|\.\.\.)\s*|\s*(…|\.\.\.)\s*$/g, "");  // cut marks
  const lines = snippet.split("\n").map((l) => l.trim()).filter((l) => l.length > 20);
  return [own, [snippet], lines];
}

// The text with the first group of passages found in it marked.
function markedText(text, groups) {
  const box = el("div", { class: "preview-text" });
  const spans = [];
  for (const group of groups) {
    for (const p of group) {
      const hit = findPassage(text, p);
      if (hit && !spans.some(([s, e]) => hit[0] < e && s < hit[1])) spans.push(hit);
    }
    if (spans.length) break;
  }
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [s, e] of spans) {
    box.append(text.slice(at, s), el("mark", { class: "passage", text: text.slice(s, e) }));
    at = e;
  }
  box.append(text.slice(at));
  return box;
}

async function drawPdf(body, url, pageNumber, passages) {
  pdfjsLoading = pdfjsLoading || import(PDFJS).then((lib) => {
    lib.GlobalWorkerOptions.workerSrc = "/web/vendor/pdf.worker.mjs";
    return lib;
  });
  const lib = await pdfjsLoading;
  const doc = await lib.getDocument({ url, isEvalSupported: false, enableXfa: false }).promise;
  const page = await doc.getPage(Math.min(Math.max(pageNumber || 1, 1), doc.numPages));
  const width = Math.min(body.clientWidth || 800, 900) - 4;
  const viewport = page.getViewport({ scale: width / page.getViewport({ scale: 1 }).width });
  const canvas = el("canvas", { width: Math.floor(viewport.width), height: Math.floor(viewport.height),
    "aria-hidden": "true" });
  const layer = el("div", { class: "textLayer" });
  layer.style.setProperty("--total-scale-factor", String(viewport.scale));
  const sheet = el("div", { class: "pdf-page", "data-page": page.pageNumber,
    style: `width:${Math.floor(viewport.width)}px;height:${Math.floor(viewport.height)}px` }, canvas, layer);
  body.replaceChildren(sheet);
  await page.render({ canvasContext: canvas.getContext("2d"), canvas, viewport }).promise;
  const text = new lib.TextLayer({ textContentSource: page.streamTextContent(), container: layer, viewport });
  await text.render();
  // A piece of the page's text layer is highlighted when it is part of a passage (pieces of 4+ letters: a lone
  // word like "a" would light up everywhere).
  const wanted = passages.flat().map(squash).filter((p) => p.length >= 4);
  let first = null;
  for (const span of layer.querySelectorAll("span")) {
    const piece = squash(span.textContent);
    if (piece.length >= 4 && wanted.some((p) => p.includes(piece))) {
      span.classList.add("passage");
      first = first || span;
    }
  }
  if (first) first.scrollIntoView({ block: "center" });
}

// Opens the preview of `source` (a citation's source) over the page; Esc or Close brings the focus back to `opener`.
async function openPreview(source, quotes, opener) {
  const dialog = $("preview");
  const body = $("preview-body");
  $("preview-title").textContent = source.title;
  $("preview-where").textContent = source.page ? I18N.t("page", { p: source.page }) : source.heading || "";
  body.replaceChildren(el("p", { class: "meta", text: I18N.t("loading") }));
  dialog.returnFocus = opener;
  if (!dialog.open) dialog.showModal();
  const params = new URLSearchParams();
  if (source.page) params.set("page", source.page);
  else if (source.heading) params.set("heading", source.heading);
  try {
    const r = await fetch(`/v1/documents/${encodeURIComponent(source.doc_id)}/preview?${params}`);
    if (!r.ok) throw new Error(r.status === 404 ? I18N.t("previewMissing") : `HTTP ${r.status}`);
    const info = await r.json();
    const download = $("preview-download");
    download.href = info.file_url;
    download.hidden = !info.file_name;
    download.dataset.i18n = info.indexed_text_only ? "downloadText" : "download";
    download.textContent = I18N.t(download.dataset.i18n);
    dialog.dataset.kind = info.kind;
    const passages = passagesOf(source, quotes);
    if (info.kind === "pdf") {
      try { await drawPdf(body, info.file_url, source.page, passages); return; } catch (e) {
        dialog.dataset.kind = "text";  // an unreadable PDF: its extracted text instead
      }
    }
    body.replaceChildren(markedText(info.text, passages));
    const mark = body.querySelector("mark.passage");
    if (mark) mark.scrollIntoView({ block: "center" });
  } catch (e) {
    body.replaceChildren(el("p", { class: "notice error", role: "alert", text: I18N.t("error", { msg: e.message }) }));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const dialog = $("preview");
  $("preview-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    $("preview-body").replaceChildren();
    if (dialog.returnFocus && dialog.returnFocus.isConnected) dialog.returnFocus.focus();
  });
});
