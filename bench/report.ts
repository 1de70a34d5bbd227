/** The benchmark report: a markdown table and an SVG chart of the ratios. */
import type { StageResult } from "./_stats.ts";

/** What bench/run.ts writes to latest.json. */
export interface BenchReport {
  mode: string;
  /** The commit measured (`git rev-parse HEAD`), with `-dirty` when the tree had changes. */
  commit?: string;
  started: string;
  finished: string;
  machine: { cores: number; cpu: string; cpuFlags?: string[]; memoryGiB: number; node: string };
  results: StageResult[];
}

const fmt = (
  n: number | null | undefined,
  d = 1,
) => (n === null || n === undefined || !Number.isFinite(n)
  ? "—"
  : n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));

/** The markdown table of a report. */
export function renderMarkdown(r: BenchReport): string {
  const lines = [
    `Benchmarks (${r.mode} mode) of ${r.commit ?? "an unrecorded commit"}, ${
      r.started.slice(0, 16).replace("T", " ")
    } UTC on ${r.machine.cores} cores (${r.machine.cpu}${
      r.machine.cpuFlags?.length ? `; ${r.machine.cpuFlags.join(" ")}` : ""
    }), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}. Medians of alternating rounds; ratio = troupe / anchor.`,
    "",
    "| stage | troupe | anchor | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of r.results) {
    const anchor = s.anchor ? `${fmt(s.anchor.median)} ${s.unit} (${s.anchor.label})` : "—";
    const met = s.met === null ? "—" : s.met ? "yes" : "**no**";
    lines.push(
      `| ${s.stage} | ${fmt(s.troupe.median)} ${s.unit} (${s.troupe.label}) | ${anchor} | ${
        s.ratio === null ? "—" : `${fmt(s.ratio, 2)}x`
      } | ${s.target === null ? "—" : `>= ${s.target}x`} | ${met} |`,
    );
  }
  const extras = r.results.filter((s) => Object.keys(s.extra).length > 0 || s.notes.length > 0);
  if (extras.length > 0) {
    lines.push("");
    for (const s of extras) {
      const kv = Object.entries(s.extra).map(([k, v]) =>
        `${k} ${typeof v === "number" ? fmt(v, Number.isInteger(v) ? 0 : Math.abs(v) < 10 ? 3 : 1) : JSON.stringify(v)}`
      ).join(", ");
      lines.push(`- ${s.stage}: ${[kv, ...s.notes].filter(Boolean).join("; ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** A bar chart of the ratios against their targets, with each side's throughput. */
export function renderSvg(r: BenchReport): string {
  const rows = r.results.filter((s) => s.ratio !== null);
  const W = 760;
  const rowH = 46;
  const H = 60 + rows.length * rowH + 30;
  const x0 = 170;
  const scale = (W - x0 - 40) / Math.max(1.2, ...rows.map((s) => s.ratio ?? 0));
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = rows.map((s, i) => {
    const y = 50 + i * rowH;
    const w = Math.max(1, (s.ratio ?? 0) * scale);
    const tx = x0 + (s.target ?? 0) * scale;
    const color = s.met === false ? "#d9534f" : "#4a90d9";
    return [
      `<text x="10" y="${y + 18}" font-size="13">${esc(s.stage)}</text>`,
      `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="24" fill="${color}"/>`,
      s.target !== null
        ? `<line x1="${tx.toFixed(1)}" y1="${y - 4}" x2="${tx.toFixed(1)}" y2="${
          y + 28
        }" stroke="#333" stroke-dasharray="4 2"/>`
        : "",
      `<text x="${(x0 + w + 6).toFixed(1)}" y="${y + 17}" font-size="12">${fmt(s.ratio, 2)}x  (${
        fmt(s.troupe.median)
      } vs ${fmt(s.anchor?.median)} ${esc(s.unit)})</text>`,
    ].join("");
  });
  // Latency panel: capture-to-inference percentiles of the end-to-end stage.
  const e2e = r.results.find((s) => typeof s.extra["latencyP50Ms"] === "number");
  const lat = e2e
    ? (["latencyP50Ms", "latencyP95Ms", "latencyP99Ms"] as const).map((k) =>
      [k.slice(7, 10).toLowerCase(), e2e.extra[k] as number] as const
    )
    : [];
  const latTop = H - 10;
  const latH = lat.length ? 40 + lat.length * 28 : 0;
  const latScale = (W - x0 - 120) / Math.max(1, ...lat.map(([, v]) => v));
  const latBars = lat.map(([name, v], i) => {
    const y = latTop + 34 + i * 28;
    return `<text x="10" y="${y + 14}" font-size="13">${name}</text><rect x="${x0}" y="${y}" width="${
      Math.max(1, v * latScale).toFixed(1)
    }" height="18" fill="#5cb85c"/><text x="${(x0 + v * latScale + 6).toFixed(1)}" y="${y + 14}" font-size="12">${
      fmt(v, 0)
    } ms</text>`;
  });
  const total = H + latH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${total}" font-family="sans-serif">
<text x="10" y="24" font-size="15" font-weight="bold">troupe / anchor throughput (dashed: target), ${
    esc(r.mode)
  } mode, ${r.machine.cores} cores</text>
${bars.join("\n")}
${
    lat.length
      ? `<text x="10" y="${
        latTop + 20
      }" font-size="15" font-weight="bold">capture-to-inference latency at 70% load</text>\n${latBars.join("\n")}`
      : ""
  }
<text x="10" y="${total - 6}" font-size="11" fill="#555">${esc(r.started)}; medians of alternating rounds</text>
</svg>
`;
}
