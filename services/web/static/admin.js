// The admin page: sources, re-index, live job progress and per-file errors. Who may use it is decided at once from
// GET /auth/session (signin.js): an admin signed in through the company's sign-in (or a proxy) uses it directly; the
// token box is for the service-account token (PERIMETER_ADMIN_TOKEN), kept in sessionStorage; in demo mode without
// that token the page says what to set, and Re-index/Export stay disabled.
"use strict";
const $ = (id) => document.getElementById(id);
const TOKEN = "perimeter.adminToken";
Object.assign(STRINGS.en, {
  serviceToken: "Service-account token",
  signedInAdmin: "Signed in as {user} (admin).",
  notAdmin: "{user} is not an admin (admins are the members of PERIMETER_AUTH_ADMIN_GROUPS). A service-account "
    + "token still works below.",
  demoOff: "Demo mode: the admin page is off. To turn it on, set PERIMETER_ADMIN_TOKEN to a random value "
    + "(python -c \"import secrets; print(secrets.token_urlsafe(32))\") and restart, then enter it here; or set up "
    + "sign-in (README, \"Sign-in\") and sign in as a member of PERIMETER_AUTH_ADMIN_GROUPS.",
  needServiceToken: "Enter the service-account token (PERIMETER_ADMIN_TOKEN) to continue.",
  candidateMode: "As a candidate: publish only if the golden set does not get worse",
  gatePublished: "Gate: published", gateRefused: "Gate: refused, changes put back (worse: {worse})",
  gateAgainst: "against run {run}: {deltas}", evaluating: "golden cases asked: {n}",
});
Object.assign(STRINGS.zh, {
  serviceToken: "服务账号令牌",
  signedInAdmin: "已登录：{user}（管理员）。",
  notAdmin: "{user} 不是管理员（管理员为 PERIMETER_AUTH_ADMIN_GROUPS 中各组的成员）。仍可在下方使用服务账号令牌。",
  demoOff: "演示模式：管理页面未启用。请将 PERIMETER_ADMIN_TOKEN 设为随机值并重启，然后在此输入；或配置登录（见 README"
    + "“Sign-in”），以 PERIMETER_AUTH_ADMIN_GROUPS 中的成员身份登录。",
  needServiceToken: "请输入服务账号令牌（PERIMETER_ADMIN_TOKEN）。",
  candidateMode: "候选模式：黄金测试集不变差才发布",
  gatePublished: "质量门：已发布", gateRefused: "质量门：已拒绝，更改已撤回（变差：{worse}）",
  gateAgainst: "对比运行 {run}：{deltas}", evaluating: "已提问黄金用例：{n}",
});
const ACTIVE = new Set(["queued", "pending", "planning", "running", "started", "evaluating"]);
let watching = null, timer = null;

function say(text, isError) {
  const s = $("admin-status");
  s.textContent = text;
  s.className = isError ? "notice error" : text ? "notice info" : "";
}

// Signed in as an admin: the session cookie (and signin.js's CSRF header) is the credential; otherwise the token.
function signedInAdmin() {
  const s = SignIn.session;
  return !!(s && s.signed_in && s.role === "admin" && s.via !== "admin-token");
}

function setActionsEnabled(on) {
  for (const id of ["reindex-all", "export"]) $(id).disabled = !on;
}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN);
  const headers = { ...(options.headers || {}), "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (!signedInAdmin()) { say(I18N.t("needServiceToken"), true); throw new Error("no token"); }
  const r = await fetch(path, { ...options, headers });
  if (r.status === 401) { say(I18N.t("unauthorized"), true); throw new Error("401"); }
  if (r.status === 503) { say(I18N.t("disabled"), true); throw new Error("503"); }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    say(I18N.t("error", { msg: body.detail || r.status }), true);
    throw new Error(String(r.status));
  }
  return r.headers.get("content-type")?.includes("json") ? r.json() : r.text();
}

async function loadSources() {
  const sources = await api("/v1/admin/sources");
  const rows = sources.map((s) => el("tr", {}, el("td", { text: s.name }), el("td", { text: s.path }),
    el("td", { text: s.collection }), el("td", { text: (s.groups || []).join(", ") }),
    el("td", {}, el("button", { type: "button", "data-i18n": "reindex", "data-source": s.name, text: I18N.t("reindex"),
      onclick: () => reindex(s.name).catch(() => {}) }))));
  $("source-rows").replaceChildren(...rows);
  if (!rows.length) $("source-rows").append(el("tr", {}, el("td", { colspan: 5, text: I18N.t("noSources") })));
}

function progressText(j) {
  const total = j.files_total ?? "?";
  const failed = j.files_failed ? `, ${j.files_failed} ${I18N.t("failed")}` : "";
  return `${j.files_done}/${total} ${I18N.t("files")}${failed}`;
}

async function loadJobs() {
  const jobs = await api("/v1/admin/jobs");
  const rows = jobs.map((j) => el("tr", {}, el("td", {}, el("button", { type: "button", class: "job-link", text: j.id,
    onclick: () => watch(j.id) })), el("td", { text: j.source }), el("td", { text: j.state }),
    el("td", { text: progressText(j) }), el("td", { text: new Date(j.created_at * 1000).toLocaleString() })));
  $("job-rows").replaceChildren(...rows);
  if (!rows.length) $("job-rows").append(el("tr", {}, el("td", { colspan: 5, text: I18N.t("noJobs") })));
}

async function reindex(source) {
  const request = { candidate: $("candidate").checked, ...(source ? { source } : {}) };
  const body = await api("/v1/admin/reindex", { method: "POST", body: JSON.stringify(request) });
  say(I18N.t("jobStarted", { id: body.job_id }));
  await loadJobs();
  watch(body.job_id);
}

async function watch(jobId) {
  watching = jobId;
  clearTimeout(timer);
  let job;
  try { job = await api(`/v1/admin/jobs/${encodeURIComponent(jobId)}`); } catch (e) { return; }
  if (watching !== jobId) return;
  $("job-detail").hidden = false;
  $("job-title").textContent = `${job.id} · ${job.source} · ${job.state}`;
  const bar = $("job-progress");
  bar.max = job.files_total || 1;
  bar.value = job.files_total ? job.files_done : 0;
  bar.setAttribute("aria-label", progressText(job));
  $("job-summary").textContent = `${progressText(job)} · ` + I18N.t("chunks", { a: job.chunks_added,
    u: job.chunks_updated, r: job.chunks_removed, s: job.chunks_unchanged })
    + (job.ocr_pages ? ` · ${I18N.t("ocrPages", { n: job.ocr_pages })}` : "") + (job.error ? ` · ${job.error}` : "");
  $("job-gate").textContent = gateText(job);
  const errors = (job.errors || []).map((e) => el("tr", {}, el("td", { text: e.source }),
    el("td", { text: e.reason })));
  $("error-rows").replaceChildren(...errors);
  if (!errors.length) $("error-rows").append(el("tr", {}, el("td", { colspan: 2, text: I18N.t("noErrors") })));
  if (ACTIVE.has(job.state)) timer = setTimeout(() => watch(jobId), 1000);
  else loadJobs().catch(() => {});
}

// A candidate job's gate (services/worker/gate_tasks.py): the decision and each score's change against the baseline.
function gateText(job) {
  if (!job.candidate) return "";
  if (!job.gate) return job.state === "evaluating" ? I18N.t("evaluating", { n: job.evaluated }) : "";
  const c = job.gate.comparison;
  const deltas = Object.entries(c.deltas).filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v >= 0 ? "+" : ""}${v.toFixed(2)}`).join(", ");
  return (job.gate.published ? I18N.t("gatePublished") : I18N.t("gateRefused", { worse: c.worse.join(", ") }))
    + (c.baseline ? ` · ${I18N.t("gateAgainst", { run: c.baseline, deltas })}` : "");
}

// Document families (services/versions.py): each family's versions, newest first, and a button that makes one the
// version in force (the snapshot is published again); the stale-content count above.
async function loadFamilies() {
  const [families, stale] = await Promise.all([api("/v1/admin/versions"), api("/v1/admin/versions/stale")]);
  $("stale-summary").textContent = I18N.t("staleCount", { n: stale.documents.length });
  const rows = [];
  for (const f of families) {
    for (const d of f.documents) {
      rows.push(el("tr", { "data-family": f.family, "data-status": d.status }, el("td", { text: d.title }),
        el("td", { text: d.status }), el("td", { text: d.label || "" }), el("td", { text: d.effective || "" }),
        el("td", {}, d.status === "current" ? null : el("button", { type: "button", text: I18N.t("makeCurrent"),
          onclick: () => makeCurrent(d.doc_id).catch(() => {}) }))));
    }
  }
  $("family-rows").replaceChildren(...rows);
  if (!rows.length) $("family-rows").append(el("tr", {}, el("td", { colspan: 5, text: I18N.t("noFamilies") })));
}

async function makeCurrent(docId) {
  await api("/v1/admin/versions", { method: "POST", body: JSON.stringify({ action: "current", documents: [docId] }) });
  await loadFamilies();
}

async function exportFeedback(ev) {
  ev.preventDefault();
  const text = await api("/v1/admin/feedback");
  const url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
  el("a", { href: url, download: "feedback.jsonl" }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function refresh() {
  if (signedInAdmin() && !sessionStorage.getItem(TOKEN)) say(I18N.t("signedInAdmin", { user: SignIn.session.user }));
  else say("");
  return loadSources().then(() => { setActionsEnabled(true); return Promise.all([loadJobs(), loadFamilies()]); })
    .catch(() => setActionsEnabled(false));
}

// What the page can do for whoever opened it, decided before anything is fetched.
function start(session) {
  const tokenBox = $("token-section");
  if (signedInAdmin()) { tokenBox.hidden = true; refresh(); return; }
  if (session.admin_page_off) {
    tokenBox.hidden = true;
    setActionsEnabled(false);
    say(I18N.t("demoOff"));
    $("admin-status").dataset.state = "demo-off";
    return;
  }
  tokenBox.hidden = false;
  if (sessionStorage.getItem(TOKEN)) { refresh(); return; }
  if (session.signed_in && session.via !== "demo") say(I18N.t("notAdmin", { user: session.user }), true);
  else say(I18N.t("needServiceToken"));
}

document.addEventListener("DOMContentLoaded", async () => {
  await I18N.init();
  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN, $("token").value.trim());
    $("token").value = "";
    refresh();
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN);
    setActionsEnabled(false);
    say(I18N.t("needServiceToken"));
  });
  $("reindex-all").addEventListener("click", () => reindex(null).catch(() => {}));
  $("refresh").addEventListener("click", refresh);
  $("export").addEventListener("click", (ev) => exportFeedback(ev).catch(() => {}));
  start(await SignIn.ready);
  document.body.dataset.ready = "true";
});
