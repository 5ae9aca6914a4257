// Builds the DOM for answers and sources. Text from the server is only ever set as textContent (never HTML), except a
// point's Markdown, which markdown.js draws through DOMPurify with raw HTML and images refused.
"use strict";
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// Words of the question worth highlighting: Latin words of 3+ letters, and CJK runs as overlapping pairs.
const STOP = new Set(("the and for are how what when where which who why does can with from that this have you your "
  + "about into").split(" "));
function queryTerms(question) {
  const terms = new Set();
  for (const w of (question.toLowerCase().match(/[a-z0-9][a-z0-9'-]{2,}/g) || [])) if (!STOP.has(w)) terms.add(w);
  for (const run of (question.match(/[\u3400-\u9fff]+/g) || [])) {
    if (run.length === 1) terms.add(run);
    for (let i = 0; i + 1 < run.length; i++) terms.add(run.slice(i, i + 2));
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

function highlighted(text, terms) {
  const frag = document.createDocumentFragment();
  if (!terms.length) { frag.append(text); return frag; }
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(escaped.join("|"), "gi");
  let at = 0;
  for (const m of text.matchAll(re)) {
    frag.append(text.slice(at, m.index), el("mark", { text: m[0] }));
    at = m.index + m[0].length;
  }
  frag.append(text.slice(at));
  return frag;
}

// While the model writes its JSON answer, show the finished and half-written strings as a readable draft. A point's
// quotes ({"source": n, "text": …}) come before its text in the JSON; they are shown under it, as they will be.
function draftFromTokens(raw) {
  const out = [];
  let quotes = [];
  const re = /("source"\s*:\s*(\d+)\s*,\s*)?"(restatement|text|conclusion)"\s*:\s*"((?:[^"\\]|\\.)*)("?)/g;
  for (const m of raw.matchAll(re)) {
    let value = m[4];
    try { value = JSON.parse(`"${value.replace(/\\$/, "")}"`); } catch (e) { /* half an escape: keep raw */ }
    if (!value) continue;
    if (m[1]) { quotes.push(`    “${value}” [${m[2]}]`); continue; }
    out.push((m[3] === "text" ? "• " : "") + value, ...(m[3] === "text" ? quotes : []));
    if (m[3] === "text") quotes = [];
  }
  out.push(...quotes);  // quotes whose point is not written yet
  const plain = raw.trim().startsWith("{") ? "" : raw;  // a backend that streams prose, not JSON
  return out.length ? out.join("\n") : plain;
}

// Every quote of an answer (the points' and the extractive evidence), for the sources panel to highlight.
function answerQuotes(resp) {
  const a = (resp && resp.answer) || {};
  return [...(a.points || []).flatMap((p) => p.quotes || []), ...(a.evidence || [])];
}

// A quote of the source's words, with the number of the source it comes from (a chip that opens it).
function quoteBlock(q, onCite) {
  return el("blockquote", { class: "quote", "data-source": q.source, "data-match": q.match },
    el("span", { class: "quote-text", text: `“${q.text}”` }),
    el("button", { type: "button", class: "chip", "data-cite": q.source, "aria-pressed": "false",
      "aria-label": I18N.t("cite", { n: q.source }), text: `[${q.source}]`, onclick: (ev) => onCite(q.source, ev.currentTarget) }));
}

// A source's version label (superseded, draft, expired, not yet in effect; and what replaced it), in the answer's
// language, from the server's labels: empty for a version in force or a document without versions.
function versionLabel(s, lang) {
  if (!s.status || s.status === "current") return "";
  const parts = [I18N.section(lang, `status_${s.status}`)];
  if (s.superseded_by) parts.push(I18N.section(lang, "superseded_by").replace("{title}", s.superseded_by));
  return parts.join(lang === "zh" ? "，" : ", ");
}

// The answer's time and model in an employee's words ("Answered in 12 s by Acme Assistant"); the exact figures in its
// tooltip for whoever reports a slow answer.
function answeredLine(resp, modelName) {
  const t = resp.timings || {};
  const ms = (t.retrieval_ms || 0) + (t.generation_ms || 0);
  const secs = ms < 1000 ? I18N.t("underASecond") : I18N.t("seconds", { n: Math.round(ms / 1000) });
  const model = modelName || resp.model;
  const text = resp.degraded || !model ? I18N.t("searchedIn", { t: secs }) : I18N.t("answeredIn", { t: secs, model });
  const detail = `${resp.model || "-"} · retrieval ${Math.round(t.retrieval_ms || 0)} ms · generation `
    + `${Math.round(t.generation_ms || 0)} ms`;
  return el("p", { class: "meta answered", title: detail, text });
}

// The answer as plain text for the clipboard: its sections, each point with its [n], then the sources it cites.
function answerText(resp) {
  const lang = resp.language || "en";
  const label = (k) => I18N.section(lang, k);
  const a = resp.answer || {};
  const lines = [];
  if (resp.notice) lines.push(resp.notice, "");
  if (a.restatement) lines.push(a.restatement, "");
  (a.points || []).forEach((p, i) => {
    lines.push(`${i + 1}. ${p.text}${(p.citations || []).map((n) => ` [${n}]`).join("")}`);
  });
  if ((a.points || []).length) lines.push("");
  if (a.conclusion && a.conclusion !== resp.notice) lines.push(`${label("conclusion")}: ${a.conclusion}`, "");
  for (const s of a.suggestions || []) lines.push(`- ${s}`);
  if ((a.suggestions || []).length) lines.push("");
  if ((resp.sources || []).length) {
    lines.push(`${label("sources")}:`);
    for (const s of resp.sources) {
      const where = [s.page ? I18N.t("page", { p: s.page }) : null, s.heading].filter(Boolean).join(", ");
      lines.push(`[${s.id}] ${s.title}${where ? ` (${where})` : ""}`);
    }
  }
  return lines.join("\n").trim();
}

// Copy answer: the answer as text (answerText) to the clipboard; the button says whether it worked.
function copyButton(getResp) {
  const button = el("button", { type: "button", class: "copy", "data-i18n": "copy", text: I18N.t("copy") });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(answerText(getResp()));
      button.textContent = I18N.t("copied");
    } catch (e) { button.textContent = I18N.t("copyFailed"); }
    setTimeout(() => { button.textContent = I18N.t("copy"); }, 2000);
  });
  return button;
}

function renderAnswer(resp, onCite, opts) {
  const lang = resp.language || "en";
  const label = (k) => I18N.section(lang, k);
  const a = resp.answer || {};
  // A tab stop of its own: from the question box, Tab reaches the answer, then its citation chips.
  const box = el("div", { class: "answer", lang: lang === "zh" ? "zh-CN" : "en", tabindex: "0", role: "article",
    "aria-label": I18N.t("answerLabel") });
  if (resp.notice) {
    const kind = resp.degraded ? "notice" : resp.not_found ? "notice info" : "notice";
    box.append(el("p", { class: kind, role: "note", "data-state": resp.degraded ? "degraded" :
      resp.not_found ? "not-found" : "notice", text: resp.notice }));
  }
  if (resp.versions_note) {  // Perimeter's own note: an earlier version and the one in force are both among the sources
    box.append(el("p", { class: "notice info versions-note", role: "note", "data-state": "versions",
      text: resp.versions_note }));
  }
  if (a.restatement) box.append(el("h3", { text: label("restatement") }), el("p", { text: a.restatement }));
  if ((a.points || []).length) {
    const list = el("ol", { class: "points" });
    for (const p of a.points) {
      const supported = p.supported !== false;
      const li = el("li", { class: supported ? "" : "unsupported" }, markdownFragment(p.text));
      for (const n of p.citations || []) {
        li.append(el("button", { type: "button", class: "chip", "data-cite": n, "aria-pressed": "false",
          "aria-label": I18N.t("cite", { n }), text: `[${n}]`, onclick: (ev) => onCite(n, ev.currentTarget) }));
      }
      const flag = ["corrected", "mismatch", "unstated"].includes(p.facts) ? p.facts : supported ? null : "unsupported";
      if (flag) li.append(el("span", { class: `unsupported-tag ${flag}`, "data-facts": p.facts || null,
        title: p.model_text || null, text: label(flag) }));
      for (const q of p.quotes || []) li.append(quoteBlock(q, onCite));
      list.append(li);
    }
    box.append(el("h3", { text: label("points") }), list);
  }
  if (a.conclusion && a.conclusion !== resp.notice) {  // degraded / not found: the notice already says it
    box.append(el("h3", { text: label("conclusion") }), el("p", { text: a.conclusion }));
  }
  if ((a.suggestions || []).length) {
    box.append(el("h3", { text: label("suggestions") }),
      el("ul", {}, ...a.suggestions.map((s) => el("li", { text: s }))));
  }
  if ((a.evidence || []).length) {
    box.append(el("h3", { text: label("evidence") }),
      el("div", { class: "evidence" }, ...a.evidence.map((q) => quoteBlock(q, onCite))));
  }
  if ((resp.sources || []).length) {
    const row = el("p", { class: "meta" }, `${label("sources")}: `);
    for (const s of resp.sources) {
      row.append(el("button", { type: "button", class: "chip", "data-cite": s.id,
        "aria-label": I18N.t("cite", { n: s.id }),
        text: `[${s.id}]`, onclick: (ev) => onCite(s.id, ev.currentTarget) }));
      const version = versionLabel(s, lang);
      if (version) row.append(el("span", { class: `version-tag ${s.status}`, "data-status": s.status, text: version }));
    }
    box.append(row);
  }
  if (resp.model || resp.timings) box.append(answeredLine(resp, (opts || {}).modelName));
  return box;
}

// A snippet as paragraphs and tables: the rows of a Markdown table (a line "| a | b |") become a <table>, its cells
// text nodes like every document text; a row cut short by the snippet's end stays text.
const TABLE_ROW = /^\|.*\|$/;
const TABLE_RULE = /^\|(\s*:?-{3,}:?\s*\|)+$/;
function tableCells(row) {
  return row.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}
function snippetBlocks(snippet, terms) {
  const blocks = [];
  let rows = [];
  const flush = () => {
    if (!rows.length) return;
    const [head, ...body] = rows.filter((r) => !TABLE_RULE.test(r));
    const table = el("table", { class: "snippet-table" },
      el("thead", {}, el("tr", {}, ...tableCells(head).map((c) => el("th", {}, highlighted(c, terms))))),
      el("tbody", {}, ...body.map((r) => el("tr", {}, ...tableCells(r).map((c) => el("td", {}, highlighted(c, terms)))))));
    blocks.push(table);
    rows = [];
  };
  for (const line of snippet.split("\n")) {
    if (TABLE_ROW.test(line.trim())) { rows.push(line.trim()); continue; }
    flush();
    if (line.trim()) blocks.push(el("p", {}, highlighted(line, terms)));
  }
  flush();
  return el("div", { class: "snippet" }, ...blocks);
}

// The sources panel: each source's title, place and snippet (the question's words marked), then the answer's quotes
// of it, each marked in the source's text around it; Preview shows the cited page or section in the page
// (preview.js), Download fetches the original.
function renderSources(list, sources, question, selected, quotes) {
  const terms = queryTerms(question || "");
  const lang = /[\u3400-\u9fff]/.test(question || "") ? "zh" : "en";
  list.replaceChildren();
  for (const s of sources || []) {
    const where = [s.page ? I18N.t("page", { p: s.page }) : null,
      s.attachment ? I18N.t(s.mail ? "attachmentOfMail" : "attachment", { name: s.attachment, mail: s.mail }) : null,
      s.ocr ? I18N.t("ocr") : null, s.heading,
      s.location && !/^https?:\/\//i.test(s.location) ? s.location : null].filter(Boolean).join(" · ");
    const own = (quotes || []).filter((q) => q.source === s.id);
    const seen = new Set();
    const shown = own.filter((q) => !seen.has(`${q.start}:${q.end}`) && seen.add(`${q.start}:${q.end}`));
    // A page or a repository's web view is opened where it lives (with a text fragment, #:~:text=, that marks the
    // quote where the browser supports it); a file is downloaded from Perimeter (only by its readers).
    const fragment = shown.length && shown[0].text.length <= 300 ? `#:~:text=${encodeURIComponent(shown[0].text)}` : "";
    const web = [s.location, s.uri].find((a) => /^https?:\/\//i.test(a || ""));
    const href = web ? `${web.split("#")[0]}${fragment}` : `/v1/documents/${encodeURIComponent(s.doc_id)}`;
    // A share's file or a mail has no copy of ours to hand out: Perimeter serves the text it indexed (by readers only).
    const indexedOnly = /^(?!file:)[a-z][a-z0-9+.-]*:\/\//i.test(s.uri || "");
    const item = el("li", { id: `source-${s.id}`, tabindex: "-1", "data-doc-id": s.doc_id,
      class: s.id === selected ? "selected" : "" },
      el("div", { class: "title" }, `[${s.id}] `, s.title,
        versionLabel(s, lang) ? el("span", { class: `version-tag ${s.status}`, "data-status": s.status,
          text: versionLabel(s, lang) }) : null),
      where ? el("div", { class: "meta", text: where }) : null,
      snippetBlocks(s.snippet || "", terms),
      ...shown.map((q) => el("p", { class: "quote-context", "data-start": q.start, "data-end": q.end },
        q.start > (q.before || "").length ? `…${q.before}` : q.before || "",
        el("mark", { class: "quote-mark", text: q.text }), q.after ? `${q.after}…` : "")),
      el("div", { class: "doc-actions" },
        el("button", { type: "button", class: "preview-doc", text: I18N.t("preview"),
          onclick: (ev) => openPreview(s, quotes, ev.currentTarget) }),
        web ? el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "open-doc", text: I18N.t("openPage") })
          : el("a", { href, download: "", class: "open-doc", text: I18N.t(indexedOnly ? "downloadText" : "download") })));
    list.append(item);
  }
}
