/**
 * `GET /`: a plain HTML view of the live actor tree, refreshed every two seconds.
 * Server-rendered, no scripts.
 */
import type { ActorSnapshot } from "../system/mod.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders the tree as an HTML page. */
export function renderWebView(nodeId: string, ready: boolean, tree: ActorSnapshot): string {
  const rows: string[] = [];
  const visit = (n: ActorSnapshot, depth: number) => {
    const mb = n.mailbox ? `${n.mailbox.depth}/${n.mailbox.capacity}` : "";
    const err = n.lastError ? `${esc(n.lastError.message)} <small>${esc(n.lastError.at)}</small>` : "";
    rows.push(
      `<tr class="${esc(n.status)}"><td style="padding-left:${depth * 1.2 + 0.3}em">${esc(n.name)}${
        n.kind === "supervisor" ? ` <small>(${esc(n.supervision?.strategy ?? "")})</small>` : ""
      }</td>` +
        `<td>${esc(n.status)}</td><td>${mb}</td><td>${n.processed}</td><td>${n.failures}</td><td>${n.restarts}</td>` +
        `<td>${Math.round(n.uptimeMs / 1000)} s</td><td>${err}</td></tr>`,
    );
    n.children.forEach((c) => visit(c, depth + 1));
  };
  visit(tree, 0);
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>troupe ${esc(nodeId)}</title><style>
body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}
.failed td,.restarting td{background:#fde8e8}.stopped td{color:#888}
</style></head><body><h1>troupe node ${esc(nodeId)} — ${ready ? "ready" : "not ready"}</h1>
<p><a href="actors">/actors</a> · <a href="metrics">/metrics</a> · <a href="readyz">/readyz</a> · <a href="config">/config</a></p>
<table><tr><th>actor</th><th>status</th><th>mailbox</th><th>processed</th><th>failures</th><th>restarts</th><th>uptime</th><th>last error</th></tr>
${rows.join("\n")}</table></body></html>`;
}
