// The chat page: asks POST /v1/ask/stream, renders the streamed answer, sources, feedback and the conversations.
"use strict";
const $ = (id) => document.getElementById(id);
const state = { conv: null, busy: false, panel: null };  // conv: {id, title}; panel: {sources, question, selected, quotes}

// h24a: conversations are on the server (conversations.js); the browser keeps only the current one's id.
function renderHistory() {
  return Conversations.render($("conversations"), { currentId: state.conv && state.conv.id,
    onOpen: (c) => openConv(c), onRemoved: () => newConv() });
}

function newConv() {
  state.conv = null;
  Conversations.forget();  // h24a
  $("thread").replaceChildren();
  closeSources();
  setStatus("");
  renderHistory();
  $("question").focus();
}

// h24a: the conversation's turns come from the server; one that is gone (or not this user's) starts a new one.
async function openConv(conv) {
  let full;
  try { full = await Conversations.open(conv.id); } catch (e) { newConv(); return; }
  state.conv = { id: full.id, title: full.title };
  Conversations.remember(full.id);
  $("thread").replaceChildren();
  for (const turn of full.shown) showTurn(turn.question).finish(turn.response, false);
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
      body: JSON.stringify({ question, conversation_id: state.conv ? state.conv.id : null }) });
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
    // h24a: the server kept the turn; the browser remembers only which conversation this is.
    if (!state.conv) state.conv = { id: null, title: question.slice(0, 80) };
    state.conv.id = final.conversation_id || state.conv.id;
    Conversations.remember(state.conv.id);
    renderHistory();
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
  await SignIn.ready;  // h24a: signed in (signin.js) before the history is asked for
  if (Conversations.current()) await openConv({ id: Conversations.current() }); else renderHistory();
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
