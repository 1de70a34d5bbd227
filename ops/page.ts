/**
 * `GET /`: the live page of a node. A shell with no figures in it: its script asks
 * for the ops token when the endpoint needs one (kept in the tab's sessionStorage,
 * sent as a bearer header, never in a URL or a cookie), then reads the tree from
 * the `events` stream and redraws as updates come. Every URL is relative to the
 * page, so it works wherever the ops app is mounted. No build step, no external
 * assets.
 */
import { PAGE_SCRIPT } from "./page_script.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1em;align-items:baseline;padding:.6em 1.2em;background:#1d2330;color:#fff}
header h1{font-size:15px;margin:0}header a{color:#9cc3ff}#conn.down{color:#ff9c9c}
main{padding:1em 1.2em}.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(22em,1fr));gap:1em}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.6em .8em;margin-bottom:1em;overflow-x:auto}
#pipeline p{margin:.3em 0 .7em;overflow-wrap:anywhere}
h2{font-size:13px;margin:.2em 0 .5em;text-transform:uppercase;letter-spacing:.04em;color:#566}
table{border-collapse:collapse;width:100%}td,th{padding:.2em .45em;border-bottom:1px solid #eef0f3;text-align:right;white-space:nowrap}
th{font-weight:600;color:#566}td:first-child,th:first-child{text-align:left}td.err{text-align:left;white-space:normal;color:#a12;max-width:22em}
tr.failed td,tr.restarting td{background:#fde8e8}tr.stopped td{color:#999}tr.suspended td{background:#fff6dd}
tr.hot td{background:#ffc9c9}
.tog{cursor:pointer;display:inline-block;width:1em;color:#567}.sup{color:#567;font-size:11px}
button{font-size:11px;padding:0 .4em;margin-left:.2em}svg.spark{vertical-align:middle}
#log div{border-bottom:1px solid #eef0f3;padding:.2em 0}#log .t{color:#889}
#login{max-width:28em;margin:4em auto}#login input{width:100%;padding:.4em}
#trace td:nth-child(2),#trace th:nth-child(2),#trace td:last-child,#trace th:last-child{text-align:left}
#trace td:last-child{font:11px ui-monospace,monospace;white-space:normal}
`;

/** Renders the page's shell. */
export function renderPage(options: { nodeId: string; tokenRequired: boolean; fleet?: boolean }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>troupe ${esc(options.nodeId)}</title><style>${STYLE}</style></head>
<body data-token-required="${options.tokenRequired}">
<header><h1>troupe node <span id="node">${esc(options.nodeId)}</span></h1><span id="ready">…</span>
<span id="conn">connecting</span><span style="flex:1"></span>
${
    options.fleet
      ? '<a href="fleet/" data-nav>fleet</a>'
      : ""
  }<a href="actors" data-rel>actors</a><a href="metrics" data-rel>metrics</a><a href="config" data-rel>config</a></header>
<form id="login" hidden><section><h2>Ops token</h2><p>This endpoint needs its bearer token (OPS_TOKEN).
It is kept in this tab only.</p><input id="token" type="password" autocomplete="off"><p><button>Open</button></p>
<p id="login-error" class="err"></p></section></form>
<main id="app" hidden><section><h2>Actor tree</h2><table id="tree"><thead><tr>
<th>actor</th><th>status</th><th>in/s</th><th>out/s</th><th>mailbox</th><th>depth (1 min)</th><th>high</th>
<th>proc p50/p95/p99</th><th>wait p50/p99</th><th>busy</th><th>fail</th><th>restarts</th><th>budget</th><th>last error</th><th></th>
</tr></thead><tbody></tbody></table></section>
<section id="trace-panel" hidden><h2>Trace <span id="trace-path"></span></h2><table id="trace"><thead><tr>
<th>time</th><th>type</th><th>bytes</th><th>ms</th><th>outcome</th><th>trace ids</th></tr></thead><tbody></tbody></table></section>
<div class="panels"><section><h2>Pipeline</h2><div id="pipeline"></div></section>
<section><h2>Top 5 by <select id="top-by"><option value="busy">busy time</option><option value="depth">mailbox depth</option>
<option value="failures">failures</option><option value="rate">messages out</option></select> (10 s)</h2>
<table id="top"><tbody></tbody></table></section>
<section><h2>Failures</h2><div id="log"></div></section></div></main>
<script>${PAGE_SCRIPT}</script></body></html>`;
}
