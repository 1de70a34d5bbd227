/**
 * The live page's script (plain ES2020, inlined by page.ts): reads `events` as a
 * server-sent event stream through `fetch` (so the bearer header can be sent),
 * redraws the tree, the pipeline panel and the top list on each event, highlights the
 * rows of actors that failed since the last one and logs those failures, and,
 * when controls are on, posts the operator's actions and shows a trace.
 */
export const PAGE_SCRIPT = String.raw`
"use strict";
const $ = (s) => document.querySelector(s);
const base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
// Pages beside this one (the fleet page): plain navigation, under the mount point.
for (const a of document.querySelectorAll("a[data-nav]")) a.href = base + a.getAttribute("href");
for (const a of document.querySelectorAll("a[data-rel]")) {
  a.href = base + a.getAttribute("href");
  // A navigation cannot send the bearer header: with a token, the page loads the data itself and opens it in a tab.
  a.addEventListener("click", async (ev) => {
    if (!token) return;
    ev.preventDefault();
    const tab = window.open("", "_blank"); // opened within the click, so no popup blocker stops it
    const res = await fetch(a.href, { headers: auth() });
    const type = res.headers.get("content-type") || "text/plain";
    const url = URL.createObjectURL(new Blob([await res.text()], { type }));
    if (tab) tab.location.href = url;
    else location.href = url;
  });
}
const needsToken = document.body.dataset.tokenRequired === "true";
let token = sessionStorage.getItem("troupe-ops-token") || "";
const collapsed = new Set(JSON.parse(sessionStorage.getItem("troupe-collapsed") || "[]"));
const seen = new Map();
// Rows of actors that failed or restarted stay highlighted for a few seconds (every event redraws the rows).
const hotUntil = new Map();
let latest = null, tracing = null, traceTimer = null;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const auth = () => (token ? { authorization: "Bearer " + token } : {});
const num = (n) => n == null ? "–" : n >= 1e6 ? (n / 1e6).toFixed(1) + "M" : n >= 1e3 ? (n / 1e3).toFixed(1) + "k" : n >= 10 ? n.toFixed(0) : n.toFixed(1);
const dur = (s) => s == null ? "–" : s < 1e-3 ? (s * 1e6).toFixed(0) + "µs" : s < 1 ? (s * 1e3).toFixed(1) + "ms" : s.toFixed(2) + "s";
const lat = (l, all) => l ? (all ? [l.p50, l.p95, l.p99] : [l.p50, l.p99]).map(dur).join(" / ") : "–";

function spark(h, cap) {
  if (!h || !h.length) return "";
  const max = Math.max(cap || 1, 1), w = 60, step = w / Math.max(1, h.length - 1);
  const pts = h.map((d, i) => (i * step).toFixed(1) + "," + (13 - (12 * d) / max).toFixed(1)).join(" ");
  return '<svg class="spark" width="60" height="14"><polyline fill="none" stroke="#3a7bd5" points="' + pts + '"/></svg>';
}

function flatten(n, depth, out) {
  out.push([n, depth]);
  if (!collapsed.has(n.path)) for (const c of n.children) flatten(c, depth + 1, out);
  return out;
}

function buttons(n, root) {
  if (!latest.control) return "";
  const b = (act, label) => '<button data-act="' + act + '" data-path="' + esc(n.path) + '">' + label + "</button>";
  if (n.status === "stopped" || n.status === "failed") return "";
  let s = n.status === "suspended" ? b("resume", "resume") : b("suspend", "suspend");
  if (!root) s = b("restart", "restart") + b("stop", "stop") + s;
  if (n.kind === "actor") s += b("trace", n.traced ? "tracing" : "trace");
  return s;
}

function row(n, depth, root) {
  const f = n.figures, mb = n.mailbox, sup = n.supervision;
  const tog = n.children.length ? '<span class="tog" data-tog="' + esc(n.path) + '">' + (collapsed.has(n.path) ? "▸" : "▾") + "</span>" : '<span class="tog"></span>';
  const name = tog + esc(n.name) + (sup ? ' <span class="sup">' + esc(sup.strategy) + "</span>" : "");
  const budget = sup ? sup.budgetLeft + "/" + sup.intensity + " · next " + sup.nextBackoffMs + "ms" : "";
  const err = n.lastError ? esc(n.lastError.message) + (n.lastError.code ? " <small>" + esc(n.lastError.code) + "</small>" : "") : "";
  const cells = [
    '<td style="padding-left:' + (depth * 1.1 + 0.3) + 'em">' + name + "</td>",
    '<td data-field="status">' + esc(n.status) + "</td>",
    "<td>" + (mb ? num(f.inPerSec) : "") + "</td>",
    '<td data-field="out">' + (mb ? num(f.outPerSec) : "") + "</td>",
    '<td data-field="mailbox">' + (mb ? mb.depth + "/" + mb.capacity : "") + "</td>",
    "<td>" + (mb ? spark(f.depthHistory, mb.capacity) : "") + "</td>",
    "<td>" + (mb ? mb.highWater : "") + "</td>",
    '<td data-field="processing">' + (mb ? lat(f.processing, true) : "") + "</td>",
    "<td>" + (mb ? lat(f.mailboxWait, false) : "") + "</td>",
    "<td>" + (f.busy == null ? "" : (f.busy * 100).toFixed(0) + "%") + "</td>",
    '<td data-field="failures">' + n.failures + "</td>",
    '<td data-field="restarts">' + n.restarts + "</td>",
    '<td data-field="budget">' + budget + "</td>",
    '<td class="err">' + err + "</td>",
    "<td>" + buttons(n, root) + "</td>",
  ];
  return { path: n.path, cls: n.status, cells };
}

// What each row's cells were last drawn with: a redraw touches only the cells that changed, so
// a button being clicked or an error being selected is not replaced every second.
const drawn = new Map();

function drawTree(specs, hot) {
  const tbody = $("#tree tbody");
  const same = tbody.rows.length === specs.length && specs.every((s, i) => tbody.rows[i].dataset.path === s.path);
  if (!same) {
    tbody.innerHTML = specs.map((s) => '<tr data-path="' + esc(s.path) + '">' + s.cells.join("") + "</tr>").join("");
    drawn.clear();
  }
  specs.forEach((s, i) => {
    const tr = tbody.rows[i], before = drawn.get(s.path);
    tr.className = s.cls + (hot.has(s.path) ? " hot" : "");
    if (before) s.cells.forEach((c, j) => { if (before[j] !== c) tr.cells[j].outerHTML = c; });
    drawn.set(s.path, s.cells);
  });
}

function noteFailures(nodes) {
  const flashed = new Set();
  for (const n of nodes) {
    const prev = seen.get(n.path);
    seen.set(n.path, { failures: n.failures, restarts: n.restarts, status: n.status });
    if (!prev || (n.failures <= prev.failures && n.restarts <= prev.restarts && n.status === prev.status)) continue;
    if (n.failures > prev.failures || n.status === "failed") {
      flashed.add(n.path);
      const h = (n.history || []).at(-1);
      const what = h ? h.action + (h.backoffMs != null ? " after " + h.backoffMs + " ms" : "") : n.status;
      const msg = n.lastError ? n.lastError.message : "";
      $("#log").insertAdjacentHTML("afterbegin", '<div data-log-path="' + esc(n.path) + '"><span class="t">' + new Date().toLocaleTimeString() + "</span> " + esc(n.path) + ": " + esc(msg) + " → " + esc(what) + "</div>");
    } else if (n.restarts > prev.restarts) flashed.add(n.path);
  }
  return flashed;
}

function pipeline(p) {
  const parts = [];
  for (const c of p.consumers) {
    // The group's committed lag per partition (as kafka-consumer-groups reports it); the fetch-time lag without it.
    const lag = (c.offsets && c.offsets.length
      ? c.offsets.map((o) => esc(o.topic + ":" + o.partition) + " " + o.lag + " <small>(" + (o.committed ?? "–") + "/" + esc(o.high) + ")</small>")
      : Object.entries(c.lag).map(([k, v]) => esc(k) + " " + v)).join(", ") || "–";
    const dl = Object.entries(c.deadLettered).map(([k, v]) => esc(k) + " " + v).join(", ") || "none";
    parts.push("<p><b>" + esc(c.groupId) + "</b> <small>" + esc(c.actor) + "</small><br>lag: " + lag + "<br>paused: " + (c.paused.length ? esc(c.paused.join(", ")) + " since " + esc(c.pausedSince || "") : "none") + "<br>dead letters: " + dl + "</p>");
  }
  for (const w of p.writers) {
    const sizes = Object.entries(w.batchSizes).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => k + "×" + v).join(", ");
    parts.push("<p><b>writes</b> <small>" + esc(w.actor) + "</small><br>latency p50/p95/p99: " + lat(w.writeLatency, true) + "<br>rows per write: " + (sizes || "–") + "</p>");
  }
  for (const m of p.pools) {
    const sizes = Object.entries(m.batchSizes).map(([k, v]) => k + "×" + v).join(", ");
    parts.push("<p><b>model " + esc(m.model || "") + "</b> <small>" + esc(m.actor) + "</small><br>batches: " + (sizes || "–") + " (mean " + (m.meanBatch ?? "–") + ")<br>queue p50/p95/p99: " + lat(m.queueTime, true) + "<br>compute p50/p95/p99: " + lat(m.computeTime, true) + "</p>");
  }
  return parts.join("") || "<p>No pipeline actors on this node.</p>";
}

let updates = 0;

function render(body) {
  latest = body;
  document.body.dataset.updates = String(++updates);
  $("#ready").textContent = body.ready ? "ready" : "not ready (" + body.status + ")";
  const rows = flatten(body.tree, 0, []);
  const all = [];
  (function walk(n) { all.push(n); n.children.forEach(walk); })(body.tree);
  const flashed = noteFailures(all);
  const now = Date.now();
  for (const p of flashed) hotUntil.set(p, now + 5000);
  for (const [p, until] of hotUntil) if (until < now) hotUntil.delete(p);
  drawTree(rows.map(([n, d]) => row(n, d, n === body.tree)), hotUntil);
  $("#pipeline").innerHTML = pipeline(body.pipeline);
  // The same rankings as GET actors/top, from the figures at hand.
  const by = $("#top-by").value;
  const value = (n) => by === "busy" ? n.figures.busy : by === "depth" ? n.figures.depthMax : by === "rate" ? n.figures.outPerSec : n.figures.failuresInWindow;
  const show = (n) => by === "busy" ? (n.figures.busy * 100).toFixed(1) + "%" : by === "rate" ? num(n.figures.outPerSec) + "/s" : String(value(n));
  const ranked = all.filter((n) => (n.kind === "actor" || by === "failures") && value(n) != null).sort((a, b) => value(b) - value(a) || (a.path < b.path ? -1 : 1));
  $("#top tbody").innerHTML = ranked.slice(0, 5).map((n) => "<tr><td>" + esc(n.path) + "</td><td>" + show(n) + "</td></tr>").join("");
}

async function post(url) {
  const r = await fetch(base + url, { method: "POST", headers: auth() });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) alert(body.error || "HTTP " + r.status);
  return r.ok ? body : null;
}

async function showTrace() {
  if (!tracing) return;
  const r = await fetch(base + "trace?path=" + encodeURIComponent(tracing), { headers: auth() });
  if (!r.ok) return;
  const t = await r.json();
  if (!t.active) clearInterval(traceTimer);
  $("#trace-path").textContent = tracing + (t.active ? " (recording, " + t.seen + "/" + t.limit + ")" : " (ended, " + t.seen + " seen)");
  $("#trace tbody").innerHTML = t.entries.slice(-20).reverse().map((e) => "<tr><td>" + new Date(e.at).toLocaleTimeString() + "</td><td>" + esc(e.type) + "</td><td>" + e.bytes + "</td><td>" + e.ms + "</td><td>" + esc(e.outcome + (e.error ? " " + e.error : "")) + "</td><td>" + esc(e.traceIds.slice(0, 3).join(" ")) + (e.traceIds.length > 3 ? " …" : "") + "</td></tr>").join("");
}

document.addEventListener("click", async (ev) => {
  const t = ev.target.closest("[data-tog],[data-act]");
  if (!t) return;
  if (t.dataset.tog) {
    collapsed.has(t.dataset.tog) ? collapsed.delete(t.dataset.tog) : collapsed.add(t.dataset.tog);
    sessionStorage.setItem("troupe-collapsed", JSON.stringify([...collapsed]));
    if (latest) render(latest);
    return;
  }
  const path = t.dataset.path, act = t.dataset.act;
  if (act === "trace") {
    if (!(await post("trace/start?path=" + encodeURIComponent(path)))) return;
    tracing = path;
    $("#trace-panel").hidden = false;
    clearInterval(traceTimer);
    traceTimer = setInterval(showTrace, 1500);
    return showTrace();
  }
  if (act === "stop" && !confirm("Stop " + path + " for good? It drains and stays stopped until the node restarts.")) return;
  t.disabled = true;
  try {
    await post("control/" + act + "?path=" + encodeURIComponent(path));
  } finally {
    t.disabled = false;
  }
});

$("#top-by").addEventListener("change", () => latest && render(latest));

$("#login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token = $("#token").value.trim();
  sessionStorage.setItem("troupe-ops-token", token);
  connect();
});

function showLogin(error) {
  $("#app").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = error;
}

function setConn(up) {
  $("#conn").textContent = up ? "live" : "reconnecting";
  $("#conn").className = up ? "" : "down";
}

async function connect() {
  if (needsToken && !token) return showLogin("");
  try {
    const res = await fetch(base + "events?window=10", { headers: auth() });
    if (res.status === 401) {
      token = "";
      sessionStorage.removeItem("troupe-ops-token");
      return showLogin("That token was refused.");
    }
    if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
    $("#login").hidden = true;
    $("#app").hidden = false;
    setConn(true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const data = buf.slice(0, i).split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
        buf = buf.slice(i + 2);
        if (data) render(JSON.parse(data));
      }
    }
  } catch (e) {
    console.warn("ops stream", e);
  }
  setConn(false);
  setTimeout(connect, 2000);
}
connect();
`;
