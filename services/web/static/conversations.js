// Conversations live on the server, per signed-in user (GET/PATCH/DELETE /v1/conversations): the browser keeps
// nothing but the current conversation's id, so a shared or kiosk profile shows the next person nothing of the last
// one's questions, and a user's history follows them to another machine. Reload reopens the current conversation.
"use strict";
Object.assign(STRINGS.en, { searchConversations: "Search conversations", rename: "Rename", remove: "Delete",
  renamePrompt: "New title", removeConfirm: "Delete this conversation?", historyFailed: "Conversations could not be "
  + "loaded." });
Object.assign(STRINGS.zh, { searchConversations: "搜索对话", rename: "重命名", remove: "删除", renamePrompt: "新标题",
  removeConfirm: "删除这个对话？", historyFailed: "无法加载对话列表。" });

const Conversations = {
  CURRENT: "perimeter.currentConversation",
  LEGACY: "perimeter.conversations",  // questions and answers kept by older pages: removed on sight

  current() { return localStorage.getItem(this.CURRENT); },
  remember(id) { if (id) localStorage.setItem(this.CURRENT, id); },
  forget() { localStorage.removeItem(this.CURRENT); },

  async call(path, options = {}) {
    const r = await fetch(`/v1/conversations${path}`, { ...options,
      headers: { ...(options.headers || {}), "Content-Type": "application/json" } });
    if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status });
    return r.json();
  },
  list(query) { return this.call(query ? `?q=${encodeURIComponent(query)}` : ""); },
  open(id) { return this.call(`/${encodeURIComponent(id)}`); },
  rename(id, title) { return this.call(`/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify({ title }) }); },
  remove(id) { return this.call(`/${encodeURIComponent(id)}`, { method: "DELETE" }); },

  // The list in the side panel, with a search box above it and Rename/Delete beside each conversation.
  async render(list, { currentId, onOpen, onRemoved }) {
    this.shown = { list, onOpen, onRemoved };
    this.searchBox(list, () => this.render(list, { currentId: this.current(), onOpen, onRemoved }));
    let convs;
    try { convs = await this.list(this.query); } catch (e) {
      list.replaceChildren(el("li", { class: "meta", text: I18N.t("historyFailed") }));
      return;
    }
    list.replaceChildren(...convs.map((c) => el("li", { "data-conversation": c.id },
      el("button", { type: "button", class: "open-conversation", title: c.title, text: c.title || I18N.t("untitled"),
        "aria-current": c.id === currentId ? "true" : "false", onclick: () => onOpen(c) }),
      el("button", { type: "button", class: "rename-conversation", "aria-label": `${I18N.t("rename")}: ${c.title}`,
        title: I18N.t("rename"), text: "✎", onclick: async () => {
          const title = prompt(I18N.t("renamePrompt"), c.title);
          if (title && title.trim()) { await this.rename(c.id, title.trim()); this.render(list, { currentId, onOpen, onRemoved }); }
        } }),
      el("button", { type: "button", class: "remove-conversation", "aria-label": `${I18N.t("remove")}: ${c.title}`,
        title: I18N.t("remove"), text: "🗑", onclick: async () => {
          if (!confirm(I18N.t("removeConfirm"))) return;
          await this.remove(c.id);
          if (c.id === currentId) { this.forget(); onRemoved(); }
          this.render(list, { currentId: c.id === currentId ? null : currentId, onOpen, onRemoved });
        } }))));
    if (!convs.length) list.append(el("li", { class: "meta", text: I18N.t("noConversations") }));
  },

  query: "",
  searchBox(list, rerender) {
    if (document.getElementById("conversation-search")) return;
    const box = el("input", { type: "search", id: "conversation-search", "aria-label": I18N.t("searchConversations"),
      placeholder: I18N.t("searchConversations") });
    let timer = null;
    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { this.query = box.value.trim(); rerender(); }, 200);
    });
    list.before(box);
  },
};
localStorage.removeItem(Conversations.LEGACY);
