// Assistants on the chat page (issue 26): a picker of the assistants the user may use (GET /v1/assistants, their
// default first), its description and example questions; chat.js sends the choice with each question
// (Assistants.chosen()) and calls Assistants.decorate() on each answer, which shows the disclaimer the answer carries.
// Without assistants configured the picker stays hidden and questions go without one, as before.
// Every text here is the server's, put in with textContent only.
"use strict";
const Assistants = (() => {
  const KEY = "perimeter.assistant";
  const WORDS = {
    en: { label: "Assistant", examples: "Try:", disclaimer: "Note" },
    zh: { label: "助手", examples: "试试：", disclaimer: "提示" },
  };
  let list = [];
  const lang = () => (window.I18N && I18N.lang === "zh" ? "zh" : "en");
  const word = (k) => WORDS[lang()][k];
  const node = (tag, cls, text) => {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  };
  const inLanguage = (texts) => texts[lang()] || texts["*"] || Object.values(texts)[0] || "";

  function current() {
    const select = document.getElementById("assistant");
    return list.find((a) => select && a.name === select.value) || list[0] || null;
  }

  function describe() {
    const box = document.getElementById("assistant-picker");
    const a = current();
    if (!box || !a) return;
    box.querySelector("label span").textContent = word("label");
    box.querySelector(".assistant-about").textContent = a.description;
    const examples = box.querySelector(".assistant-examples");
    examples.replaceChildren(node("span", "meta", word("examples")), ...a.examples.map((q) => {
      const b = node("button", "example", q);
      b.type = "button";
      b.addEventListener("click", () => { const t = document.getElementById("question"); t.value = q; t.focus(); });
      return b;
    }));
  }

  async function load() {
    const box = document.getElementById("assistant-picker");
    if (!box) return;
    try {
      const r = await fetch("/v1/assistants");
      list = r.ok ? (await r.json()).assistants : [];
    } catch (e) { list = []; }
    if (!list.length) { box.hidden = true; return; }
    const select = node("select");
    select.id = "assistant";
    for (const a of list) {
      const o = node("option", null, a.title);
      o.value = a.name;
      select.append(o);
    }
    const kept = localStorage.getItem(KEY);
    if (list.some((a) => a.name === kept)) select.value = kept;
    select.addEventListener("change", () => { localStorage.setItem(KEY, select.value); describe(); });
    const label = node("label");
    label.append(node("span", null, word("label")), select);
    box.replaceChildren(label, node("p", "assistant-about meta"), node("p", "assistant-examples"));
    box.hidden = false;
    describe();
  }

  return {
    // The assistant to ask (null: none configured, the server's default then applies).
    chosen() { const a = current(); return a ? a.name : null; },
    // Under an answer: its assistant's disclaimer, as the answer carries it (in the answer's language).
    decorate(slot, response) {
      if (!response || !response.disclaimer) return;
      const p = node("p", "disclaimer", response.disclaimer);
      p.setAttribute("role", "note");
      p.setAttribute("aria-label", word("disclaimer"));
      p.dataset.assistant = response.assistant || "";
      slot.append(p);
    },
    load,
  };
})();
document.addEventListener("DOMContentLoaded", () => { Assistants.load(); });
document.addEventListener("langchange", () => { if (document.getElementById("assistant")) Assistants.load(); });
