/**
 * The fleet page's script: a typed function, checked like the rest of the code and
 * served as its own text (fleet_page.ts inlines `(fleetPageMain)()`), so it must not
 * use anything from outside its body at run time (type imports only). Every two
 * seconds it reads `../fleet` (relative to the page at `<mount>/fleet/`) with the
 * ops token when one is needed, and redraws the alerts, the nodes (skew marked), the
 * flow with rates and each group's status and lag, the groups and their partitions,
 * the throughput chart and, on request, any node's actor tree.
 */
import type { FleetGroup, FleetNode, FleetTrace, FleetView } from "../protocols/fleet_view.ts";
import type { ActorsResponse, LatencySummary, ObservedSnapshot } from "../protocols/ops_responses.ts";
import type { LogRecord } from "../protocols/log_record.ts";
import type { FleetPageKit } from "./fleet_page_kit.ts";

/** Runs in the browser. */
export function fleetPageMain(kit: FleetPageKit): void {
  const { esc, num, flowSvg, chartSvg } = kit;
  const $ = (s: string): HTMLElement => document.querySelector(s) as HTMLElement;
  const dur = (s: number | null | undefined) =>
    s == null ? "–" : s < 1e-3 ? (s * 1e6).toFixed(0) + "µs" : s < 1 ? (s * 1e3).toFixed(1) + "ms" : s.toFixed(2) + "s";
  const ago = (s: number) =>
    s < 60 ? Math.round(s) + "s" : s < 3600 ? Math.round(s / 60) + "m" : (s / 3600).toFixed(1) + "h";
  const page = new URL(location.pathname.endsWith("/") ? location.pathname : location.pathname + "/", location.href);
  const dataUrl = new URL("../fleet", page).href;
  const needsToken = document.body.dataset["tokenRequired"] === "true";
  let token = sessionStorage.getItem("troupe-ops-token") || "";
  let treeOf: string | null = null;
  const openGroups = new Set<string>();

  const auth = (): Record<string, string> => (token ? { authorization: "Bearer " + token } : {});

  async function load(url: string): Promise<unknown> {
    const r = await fetch(url, { headers: auth() });
    if (r.status === 401) {
      showLogin("the token was refused");
      throw new Error("401");
    }
    const body = await r.json();
    if (!r.ok) throw new Error((body as { error?: string }).error || r.statusText);
    return body;
  }

  function showLogin(error: string): void {
    $("#login").hidden = false;
    $("#app").hidden = true;
    $("#login-error").textContent = error;
  }

  function alertsHtml(v: FleetView): string {
    if (v.alerts.length === 0) return '<p class="ok">No alerts.</p>';
    return v.alerts.map((a) =>
      '<div class="alert ' + a.severity + '" data-kind="' + a.kind + '"><b>' +
      esc(a.severity) + "</b> " + esc(a.message) + "</div>"
    ).join("");
  }

  function rates(n: FleetNode): string {
    return Object.entries(n.figures).filter(([k]) => k.endsWith("PerS")).map(([k, r]) =>
      esc(k.slice(0, -4)) + " " + num(r) + "/s"
    ).join("<br>");
  }

  function nodesHtml(v: FleetView): string {
    const rows = v.nodes.map((n) => {
      const skew = (k: string) => (n.skew.includes(k) ? ' class="skew" title="differs from the other nodes"' : "");
      const ready = n.ready ? "yes" : "no" + (n.waitingFor.length ? ": " + esc(n.waitingFor.join("; ")) : "");
      // The settings that differ show at once; the rest on request.
      const entries = Object.entries(n.fingerprint);
      const item = ([k, x]: [string, string | number]) => "<span" + skew(k) + ">" + esc(k) + "=" + esc(x) + "</span>";
      const fp = entries.filter(([k]) => n.skew.includes(k)).map(item).join(" ") +
        "<details><summary>" + entries.length + " settings</summary>" + entries.map(item).join("<br>") + "</details>";
      return '<tr data-node="' + esc(n.nodeId) + '" class="' + n.state + (n.skew.length ? " skewed" : "") + '">' +
        '<td><span class="dot"></span>' + esc(n.nodeId) + "</td>" +
        '<td data-field="state">' + esc(n.state) + (n.state === "live" ? "" : " " + ago(n.lastSeenS) + " ago") +
        "</td>" +
        "<td>" + esc(n.roles.join(", ")) + "</td><td>" + esc(n.host) + "</td>" +
        '<td class="wrap">' + ready + "</td>" +
        "<td" + skew("version") + ">" + esc(n.version) + " <small>" + esc(n.commit) + "</small></td>" +
        "<td>" + (n.uptimeS == null ? "–" : ago(n.uptimeS)) + "</td>" +
        '<td data-field="rates">' + rates(n) + "</td>" +
        "<td>" + num(n.figures["poolQueue"]) + "</td><td>" + num(n.figures["restarts5m"]) + "</td>" +
        '<td class="err">' + esc(n.lastError || "") + "</td>" +
        '<td class="fp">' + fp + "</td>" +
        "<td>" + (n.opsUrl ? '<a href="' + esc(n.opsUrl) + '" target="_blank">page</a> ' : "") +
        '<button data-tree="' + esc(n.nodeId) + '">tree</button></td></tr>';
    });
    return rows.join("");
  }

  function groupsHtml(v: FleetView): string {
    return v.groups.map((g: FleetGroup) => {
      const parts = g.partitions.map((p) =>
        "<tr><td>" + esc(p.topic) + "[" + p.partition + "]</td><td>" + (p.committed ?? "–") + "</td><td>" + p.high +
        "</td><td>" + p.lag + '</td><td class="st-' + p.status + '">' + p.status + "</td></tr>"
      ).join("");
      return '<details data-group="' + esc(g.groupId) + '"' + (openGroups.has(g.groupId) ? " open" : "") +
        '><summary><b class="st-' + g.status + '">' + g.status + "</b> " + esc(g.groupId) + " (" + esc(g.role) +
        ") · lag " + num(g.lag) + " · members " + esc(g.members.join(", ") || "none") + " · " + esc(g.reason) +
        "</summary><table><tr><th>partition</th><th>committed</th><th>log end</th><th>lag</th><th>status</th></tr>" +
        parts + "</table></details>";
    }).join("") || "<p>No consumer group seen yet.</p>";
  }

  function lat(l: LatencySummary | null): string {
    return l ? [l.p50, l.p99].map(dur).join(" / ") : "–";
  }

  function treeHtml(a: ActorsResponse, sentAt: string): string {
    const rows: string[] = [];
    const walk = (n: ObservedSnapshot, depth: number) => {
      const f = n.figures, mb = n.mailbox;
      rows.push(
        '<tr data-path="' + esc(n.path) + '" class="' + n.status + '"><td style="padding-left:' + (depth * 1.1 + 0.3) +
          'em">' + esc(n.name) + "</td><td>" + esc(n.status) + "</td><td>" + (mb ? num(f.inPerSec) : "") + "</td><td>" +
          (mb ? num(f.outPerSec) : "") + "</td><td>" + (mb ? mb.depth + "/" + mb.capacity : "") + "</td><td>" +
          (mb ? lat(f.processing) : "") + "</td><td>" + n.failures + "</td><td>" + n.restarts +
          '</td><td class="err">' +
          esc(n.lastError ? n.lastError.message : "") + "</td></tr>",
      );
      for (const c of n.children) walk(c, depth + 1);
    };
    walk(a.tree, 0);
    return "<p>Sent by " + esc(a.node) + " at " + esc(sentAt) + " (figures over " + a.windowSec +
      " s; controls on the node's own page)</p><table><tr><th>actor</th><th>status</th><th>in/s</th><th>out/s</th>" +
      "<th>mailbox</th><th>proc p50/p99</th><th>fail</th><th>restarts</th><th>last error</th></tr>" + rows.join("") +
      "</table>";
  }

  async function showTree(nodeId: string): Promise<void> {
    treeOf = nodeId;
    $("#tree-panel").hidden = false;
    $("#tree-node").textContent = nodeId;
    try {
      const t = (await load(new URL("nodes/" + encodeURIComponent(nodeId) + "/tree", page).href)) as {
        sentAt: string;
        actors: ActorsResponse;
      };
      if (treeOf === nodeId) $("#tree").innerHTML = treeHtml(t.actors, t.sentAt);
    } catch (err) {
      if (treeOf === nodeId) $("#tree").innerHTML = '<p class="err">' + esc((err as Error).message) + "</p>";
    }
  }

  function logsQuery(): string {
    const q = new URLSearchParams({ limit: "200" });
    for (const k of ["node", "role", "level", "actor", "trace"]) {
      const v = ($("#log-" + k) as HTMLInputElement).value.trim();
      if (v) q.set(k, v);
    }
    return q.toString();
  }

  function logsHtml(lines: LogRecord[]): string {
    if (lines.length === 0) return "<p>No line matches.</p>";
    return lines.slice().reverse().map((r) => {
      const { ts, level, msg, node: _n, actor, traceId, ...rest } = r.line;
      const text = (x: unknown) => {
        const s = typeof x === "string" ? x : JSON.stringify(x);
        return s.length > 200 ? s.slice(0, 200) + "…" : s;
      };
      const fields = Object.entries(rest).map(([k, x]) => esc(k) + "=" + esc(text(x))).join(" ");
      return '<div class="line ' + level + '" data-node="' + esc(r.node) + '"><span class="t">' +
        esc(ts.slice(11, 23)) +
        "</span> <b>" + esc(level) + "</b> " + esc(r.node) + " <small>" + esc(r.roles.join(",")) + "</small> " +
        esc(actor || "") + ' <span class="m">' + esc(msg) + "</span> " +
        (traceId ? '<a href="#" data-trace="' + esc(traceId) + '">trace ' + esc(traceId.slice(0, 8)) + "</a> " : "") +
        "<small>" + fields + "</small></div>";
    }).join("");
  }

  function traceHtml(tr: FleetTrace): string {
    const ms = (n: number | null) => (n == null ? "" : n < 1000 ? n + " ms" : (n / 1000).toFixed(2) + " s");
    const rows = tr.hops.map((h) =>
      '<tr data-hop="' + h.hop + '" class="' + (h.reported ? "seen" : "missing") + '"><td>' + esc(h.hop) + "</td>" +
      (h.reported
        ? "<td>" + esc(h.node) + " <small>" + esc(h.roles.join(",")) + "</small></td><td>" +
          esc((h.at || "").slice(11, 23)) +
          "</td><td>" + ms(h.sinceCaptureMs) + "</td><td>" + ms(h.sincePreviousMs) + "</td><td>" +
          (h.repeats ? h.repeats + " more" : "") + "</td>"
        : '<td colspan="5" class="err">not reported by any node</td>') +
      "</tr>"
    ).join("");
    const note = tr.sampled ? "" : " <b>not in the sample of images the nodes report (TRACE_SAMPLE)</b>";
    return "<p>Trace " + esc(tr.traceId) + note + "</p><table><tr><th>hop</th><th>node</th><th>at (UTC)</th>" +
      "<th>since capture</th><th>since the hop before</th><th></th></tr>" + rows + "</table>";
  }

  async function showTrace(traceId: string): Promise<void> {
    const id = traceId.trim().toLowerCase();
    ($("#trace-id") as HTMLInputElement).value = id;
    if (!/^[0-9a-f]{32}$/.test(id)) {
      $("#trace-view").innerHTML = id ? '<p class="err">A trace id is 32 hex digits.</p>' : "";
      return;
    }
    try {
      $("#trace-view").innerHTML = traceHtml((await load(new URL("traces/" + id, page).href)) as FleetTrace);
    } catch (err) {
      $("#trace-view").innerHTML = '<p class="err">' + esc((err as Error).message) + "</p>";
    }
  }

  async function refreshTraces(): Promise<void> {
    try {
      const body = (await load(new URL("traces?n=8", page).href)) as { traces: string[] };
      $("#trace-recent").innerHTML = body.traces.length
        ? "latest: " +
          body.traces.map((id) => '<a href="#" data-trace="' + id + '">' + id.slice(0, 8) + "</a>").join(" ")
        : "no hop reported yet";
    } catch { /* the next refresh says what is wrong */ }
    const id = ($("#trace-id") as HTMLInputElement).value;
    if (id) void showTrace(id);
  }

  async function refreshLogs(): Promise<void> {
    try {
      const body = (await load(new URL("../fleet/logs?" + logsQuery(), page).href)) as { lines: LogRecord[] };
      $("#logs").innerHTML = logsHtml(body.lines);
    } catch (err) {
      $("#logs").innerHTML = '<p class="err">' + esc((err as Error).message) + "</p>";
    }
  }

  async function refresh(): Promise<void> {
    try {
      const v = (await load(dataUrl)) as FleetView;
      $("#login").hidden = true;
      $("#app").hidden = false;
      $("#conn").textContent = "as of " + v.at.slice(11, 19) + " UTC";
      $("#conn").className = "";
      $("#topic").textContent = v.topic;
      $("#alerts").innerHTML = alertsHtml(v);
      $("#nodes tbody").innerHTML = nodesHtml(v);
      $("#flow").innerHTML = flowSvg(v);
      $("#groups").innerHTML = groupsHtml(v);
      $("#chart").innerHTML = chartSvg(v);
      const lat = (l: FleetView["latency"]["captureToImageRow"]) =>
        l
          ? "p50 <b>" + num(l.p50Ms) + " ms</b> · p95 " + num(l.p95Ms) + " ms · p99 " + num(l.p99Ms) + " ms <small>(" +
            l.count + " rows)</small>"
          : "no row written";
      $("#latency").innerHTML = "capture → image row: " + lat(v.latency.captureToImageRow) +
        "<br>capture → inference row: " + lat(v.latency.captureToInferenceRow);
      $("#since").textContent = v.watchingSince.slice(11, 19) + " UTC";
      if (treeOf) void showTree(treeOf);
      void refreshLogs();
      void refreshTraces();
    } catch (err) {
      $("#conn").textContent = "no data: " + (err as Error).message;
      $("#conn").className = "down";
    }
  }

  document.addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest("button[data-tree]");
    if (b) void showTree(b.getAttribute("data-tree") || "");
    const a = (ev.target as HTMLElement).closest("a[data-trace]");
    if (a) {
      ev.preventDefault();
      void showTrace(a.getAttribute("data-trace") || "");
    }
  });
  for (const k of ["node", "role", "level", "actor", "trace"]) {
    $("#log-" + k).addEventListener("change", () => void refreshLogs());
  }
  $("#trace-id").addEventListener("change", () => void showTrace(($("#trace-id") as HTMLInputElement).value));
  document.addEventListener("toggle", (ev) => {
    const d = ev.target as HTMLDetailsElement;
    const id = d.dataset && d.dataset["group"];
    if (id) d.open ? openGroups.add(id) : openGroups.delete(id);
  }, true);
  $("#login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    token = ($("#token") as HTMLInputElement).value;
    sessionStorage.setItem("troupe-ops-token", token);
    void refresh();
  });
  ($("#node-page") as HTMLAnchorElement).href = new URL("../", page).href;
  if (needsToken && !token) showLogin("");
  else void refresh();
  setInterval(() => {
    if (!needsToken || token) void refresh();
  }, 2000);
}
