/**
 * The fleet page's drawing kit: the flow and the throughput chart as SVG, and the
 * escaping and number formats the page shares with them. Like the page's script
 * (fleet_page_script.ts), a typed function served as its own text (`fleetPageKit()`
 * runs in the browser and hands the page what it returns), so it uses nothing from
 * outside its body at run time.
 */
import type { FleetView } from "../protocols/fleet_view.ts";

/** Runs in the browser: the page's drawing functions. */
export function fleetPageKit() {
  const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const num = (n: number | null | undefined) =>
    n == null
      ? "–"
      : n >= 1e6
      ? (n / 1e6).toFixed(1) + "M"
      : n >= 1e3
      ? (n / 1e3).toFixed(1) + "k"
      : Number.isInteger(n)
      ? String(n)
      : n.toFixed(1);

  const STATUS_COLOR: Record<string, string> = { OK: "#2e8540", WARN: "#c98a00", STALL: "#c0392b", STOP: "#c0392b" };

  /** A name cut to fit a box, whole in its tooltip. */
  const fit = (name: string, max: number) => (name.length <= max ? esc(name) : "…" + esc(name.slice(-(max - 1))));

  function flowSvg(v: FleetView): string {
    const group = (id: string) => v.groups.find((g) => g.groupId === id);
    const [cams, toDb, toInf, toInferences, infToDb] = v.flow;
    if (!cams || !toDb || !toInf || !toInferences || !infToDb) return "";
    const W = 170;
    const box = (x: number, y: number, title: string, sub: string, color: string, id: string) =>
      '<g data-box="' + esc(id) + '"><title>' + esc(title) + '</title><rect x="' + x + '" y="' + y + '" width="' + W +
      '" height="44" rx="6" fill="#fff" stroke="' + color + '" stroke-width="2"/><text x="' + (x + W / 2) + '" y="' +
      (y + 18) + '" text-anchor="middle" class="t">' + fit(title, 22) + '</text><text x="' + (x + W / 2) + '" y="' +
      (y + 35) + '" text-anchor="middle" class="s" fill="' + color + '">' + esc(sub) + "</text></g>";
    const groupBox = (x: number, y: number, id: string) => {
      const g = group(id);
      const sub = g ? g.status + " · lag " + num(g.lag) + " · " + g.members.length + " live" : "no member seen";
      return box(x, y, id, sub, g ? STATUS_COLOR[g.status] || "#567" : "#999", id);
    };
    const edge = (x1: number, y1: number, x2: number, y2: number, rate: number | null, lx: number, ly: number) =>
      '<path d="M' + x1 + " " + y1 + " C" + (x1 + x2) / 2 + " " + y1 + " " + (x1 + x2) / 2 + " " + y2 + " " + x2 + " " +
      y2 + '" fill="none" stroke="#8aa" stroke-width="' + (rate ? 2.5 : 1) + '" marker-end="url(#arr)"/>' +
      '<text x="' + lx + '" y="' + ly + '" text-anchor="middle" class="r">' + (rate == null ? "–" : num(rate) + "/s") +
      "</text>";
    return '<svg viewBox="0 0 1000 190" class="flow" role="img" aria-label="the pipeline\'s flow">' +
      '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">' +
      '<path d="M0 0L10 5L0 10z" fill="#8aa"/></marker></defs>' +
      edge(170, 95, 240, 95, cams.ratePerS, 205, 88) +
      edge(410, 95, 520, 37, toDb.ratePerS, 455, 52) +
      edge(410, 95, 520, 152, toInf.ratePerS, 455, 145) +
      edge(690, 152, 800, 152, toInferences.ratePerS, 745, 145) +
      edge(885, 130, 690, 37, infToDb.ratePerS, 810, 70) +
      box(0, 73, "cameras", "", "#567", "cameras") + box(240, 73, cams.to, "images topic", "#567", cams.to) +
      groupBox(520, 15, toDb.to) + groupBox(520, 130, toInf.to) +
      box(800, 130, toInferences.to, "inferences topic", "#567", toInferences.to) + "</svg>";
  }

  const SERIES: [keyof FleetView["throughput"][number], string, string][] = [
    ["imagesWritten", "images written", "#3a7bd5"],
    ["imagesStored", "images stored", "#2e8540"],
    ["inferencesWritten", "inferences written", "#c98a00"],
    ["inferencesStored", "inferences stored", "#8e44ad"],
  ];

  function chartSvg(v: FleetView): string {
    const pts = v.throughput;
    if (pts.length < 2) return "<p>The chart starts after two reads of the offsets.</p>";
    const w = 800, h = 160, left = 46, top = 8;
    const t0 = Date.parse(pts[0]!.at), t1 = Date.parse(pts[pts.length - 1]!.at);
    let max = 1;
    for (const p of pts) for (const [k] of SERIES) max = Math.max(max, Number(p[k] ?? 0));
    const x = (at: string) => left + ((Date.parse(at) - t0) / Math.max(1, t1 - t0)) * (w - left - 4);
    const y = (r: number) => top + h - (r / max) * h;
    const lines = SERIES.map(([k, , color]) => {
      const d = pts.filter((p) => p[k] != null).map((p) => x(p.at).toFixed(1) + "," + y(Number(p[k])).toFixed(1));
      return '<polyline data-series="' + k + '" fill="none" stroke="' + color + '" stroke-width="1.6" points="' +
        d.join(" ") + '"/>';
    }).join("");
    const legend = SERIES.map(([, label, color]) =>
      '<span><i style="background:' + color + '"></i>' + label + "</span>"
    )
      .join("");
    const spanS = Math.round((t1 - t0) / 1000);
    const spanText = spanS < 120 ? spanS + " s ago" : Math.round(spanS / 60) + " min ago";
    return '<svg viewBox="0 0 ' + w + " " + (h + 30) + '" class="chart" role="img" aria-label="throughput">' +
      '<line x1="' + left + '" y1="' + (top + h) + '" x2="' + w + '" y2="' + (top + h) + '" stroke="#ccd"/>' +
      '<line x1="' + left + '" y1="' + top + '" x2="' + w + '" y2="' + top + '" stroke="#eef"/>' +
      '<text x="' + (left - 4) + '" y="' + (top + 4) + '" text-anchor="end" class="s">' + num(max) + "/s</text>" +
      '<text x="' + (left - 4) + '" y="' + (top + h) + '" text-anchor="end" class="s">0</text>' +
      '<text x="' + left + '" y="' + (top + h + 16) + '" class="s">' + spanText + "</text>" +
      '<text x="' + w + '" y="' + (top + h + 16) + '" text-anchor="end" class="s">now</text>' + lines +
      '</svg><div class="legend">' + legend + "</div>";
  }

  return { esc, num, flowSvg, chartSvg };
}

/** What {@link fleetPageKit} hands the page. */
export type FleetPageKit = ReturnType<typeof fleetPageKit>;
