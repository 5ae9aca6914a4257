// The analytics page: numbers from GET /v1/admin/analytics (texts only when the caller is an analyst) and the golden
// set's runs from /v1/admin/eval/runs. Signs in with the admin page's token (sessionStorage), or the proxy's cookie.
// In English or Chinese like the chat and admin pages (i18n.js: the saved choice, else the browser's language).
"use strict";
const byId = (id) => document.getElementById(id);
const TOKEN_KEY = "perimeter.adminToken";
Object.assign(STRINGS.en, {
  anTitle: "Perimeter analytics", anBack: "Back to admin", anFilters: "Filters", anFrom: "From", anTo: "To",
  anShow: "Show", anQuestions: "Questions", anPerDay: "Per day and door", anDay: "Day", anDoor: "Door",
  anCitedMost: "Sources cited most", anDocument: "Document", anCited: "Cited", anNeverCited: "Never cited",
  anUnanswered: "Top unanswered or 👎 questions", anCount: "Count", anNotFound: "Not found",
  anEval: "Golden set runs and the gate", anRun: "Run", anLabel: "Label", anAgainst: "Against baseline",
  anGates: "Gate decisions on candidates (re-indexes, settings changes)", anWhen: "When", anWhat: "Source or change",
  anCandidate: "Candidate", anDecision: "Decision",
  anAnswered: "Answered", anDegraded: "Degraded", anFailed: "Failed", anCancelled: "Cancelled",
  anFirstToken: "First token, median / p95", anFullAnswer: "Full answer, median / p95",
  anGrounding: "Grounding rate", anPerDoor: "Per door",
  anTextsNote: "Question texts are shown to analysts only; you see how many.", anHidden: "(hidden)",
  anNotWorse: "not worse", anWorse: "worse: {list}", anPublished: "published", anPassed: "passed",
  anRefused: "refused ({list})", anSettings: "settings: {list}",
  anLoadFailed: "Could not load analytics ({msg}). Sign in on the admin page first.",
});
Object.assign(STRINGS.zh, {
  anTitle: "Perimeter 数据分析", anBack: "返回管理页面", anFilters: "筛选", anFrom: "从", anTo: "到",
  anShow: "显示", anQuestions: "提问", anPerDay: "按日期和入口", anDay: "日期", anDoor: "入口",
  anCitedMost: "引用最多的来源", anDocument: "文档", anCited: "引用次数", anNeverCited: "从未被引用",
  anUnanswered: "未找到答案或 👎 最多的问题", anCount: "次数", anNotFound: "未找到",
  anEval: "黄金测试集运行与质量门", anRun: "运行", anLabel: "标签", anAgainst: "与基线相比",
  anGates: "质量门对候选变更（重建索引、设置变更）的决定", anWhen: "时间", anWhat: "数据源或变更",
  anCandidate: "候选", anDecision: "决定",
  anAnswered: "已回答", anDegraded: "降级", anFailed: "失败", anCancelled: "已取消",
  anFirstToken: "首字用时，中位数 / p95", anFullAnswer: "完整回答用时，中位数 / p95",
  anGrounding: "有据率", anPerDoor: "各入口",
  anTextsNote: "问题原文仅对分析员显示；您只能看到数量。", anHidden: "（已隐藏）",
  anNotWorse: "未变差", anWorse: "变差：{list}", anPublished: "已发布", anPassed: "已通过",
  anRefused: "已拒绝（{list}）", anSettings: "设置：{list}",
  anLoadFailed: "无法加载分析数据（{msg}）。请先在管理页面登录。",
});
const t = (key, vars) => I18N.t(key, vars);

function node(tag, text, ...children) {
  const n = document.createElement(tag);
  if (text !== undefined && text !== null) n.textContent = String(text);  // text only: never HTML
  n.append(...children);
  return n;
}

function row(...cells) { return node("tr", null, ...cells.map((c) => (c instanceof Node ? c : node("td", c)))); }

function status(text, isError) {
  const s = byId("analytics-status");
  s.textContent = text;
  s.className = isError ? "notice error" : text ? "notice info" : "";
}

async function get(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const r = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new Error(`${r.status}: ${body.detail || r.statusText}`);
  }
  return r.json();
}

function query() {
  const q = new URLSearchParams();
  for (const id of ["since", "until", "collection"]) if (byId(id).value) q.set(id, byId(id).value);
  const s = q.toString();
  return s ? `?${s}` : "";
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);
const ms = (p) => (p.n ? `${(p.p50_ms / 1000).toFixed(2)} s / ${(p.p95_ms / 1000).toFixed(2)} s (${p.n})` : "–");

function show(a) {
  const o = a.outcomes;
  byId("totals").replaceChildren(
    row(t("anQuestions"), a.questions),
    row(t("anAnswered"), o.answered || 0), row(t("anNotFound"), o.not_found || 0),
    row(t("anDegraded"), o.degraded || 0), row(t("anFailed"), o.failed || 0), row(t("anCancelled"), o.cancelled || 0),
    row(t("anFirstToken"), ms(a.first_token)), row(t("anFullAnswer"), ms(a.full_answer)),
    row(t("anGrounding"), pct(a.grounding_rate)),
    row("👍 / 👎", `${a.thumbs_up} / ${a.thumbs_down} (${pct(a.thumbs_up_ratio)} 👍)`),
    row(t("anPerDoor"), Object.entries(a.per_door).map(([d, n]) => `${d}: ${n}`).join(", ") || "–"));
  byId("days").replaceChildren(...a.per_day.map((d) => row(d.day, d.door, d.questions)));
  byId("cited").replaceChildren(...a.cited_most.map((s) => row(s.uri || s.doc_id, s.cited)));
  byId("never").replaceChildren(...a.never_cited.map((s) => node("li", s.uri || s.doc_id)));
  byId("texts-note").textContent = a.texts_shown ? "" : t("anTextsNote");
  byId("unanswered").replaceChildren(...a.top_unanswered.map((g) => row(g.count, g.not_found, g.thumbs_down,
    g.questions ? node("td", null, node("ul", null, ...g.questions.map((q) => node("li", q)))) : t("anHidden"))));
}

function showRuns(views) {
  const f = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));
  byId("runs").replaceChildren(...views.map(({ run, comparison }) => row(
    `${run.id}${run.accepted ? " ✓" : ""}`, run.label, f(run.scores.hit_at_k), f(run.scores.cited_right),
    f(run.scores.facts), f(run.scores.grounding),
    comparison.baseline ? (comparison.worse.length ? t("anWorse", { list: comparison.worse.join(", ") })
      : t("anNotWorse")) : "–")));
}

function showGates(decisions) {
  const deltas = (c) => Object.entries(c.deltas).filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v >= 0 ? "+" : ""}${v.toFixed(2)}`).join(", ");
  const what = (d) => (d.kind === "settings" ? t("anSettings", { list: Object.keys(d.changes || {}).join(", ") })
    : `${d.collection}/${d.source || ""}`);
  const decided = (d) => (d.published ? t(d.kind === "settings" ? "anPassed" : "anPublished")
    : t("anRefused", { list: d.comparison.worse.join(", ") }));
  byId("gates").replaceChildren(...decisions.map((d) => row(new Date(d.at * 1000).toLocaleString(I18N.lang === "zh"
    ? "zh-CN" : undefined), what(d), d.candidate, decided(d), deltas(d.comparison))));
}

let latest = 0;  // a slower earlier load (other filters) must not overwrite a later one
let shown = null;  // the last data shown: drawn again in the other language

async function load() {
  const mine = ++latest;
  status(t("loading"));
  try {
    const [a, runs, gates] = await Promise.all([get(`/v1/admin/analytics${query()}`), get("/v1/admin/eval/runs"),
      get("/v1/admin/eval/gates")]);
    if (mine !== latest) return;
    shown = { a, runs, gates };
    draw();
    status("");
  } catch (e) {
    if (mine !== latest) return;
    status(t("anLoadFailed", { msg: e.message }), true);
  }
}

function draw() {
  if (!shown) return;
  show(shown.a);
  showRuns(shown.runs);
  showGates(shown.gates);
}

byId("filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
document.addEventListener("langchange", draw);
I18N.init().then(load);
