/**
 * `GET /fleet/`: the fleet page, beside the node page (`GET /`). A shell with no
 * figures in it, like the node page: its script (fleet_page_script.ts, served as its
 * own text) asks for the ops token when the endpoint needs one and reads `../fleet`
 * every two seconds. Every URL is relative to the page, so it works wherever the ops
 * app is mounted. No build step, no external assets.
 */
import { fleetPageMain } from "./fleet_page_script.ts";
import { fleetPageKit } from "./fleet_page_kit.ts";

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1em;align-items:baseline;padding:.6em 1.2em;background:#1d2330;color:#fff}
header h1{font-size:15px;margin:0}header a{color:#9cc3ff}#conn.down{color:#ff9c9c}
main{padding:1em 1.2em}section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.6em .8em;margin-bottom:1em;overflow-x:auto}
h2{font-size:13px;margin:.2em 0 .5em;text-transform:uppercase;letter-spacing:.04em;color:#566}
table{border-collapse:collapse;width:100%}td,th{padding:.2em .45em;border-bottom:1px solid #eef0f3;text-align:left;white-space:nowrap;vertical-align:top}
th{font-weight:600;color:#566}td.err{white-space:normal;color:#a12;max-width:22em}td.wrap{white-space:normal;max-width:16em}
td.fp{white-space:normal;font:11px ui-monospace,monospace;color:#667;max-width:28em}td.fp span{margin-right:.5em}
.skew{background:#ffe08a;color:#5a4200;border-radius:3px;padding:0 .2em}tr.skewed td:first-child{box-shadow:inset 3px 0 #e0a800}
.dot{display:inline-block;width:.6em;height:.6em;border-radius:50%;margin-right:.4em;background:#2e8540}
tr.lost .dot{background:#c0392b}tr.left .dot{background:#aaa}tr.lost td{background:#fde8e8}tr.left td{color:#999}
.alert{padding:.3em .5em;border-radius:4px;margin:.2em 0}.alert.critical{background:#fde8e8;color:#8a1020}
.alert.warning{background:#fff6dd;color:#6a4b00}.ok{color:#2e8540;margin:.2em 0}
.st-OK{color:#2e8540}.st-WARN{color:#c98a00}.st-STALL,.st-STOP{color:#c0392b}
details{margin:.3em 0}summary{cursor:pointer}td.fp details{margin:0}svg.flow{width:100%;max-width:1000px}
svg.chart{width:100%;max-width:1000px}
svg text.t{font:600 12px system-ui,sans-serif;fill:#1d2330}svg text.s,svg text.r{font:11px system-ui,sans-serif;fill:#566}
svg text.r{fill:#1d2330;font-weight:600}.legend span{margin-right:1.2em}.legend i{display:inline-block;width:1.2em;height:3px;margin-right:.3em;vertical-align:middle}
button{font-size:11px;padding:0 .4em}tr.failed td,tr.restarting td{background:#fde8e8}
#logs{font:12px ui-monospace,monospace;max-height:24em;overflow-y:auto}#logs .line{border-bottom:1px solid #eef0f3;padding:.15em 0}
#logs .t{color:#889}#logs .error b{color:#c0392b}#logs .warn b{color:#c98a00}#logs small{color:#667}.filters{margin-bottom:.4em}
#trace-view tr.missing td{background:#fde8e8}#trace-recent a{margin-right:.5em;font:12px ui-monospace,monospace}
#login{max-width:28em;margin:4em auto}#login input{width:100%;padding:.4em}
`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders the fleet page's shell. */
export function renderFleetPage(options: { nodeId: string; tokenRequired: boolean }): string {
  // A build tool may wrap functions in a naming helper (esbuild's `__name`): the page defines it as a no-op.
  const script = `const __name = (f) => f;\n(${fleetPageMain.toString()})((${fleetPageKit.toString()})());`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>troupe fleet (from ${esc(options.nodeId)})</title><style>${STYLE}</style></head>
<body data-token-required="${options.tokenRequired}">
<header><h1>troupe fleet</h1><span>nodes topic <span id="topic">…</span>, read by ${esc(options.nodeId)}</span>
<span id="conn">connecting</span><span style="flex:1"></span><a id="node-page" href="../">node page</a></header>
<form id="login" hidden><section><h2>Ops token</h2><p>This endpoint needs its bearer token (OPS_TOKEN).
It is kept in this tab only.</p><input id="token" type="password" autocomplete="off"><p><button>Open</button></p>
<p id="login-error" class="err"></p></section></form>
<main id="app" hidden>
<section><h2>Alerts</h2><div id="alerts"></div></section>
<section><h2>Nodes</h2><table id="nodes"><thead><tr><th>node</th><th>state</th><th>roles</th><th>host</th><th>ready</th>
<th>version</th><th>uptime</th><th>rates</th><th>pool queue</th><th>restarts 5 min</th><th>last error</th>
<th>configuration</th><th></th></tr></thead><tbody></tbody></table></section>
<section><h2>Flow</h2><div id="flow"></div><h2>End-to-end latency, last minute</h2><p id="latency"></p></section>
<section><h2>Consumer groups</h2><div id="groups"></div></section>
<section><h2>Throughput, records/s (since <span id="since"></span>, at most 15 min)</h2><div id="chart"></div></section>
<section><h2>Logs of every node</h2><div class="filters">
<input id="log-node" placeholder="node"> <select id="log-role"><option value="">any role</option><option>simulator</option>
<option>db</option><option>inference</option><option>broker</option></select> <select id="log-level"><option value="">any level</option>
<option>info</option><option>warn</option><option>error</option></select> <input id="log-actor" placeholder="actor path">
<input id="log-trace" placeholder="trace id" size="34"></div><div id="logs"></div></section>
<section><h2>One image across the fleet</h2><p><input id="trace-id" placeholder="trace id (32 hex digits)" size="34">
<span id="trace-recent"></span></p><div id="trace-view"></div></section>
<section id="tree-panel" hidden><h2>Actor tree of <span id="tree-node"></span></h2><div id="tree"></div></section>
</main>
<script>${script}</script></body></html>`;
}
