// The admin page's assistants (issue 26): GET /v1/admin/assistants, with the admin page's token (sessionStorage) when
// there is one (a proxy or OIDC sign-in needs none). Every text is the server's, put in with textContent only.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const cell = (text) => { const td = document.createElement("td"); td.textContent = text; return td; };
  const texts = (map) => Object.entries(map || {}).map(([lang, t]) => `${lang}: ${t}`).join("\n");
  function say(text, isError) {
    $("assistants-status").textContent = text;
    $("assistants-status").className = isError ? "notice error" : "";
  }
  async function load() {
    const token = sessionStorage.getItem("perimeter.adminToken");
    const r = await fetch("/v1/admin/assistants", { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      say(`HTTP ${r.status}: ${body.detail || ""}`, true);
      return;
    }
    const config = await r.json();
    $("assistants-file").textContent = config.file ? `File: ${config.file}` : "No assistants file is configured.";
    if (config.error) say(`The file's last change was not taken (the assistants below are in use): ${config.error}`,
      true);
    $("assistant-rows").replaceChildren(...config.assistants.map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.name = a.name;
      const scope = [...a.sources.map((s) => `source ${s}`), ...a.documents].join("\n") || "everything";
      tr.append(cell(a.name), cell(a.title || a.name), cell(a.groups.join(", ") || "everyone"), cell(scope),
        cell(a.model || "(the server's)"), cell(texts(a.disclaimer)), cell(texts(a.instructions)),
        cell(a.examples.join("\n")));
      for (const td of tr.children) td.style.whiteSpace = "pre-line";
      return tr;
    }));
  }
  document.addEventListener("DOMContentLoaded", () => { load().catch((e) => say(String(e), true)); });
})();
