/**
 * V8 CPU profiles (`node --cpu-prof`, one file per thread) summed into categories
 * of CPU per image, and their report: a markdown table and an SVG chart.
 */

/** What `node --cpu-prof` writes (the parts read here). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** The kinds of cost a category is. */
export type CostKind = "record" | "delivery" | "overhead" | "startup";

/** One category's CPU per image. */
export interface ProfileCategory {
  name: string;
  kind: CostKind;
  usPerImage: number;
}

/** What `npm run profile:simulator` writes. */
export interface ProfileReport {
  commit: string;
  started: string;
  machine: { cores: number; cpu: string; cpuFlags: string[]; memoryGiB: number; node: string };
  images: number;
  /** The simulator's own summary line. */
  simulator: string;
  threads: number;
  categories: ProfileCategory[];
}

/** Categories in the order they are tried: the first whose test matches a sample's function takes it. */
const RULES: { name: string; kind: CostKind; test(f: string, url: string): boolean }[] = [
  { name: "PNG deflate and CRC (zlib)", kind: "record", test: (f, u) => u.includes("zlib") || f === "crc32" },
  { name: "sha256", kind: "record", test: (f, u) => u.endsWith("hash") || ["digest", "update", "Hash"].includes(f) },
  { name: "base64", kind: "record", test: (f) => f === "base64Slice" },
  {
    name: "envelope JSON",
    kind: "record",
    test: (f, u) => u.includes("image_envelope") || f === "stringify",
  },
  {
    name: "PNG scanlines, envelope fields, CIFAR record",
    kind: "record",
    test: (_f, u) => /png_rgb|capture\.ts|cifar100|_encode_batch/.test(u),
  },
  {
    name: "Kafka client (record batches, socket writes)",
    kind: "delivery",
    test: (f, u) => u.includes("@platformatic") || u.includes("kafkajs") || ["writeBuffer", "writev"].includes(f),
  },
  {
    name: "messages between threads (postMessage)",
    kind: "overhead",
    test: (f, u) => f === "postMessage" || f === "receiveMessageOnPort" || u.includes("worker"),
  },
  { name: "garbage collection", kind: "overhead", test: (f) => f === "(garbage collector)" },
  {
    name: "trace ids",
    kind: "overhead",
    test: (f, u) => u.includes("trace_context") || f === "randomFillSync",
  },
  {
    name: "dataset read, buffer copies",
    kind: "overhead",
    test: (f, u) => /cifar_files|dataset_reader/.test(u) || ["_copyActual", "concat", "read"].includes(f),
  },
  { name: "actors and runtime", kind: "overhead", test: (_f, u) => /\/(actors|system)\/|nact/.test(u) },
  {
    name: "module loading (startup)",
    kind: "startup",
    test: (f, u) =>
      /tsx|register-|lexer|esbuild/.test(u) || /loader|hooks|modules|realm|url/.test(u) ||
      f === "compileSourceTextModule",
  },
  { name: "other", kind: "overhead", test: () => true },
];

/** CPU per image by category over every thread's profile (idle time left out). */
export function profileCategories(profiles: CpuProfile[], images: number): ProfileCategory[] {
  const us = new Map<string, number>();
  const other = RULES[RULES.length - 1]!;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame] as const));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    /** A frame nothing names (a native call, Node's internals) counts where its nearest named caller does. */
    const ruleOf = (id: number) => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const f = byId.get(at)!;
        const rule = RULES.find((r) => r.test(f.functionName, f.url))!;
        if (rule !== other) return rule;
      }
      return other;
    };
    p.samples.forEach((id, i) => {
      const frame = byId.get(id);
      if (!frame || frame.functionName === "(idle)") return;
      const rule = ruleOf(id);
      us.set(rule.name, (us.get(rule.name) ?? 0) + (p.timeDeltas[i] ?? 0));
    });
  }
  return RULES.filter((r) => us.has(r.name)).map((r) => ({
    name: r.name,
    kind: r.kind,
    usPerImage: Math.round(((us.get(r.name) ?? 0) / images) * 10) / 10,
  })).sort((a, b) => b.usPerImage - a.usPerImage);
}

const sum = (cs: ProfileCategory[]) => cs.reduce((n, c) => n + c.usPerImage, 0);

/** Images/s the machine's cores could give if they did nothing but `usPerImage` of CPU per image. */
export const ceiling = (cores: number, usPerImage: number) => Math.round((cores * 1e6) / usPerImage);

/** The ceilings: every steady cost, and the record's own work with its delivery alone. */
export function ceilings(r: ProfileReport): { all: number; essential: number; allUs: number; essentialUs: number } {
  const steady = r.categories.filter((c) => c.kind !== "startup");
  const essential = steady.filter((c) => c.kind === "record" || c.kind === "delivery");
  return {
    allUs: Math.round(sum(steady) * 10) / 10,
    essentialUs: Math.round(sum(essential) * 10) / 10,
    all: ceiling(r.machine.cores, sum(steady)),
    essential: ceiling(r.machine.cores, sum(essential)),
  };
}

const KIND: Record<CostKind, string> = {
  record: "the record's own work",
  delivery: "delivery to Kafka",
  overhead: "overhead",
  startup: "startup (not per image)",
};

/** The report as markdown. */
export function renderProfileMarkdown(r: ProfileReport): string {
  const c = ceilings(r);
  return [
    `Simulator CPU profile of ${r.commit}, ${
      r.started.slice(0, 16).replace("T", " ")
    } UTC on ${r.machine.cores} cores (${r.machine.cpu}; ${
      r.machine.cpuFlags.join(" ")
    }), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}: ${r.images} images at full speed, ${r.threads} threads profiled (${r.simulator}).`,
    "",
    "| category | kind | CPU per image |",
    "| --- | --- | --- |",
    ...r.categories.map((x) => `| ${x.name} | ${KIND[x.kind]} | ${x.usPerImage.toFixed(1)} µs |`),
    "",
    `Steady costs ${c.allUs} µs per image: ${r.machine.cores} cores doing nothing else would send at most ${
      c.all.toLocaleString("en-US")
    } images/s. ` +
    `The record's own work and its delivery alone: ${c.essentialUs} µs, at most ${
      c.essential.toLocaleString("en-US")
    } images/s, before the broker takes its share of the same cores.`,
    "",
  ].join("\n");
}

/** The report as a horizontal bar chart of CPU per image. */
export function renderProfileSvg(r: ProfileReport): string {
  const W = 760;
  const rowH = 30;
  const x0 = 330;
  const rows = r.categories.filter((c) => c.kind !== "startup");
  const H = 50 + rows.length * rowH + 30;
  const scale = (W - x0 - 90) / Math.max(1, ...rows.map((c) => c.usPerImage));
  const color: Record<CostKind, string> = {
    record: "#4a90d9",
    delivery: "#5cb85c",
    overhead: "#d9534f",
    startup: "#999",
  };
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = rows.map((c, i) => {
    const y = 40 + i * rowH;
    const w = Math.max(1, c.usPerImage * scale);
    return `<text x="10" y="${y + 15}" font-size="12">${esc(c.name)}</text>` +
      `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="20" fill="${color[c.kind]}"/>` +
      `<text x="${(x0 + w + 6).toFixed(1)}" y="${y + 15}" font-size="12">${c.usPerImage.toFixed(1)} µs</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<text x="10" y="24" font-size="15" font-weight="bold">simulator CPU per image (blue: the record's work, green: Kafka, red: overhead)</text>
${bars.join("\n")}
<text x="10" y="${H - 8}" font-size="11" fill="#555">${esc(r.commit)}, ${esc(r.started)}; ${r.machine.cores} cores, ${
    esc(r.machine.cpu)
  }</text>
</svg>
`;
}
