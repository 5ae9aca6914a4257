// The analytics page: numbers from GET /v1/admin/analytics (texts only when the caller is an analyst) and the golden
// set's runs from /v1/admin/eval/runs. Signs in with the admin page's token (sessionStorage), or the proxy's cookie.
"use strict";
const byId = (id) => document.getElementById(id);
const TOKEN_KEY = "perimeter.adminToken";

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
    row("Questions", a.questions),
    row("Answered", o.answered || 0), row("Not found", o.not_found || 0), row("Degraded", o.degraded || 0),
    row("Failed", o.failed || 0), row("Cancelled", o.cancelled || 0),
    row("First token, median / p95", ms(a.first_token)), row("Full answer, median / p95", ms(a.full_answer)),
    row("Grounding rate", pct(a.grounding_rate)),
    row("👍 / 👎", `${a.thumbs_up} / ${a.thumbs_down} (${pct(a.thumbs_up_ratio)} 👍)`),
    row("Per door", Object.entries(a.per_door).map(([d, n]) => `${d}: ${n}`).join(", ") || "–"));
  byId("days").replaceChildren(...a.per_day.map((d) => row(d.day, d.door, d.questions)));
  byId("cited").replaceChildren(...a.cited_most.map((s) => row(s.uri || s.doc_id, s.cited)));
  byId("never").replaceChildren(...a.never_cited.map((s) => node("li", s.uri || s.doc_id)));
  byId("texts-note").textContent = a.texts_shown ? "" :
    "Question texts are shown to analysts only; you see how many.";
  byId("unanswered").replaceChildren(...a.top_unanswered.map((g) => row(g.count, g.not_found, g.thumbs_down,
    g.questions ? node("td", null, node("ul", null, ...g.questions.map((q) => node("li", q)))) : "(hidden)")));
}

function showRuns(views) {
  const f = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));
  byId("runs").replaceChildren(...views.map(({ run, comparison }) => row(
    `${run.id}${run.accepted ? " ✓" : ""}`, run.label, f(run.scores.hit_at_k), f(run.scores.cited_right),
    f(run.scores.facts), f(run.scores.grounding),
    comparison.baseline ? (comparison.worse.length ? `worse: ${comparison.worse.join(", ")}` : "not worse") : "–")));
}

function showGates(decisions) {
  const deltas = (c) => Object.entries(c.deltas).filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v >= 0 ? "+" : ""}${v.toFixed(2)}`).join(", ");
  byId("gates").replaceChildren(...decisions.map((d) => row(new Date(d.at * 1000).toLocaleString(),
    `${d.collection}/${d.source || ""}`, d.candidate, d.published ? "published" : `refused (${d.comparison.worse.join(", ")})`,
    deltas(d.comparison))));
}

let latest = 0;  // a slower earlier load (other filters) must not overwrite a later one

async function load() {
  const mine = ++latest;
  status("Loading…");
  try {
    const [a, runs, gates] = await Promise.all([get(`/v1/admin/analytics${query()}`), get("/v1/admin/eval/runs"),
      get("/v1/admin/eval/gates")]);
    if (mine !== latest) return;
    show(a);
    showRuns(runs);
    showGates(gates);
    status("");
  } catch (e) {
    if (mine !== latest) return;
    status(`Could not load analytics (${e.message}). Sign in on the admin page first.`, true);
  }
}

byId("filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
load();
