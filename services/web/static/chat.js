// The chat page: asks POST /v1/ask/stream, renders the streamed answer, sources, feedback and local history.
"use strict";
const $ = (id) => document.getElementById(id);
const STORE = "perimeter.conversations";
const state = { conv: null, busy: false, panel: null };  // panel: {sources, question, selected, quotes}

function loadConvs() {
  try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch (e) { return []; }
}
function saveConv(conv) {
  const all = loadConvs().filter((c) => c.key !== conv.key);
  conv.turns = conv.turns.slice(-10);
  all.unshift(conv);
  localStorage.setItem(STORE, JSON.stringify(all.slice(0, 20)));
  renderHistory();
}

function renderHistory() {
  const list = $("conversations");
  const convs = loadConvs();
  list.replaceChildren(...convs.map((c) => el("li", {}, el("button", {
    type: "button", title: c.title, "aria-current": state.conv && state.conv.key === c.key ? "true" : "false",
    text: c.title || I18N.t("untitled"), onclick: () => openConv(c) }))));
  if (!convs.length) list.append(el("li", { class: "meta", text: I18N.t("noConversations") }));
}

function newConv() {
  state.conv = null;
  $("thread").replaceChildren();
  closeSources();
  setStatus("");
  renderHistory();
  $("question").focus();
}

function openConv(conv) {
  state.conv = conv;
  $("thread").replaceChildren();
  for (const turn of conv.turns) showTurn(turn.question).finish(turn.response, false);
  renderHistory();
  $("question").focus();
}

function setStatus(text, busy) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("busy", !!busy);
  $("thread").setAttribute("aria-busy", busy ? "true" : "false");
}

function showSources(sources, question, selected, quotes) {
  state.panel = { sources, question, selected, quotes };
  const panel = $("sources-panel");
  panel.hidden = false;
  renderSources($("sources"), sources, question, selected, quotes);
  document.querySelectorAll(".chip[aria-pressed]").forEach((c) => c.setAttribute("aria-pressed", "false"));
  if (selected) {
    const item = $(`source-${selected}`);
    if (item) { item.scrollIntoView({ block: "nearest" }); item.focus(); }
  }
}
function closeSources() { $("sources-panel").hidden = true; state.panel = null; }

function feedbackBox(getResp) {
  const box = el("div", { class: "feedback" });
  const comment = el("textarea", { rows: 2, maxlength: 2000, hidden: true, "data-i18n-placeholder": "comment",
    placeholder: I18N.t("comment"), "aria-label": I18N.t("comment") });
  const result = el("span", { class: "thanks", role: "status" });
  let rating = null;
  const send = el("button", { type: "button", class: "send-feedback", hidden: true, "data-i18n": "send",
    text: I18N.t("send"), onclick: async () => {
      // The answer is named by the id the server issued with it; what it was about is the server's record, not ours.
      const resp = getResp() || {};
      const body = { answer_id: resp.answer_id, rating, comment: comment.value.trim() };
      try {
        const r = await fetch("/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body) });
        if (!r.ok) throw new Error(r.status);
        result.textContent = I18N.t("thanks");
        send.hidden = true; comment.hidden = true;
      } catch (e) { result.textContent = I18N.t("feedbackFailed"); }
    } });
  const rate = (value, emoji, key) => el("button", { type: "button", class: `rate-${value}`, "aria-pressed": "false",
    "data-i18n-label": key, "aria-label": I18N.t(key), title: I18N.t(key), text: emoji, onclick: (ev) => {
      rating = value;
      box.querySelectorAll("[class^=rate-]").forEach((b) => {
        b.setAttribute("aria-pressed", String(b === ev.currentTarget));
      });
      comment.hidden = false; send.hidden = false; result.textContent = "";
      comment.focus();
    } });
  box.append(rate("up", "👍", "helpful"), rate("down", "👎", "notHelpful"), comment, send, result);
  return box;
}

// One question and its answer in the thread; returns hooks for the stream to fill it in.
function showTurn(question) {
  const answer = el("div", { class: "answer-slot" });
  const draft = el("p", { class: "draft" });
  let response = null;
  const turn = el("section", { class: "turn" }, el("p", { class: "q", text: question }), answer);
  answer.append(draft);
  $("thread").append(turn);
  turn.scrollIntoView({ block: "start" });
  const cite = (n) => {
    if (!response) return;
    showSources(response.sources, question, n, answerQuotes(response));
    turn.querySelectorAll(`.chip[data-cite="${n}"]`).forEach((c) => c.setAttribute("aria-pressed", "true"));
  };
  return {
    sources(data) { response = { sources: data.sources }; },
    draft(text) { draft.textContent = text; },
    finish(resp, live) {
      response = resp;
      answer.replaceChildren(renderAnswer(resp, cite), feedbackBox(() => response));
      Assistants.decorate(answer, resp);  // the assistant's disclaimer (assistants.js)
      if (live && resp.sources && resp.sources.length) showSources(resp.sources, question, null, answerQuotes(resp));
      if (live) turn.scrollIntoView({ block: "start" });
    },
    fail(message) {
      answer.replaceChildren(el("p", { class: "notice error", role: "alert", "data-state": "error", text: message }));
    },
  };
}

async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message"; const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: data.join("\n") };
    }
  }
}

async function ask(question) {
  state.busy = true;
  $("ask-button").disabled = true;
  const turn = showTurn(question);
  setStatus(I18N.t("searching"), true);
  let raw = "", final = null;
  try {
    const r = await fetch("/v1/ask/stream", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, conversation_id: state.conv ? state.conv.id : null,
        assistant: Assistants.chosen() }) });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
      throw new Error(detail || `HTTP ${r.status}`);
    }
    for await (const { event, data } of sseEvents(r)) {
      if (event === "sources") { turn.sources(JSON.parse(data)); setStatus(I18N.t("writing"), true); }
      else if (event === "token") { raw += JSON.parse(data).text; turn.draft(draftFromTokens(raw)); }
      else if (event === "answer") final = JSON.parse(data);
      else if (event === "error") throw new Error(JSON.parse(data).detail || data);
    }
    if (!final) throw new Error(I18N.t("stopped"));
    turn.finish(final, true);
    setStatus(I18N.t("done"));
    if (!state.conv) state.conv = { key: `c${Date.now()}`, id: null, title: question.slice(0, 80), turns: [] };
    state.conv.id = final.conversation_id || state.conv.id;
    state.conv.updated = Date.now();
    state.conv.turns.push({ question, response: final });
    saveConv(state.conv);
  } catch (e) {
    const msg = e instanceof TypeError ? I18N.t("network") : I18N.t("error", { msg: e.message });
    turn.fail(msg);
    setStatus("");
  } finally {
    state.busy = false;
    $("ask-button").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  await I18N.init();
  renderHistory();
  $("ask-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("question").value.trim();
    if (!q || state.busy) return;
    $("question").value = "";
    ask(q);
  });
  $("question").addEventListener("keydown", (ev) => {  // Enter asks, Shift+Enter is a new line
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); $("ask-form").requestSubmit(); }
  });
  $("new-chat").addEventListener("click", newConv);
  $("close-sources").addEventListener("click", closeSources);
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && state.panel) closeSources(); });
  document.addEventListener("langchange", () => {
    renderHistory();
    if (state.panel) {
      renderSources($("sources"), state.panel.sources, state.panel.question, state.panel.selected, state.panel.quotes);
    }
  });
  document.body.dataset.ready = "true";
});
