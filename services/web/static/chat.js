// The chat page: asks POST /v1/ask/stream, renders the streamed answer, sources, feedback and the conversations
// (kept on the server: conversations.js); Stop, Regenerate, Copy and edit-and-resend; the welcome and the question
// limit from GET /web/config.json.
"use strict";
const $ = (id) => document.getElementById(id);
// conv: {id, title, turns} (turns: what this page showed and the server kept, for Regenerate and edit);
// panel: {sources, question, selected, quotes, chip}; status: the key of the status line's text (it follows the
// language); editing: the turn an edited question replaces; stream: the AbortController of the answer being written.
const state = { conv: null, busy: false, panel: null, status: null, editing: null, stream: null,
  config: { max_question_chars: 2000, model_name: null, welcome: null, examples: [] } };
const PHONE = window.matchMedia("(max-width: 900px)");

function renderHistory() {
  return Conversations.render($("conversations"), { currentId: state.conv && state.conv.id,
    onOpen: (c) => openConv(c), onRemoved: () => newConv() });
}

function newConv() {
  state.conv = null;
  Conversations.forget();
  clearThread();
  closeSources();
  setStatus(null);
  renderHistory();
  $("question").focus();
}

// The conversation's turns come from the server; one that is gone (or not this user's) starts a new one.
async function openConv(conv) {
  let full;
  try { full = await Conversations.open(conv.id); } catch (e) { newConv(); return; }
  state.conv = { id: full.id, title: full.title, turns: full.shown.slice() };
  Conversations.remember(full.id);
  clearThread();
  for (const turn of full.shown) showTurn(turn.question).finish(turn.response, false);
  renderWelcome();
  renderHistory();
  closeMenu();
  $("question").focus();
}

// The status line holds a key, not words, so that it follows a language switch.
function setStatus(key, busy, vars) {
  state.status = key ? { key, busy, vars } : null;
  const s = $("status");
  s.textContent = key ? I18N.t(key, vars) : "";
  s.classList.toggle("busy", !!busy);
  $("thread").setAttribute("aria-busy", busy ? "true" : "false");
}

function clearThread() {
  $("thread").querySelectorAll(".turn").forEach((t) => t.remove());
  renderWelcome();
}

function renderWelcome() {
  const { welcome, examples } = state.config;
  $("welcome").hidden = !!$("thread").querySelector(".turn");
  $("welcome-text").textContent = welcome || I18N.t("welcomeText");
  $("examples").replaceChildren(...(examples || []).map((q) => el("li", {}, el("button", {
    type: "button", class: "example", text: q, onclick: () => { $("question").value = q; submitQuestion(); } }))));
  $("examples").previousElementSibling.hidden = !(examples || []).length;
}

function openMenu(open) {
  document.body.classList.toggle("menu-open", open);
  $("menu-button").setAttribute("aria-expanded", String(open));
  if (open) ($("conversations").querySelector("button") || $("history")).focus();
}
function closeMenu() { if (document.body.classList.contains("menu-open")) openMenu(false); }

function showSources(sources, question, selected, quotes, chip) {
  state.panel = { sources, question, selected, quotes, chip };
  const panel = $("sources-panel");
  panel.hidden = false;
  renderSources($("sources"), sources, question, selected, quotes);
  document.querySelectorAll(".chip[aria-pressed]").forEach((c) => c.setAttribute("aria-pressed", "false"));
  if (selected) {
    const item = $(`source-${selected}`);
    if (item) { item.scrollIntoView({ block: "nearest" }); item.focus(); }
  }
}
// Closing the panel gives the focus back to the chip that opened it, so a keyboard user goes on where they were.
function closeSources() {
  const chip = state.panel && state.panel.chip;
  $("sources-panel").hidden = true;
  state.panel = null;
  if (chip && chip.isConnected) chip.focus();
}

// The question box: a counter against the server's limit (nothing is cut; a longer question is not sent).
function questionLength() { return [...$("question").value].length; }
function updateCounter() {
  const n = questionLength(), max = state.config.max_question_chars;
  const over = n > max;
  const counter = $("counter");
  counter.dataset.state = over ? "over" : n >= 0.9 * max ? "near" : "ok";
  counter.textContent = over ? I18N.t("tooLong", { n, max }) : n ? I18N.t("count", { n, max }) : "";
  $("question").setAttribute("aria-invalid", String(over));
  $("ask-button").disabled = over || state.busy;
}

function setBusy(busy) {
  state.busy = busy;
  const stopHadFocus = document.activeElement === $("stop-button");
  const askHadFocus = document.activeElement === $("ask-button");
  $("ask-button").hidden = busy;
  $("stop-button").hidden = !busy;
  updateCounter();
  if (busy && askHadFocus) $("stop-button").focus();
  if (!busy && stopHadFocus) $("question").focus();
}

// Regenerate and edit-and-resend drop a turn and those after it, then ask again. The server's record of the
// conversation keeps what it was told; a conversation left with no turns starts afresh.
function dropFrom(turn) {
  const turns = [...$("thread").querySelectorAll(".turn")];
  const at = turns.indexOf(turn);
  if (at < 0) return;
  if (state.conv && state.conv.turns) {  // stopped and failed turns are shown but not kept; old ones may be trimmed
    const saved = (list) => list.filter((t) => t.dataset.saved).length;
    const trimmed = saved(turns) - state.conv.turns.length;
    state.conv.turns = state.conv.turns.slice(0, Math.max(0, saved(turns.slice(0, at)) - trimmed));
    if (!state.conv.turns.length) state.conv.id = null;
  }
  turns.slice(at).forEach((t) => t.remove());
}
function editQuestion(turn, question) {
  state.editing = turn;
  $("editing").hidden = false;
  $("question").value = question;
  updateCounter();
  $("question").focus();
  $("question").select();
}
function cancelEdit() { state.editing = null; $("editing").hidden = true; }

function actionsRow(turn, question, getResp) {
  const action = (cls, key, onclick) => el("button", { type: "button", class: cls, "data-i18n": key,
    text: I18N.t(key), onclick });
  return el("div", { class: "actions" }, getResp() ? copyButton(getResp) : null,
    action("regenerate", "regenerate", () => { if (!state.busy) { dropFrom(turn); ask(question); } }),
    action("edit", "edit", () => { if (!state.busy) editQuestion(turn, question); }));
}

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
  renderWelcome();
  turn.scrollIntoView({ block: "start" });
  const cite = (n, chip) => {
    if (!response) return;
    showSources(response.sources, question, n, answerQuotes(response), chip);
    turn.querySelectorAll(`.chip[data-cite="${n}"]`).forEach((c) => c.setAttribute("aria-pressed", "true"));
  };
  const getResp = () => response;
  return {
    sources(data) { response = { sources: data.sources }; },
    draft(text) { draft.textContent = text; },
    finish(resp, live) {
      response = resp;
      turn.dataset.saved = "true";  // ask() keeps it in the conversation (openConv's turns are kept already)
      const opts = { modelName: state.config.model_name };
      answer.replaceChildren(renderAnswer(resp, cite, opts), actionsRow(turn, question, getResp),
        feedbackBox(getResp));
      Assistants.decorate(answer, resp);  // the assistant's disclaimer (assistants.js)
      // The time line's words follow the language; the answer's own sections keep the answer's language.
      turn.relabel = () => {
        const line = answer.querySelector(".answered");
        if (line) line.replaceWith(answeredLine(resp, opts.modelName));
      };
      if (live && resp.sources && resp.sources.length && !PHONE.matches) {
        showSources(resp.sources, question, null, answerQuotes(resp));
      }
      if (live) turn.scrollIntoView({ block: "start" });
    },
    stopped() {  // the draft so far stays, marked unfinished
      draft.classList.add("unfinished");
      answer.append(el("p", { class: "notice", role: "note", "data-state": "stopped", "data-i18n": "stoppedNote",
        text: I18N.t("stoppedNote") }), actionsRow(turn, question, () => null));
    },
    fail(message) {
      answer.replaceChildren(el("p", { class: "notice error", role: "alert", "data-state": "error", text: message }),
        actionsRow(turn, question, () => null));
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
  setBusy(true);
  const turn = showTurn(question);
  setStatus("searching", true);
  const controller = new AbortController();
  state.stream = controller;
  let raw = "", final = null;
  try {
    const r = await fetch("/v1/ask/stream", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, conversation_id: state.conv ? state.conv.id : null,
        assistant: Assistants.chosen() }),
      signal: controller.signal });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
      throw new Error(detail || `HTTP ${r.status}`);
    }
    for await (const { event, data } of sseEvents(r)) {
      if (event === "sources") { turn.sources(JSON.parse(data)); setStatus("writing", true); }
      else if (event === "token") { raw += JSON.parse(data).text; turn.draft(draftFromTokens(raw)); }
      else if (event === "answer") final = JSON.parse(data);
      else if (event === "error") throw new Error(JSON.parse(data).detail || data);
    }
    if (!final) throw new Error(I18N.t("stopped"));
    turn.finish(final, true);
    setStatus("done");
    // The server kept the turn; the browser remembers only which conversation this is.
    if (!state.conv) state.conv = { id: null, title: question.slice(0, 80), turns: [] };
    (state.conv.turns = state.conv.turns || []).push({ question, response: final });
    state.conv.id = final.conversation_id || state.conv.id;
    Conversations.remember(state.conv.id);
    renderHistory();
  } catch (e) {
    // Stop aborts the request: the server sees the client leave and stops the model (services/api/sse.py).
    if (e.name === "AbortError") { turn.stopped(); setStatus("stopped"); }
    else if (e instanceof TypeError) { turn.fail(I18N.t("network")); setStatus(null); }
    else { turn.fail(I18N.t("error", { msg: e.message })); setStatus(null); }
  } finally {
    state.stream = null;
    setBusy(false);
  }
}

function submitQuestion() {
  const q = $("question").value.trim();
  if (!q || state.busy) return;
  if (questionLength() > state.config.max_question_chars) { updateCounter(); $("question").focus(); return; }
  if (state.editing) { dropFrom(state.editing); cancelEdit(); }
  $("question").value = "";
  updateCounter();
  ask(q);
}

document.addEventListener("DOMContentLoaded", async () => {
  const config = fetch("/web/config.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  await I18N.init();
  Object.assign(state.config, await config);
  await SignIn.ready;  // signed in (signin.js) before the history is asked for
  if (Conversations.current()) await openConv({ id: Conversations.current() }); else renderHistory();
  renderWelcome();
  updateCounter();
  $("ask-form").addEventListener("submit", (ev) => { ev.preventDefault(); submitQuestion(); });
  $("question").addEventListener("keydown", (ev) => {  // Enter asks, Shift+Enter is a new line
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); submitQuestion(); }
  });
  $("question").addEventListener("input", updateCounter);
  $("stop-button").addEventListener("click", () => { if (state.stream) state.stream.abort(); });
  $("cancel-edit").addEventListener("click", () => { cancelEdit(); $("question").value = ""; updateCounter(); });
  $("new-chat").addEventListener("click", () => { cancelEdit(); closeMenu(); newConv(); });
  $("menu-button").addEventListener("click", () => openMenu(!document.body.classList.contains("menu-open")));
  $("close-sources").addEventListener("click", closeSources);
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || $("preview").open) return;  // the preview closes itself (a modal <dialog>)
    if (document.body.classList.contains("menu-open")) { openMenu(false); $("menu-button").focus(); }
    else if (state.panel) closeSources();
  });
  document.addEventListener("langchange", () => {
    renderHistory();
    renderWelcome();
    updateCounter();
    if (state.status) setStatus(state.status.key, state.status.busy, state.status.vars);
    document.querySelectorAll(".turn").forEach((t) => t.relabel && t.relabel());
    if (state.panel) {
      renderSources($("sources"), state.panel.sources, state.panel.question, state.panel.selected, state.panel.quotes);
    }
  });
  document.body.dataset.ready = "true";
});
