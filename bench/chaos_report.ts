/** The chaos suite's results (chaos/) and their markdown tables. */
import { median } from "./_stats.ts";

/** How big and how long a run is. */
export interface RunShape {
  images: number;
  devices: number;
  /** Images per second per camera. */
  rate: number;
  /** How long a fault lasts before it is healed. */
  outageMs: number;
  /** Longest wait for every count after the heal. */
  settleMs: number;
}

/** What one scenario measured. */
export interface ScenarioResult {
  scenario: string;
  ok: boolean;
  problems: string[];
  sent: number;
  imageRows: number;
  inferenceRows: number;
  /** Images counted twice in `devices` (0 when nothing was duplicated). */
  duplicates: number;
  /** Image rows written again by a replay (updated, not added). */
  replayed: number;
  deadLetters: Record<string, number>;
  expectedDeadLetters: Record<string, number>;
  /** From the end of the fault (a kill, or the heal of an outage) until every count was reached. */
  recoverySeconds: number | null;
  /** A consumer node killed and restarted: from its readiness until its rows flow again. */
  resumeSeconds: number | null;
  /** What a scenario measured beyond the counts (seconds, rows), by name; see the scenario. */
  measures?: Record<string, number>;
  notes: string[];
}

/** A chaos run as written to JSON. */
export interface ChaosReport {
  mode: string;
  /** The commit measured, with `-dirty` when the tree had changes. */
  commit?: string;
  /** The broker's client listener the hosts used (reports before it was recorded: PLAINTEXT). */
  listener?: "SASL_SSL" | "PLAINTEXT";
  started: string;
  finished: string;
  machine: { cores: number; cpu: string; cpuFlags?: string[]; memoryGiB: number; node: string };
  shape: RunShape;
  results: (ScenarioResult | { scenario: string; skipped: string })[];
}

const letters = (m: Record<string, number>) =>
  Object.keys(m).length === 0 ? "0" : Object.entries(m).sort().map(([k, v]) => `${k} ${v}`).join(", ");

/** The report as a markdown table with the machine it ran on. */
export function renderChaosMarkdown(r: ChaosReport): string {
  const lines = [
    `Chaos suite (${r.mode} mode) of ${r.commit ?? "an unrecorded commit"}, ${
      r.started.slice(0, 16).replace("T", " ")
    } UTC on ${r.machine.cores} cores (${r.machine.cpu}${
      r.machine.cpuFlags?.length ? `; ${r.machine.cpuFlags.join(" ")}` : ""
    }), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}. Four hosts (network namespaces on one bridge) reaching the broker over ${
      r.listener === "SASL_SSL" ? "SASL_SSL (TLS, SCRAM-SHA-512)" : "PLAINTEXT"
    }; ${r.shape.images} images per scenario from ${r.shape.devices} cameras at ${r.shape.rate}/s each; outages of ${
      r.shape.outageMs / 1000
    } s.`,
    "",
    "| scenario | result | sent | image rows | inference rows | counted twice | replayed rows | dead letters (expected) | recovery | rows again after ready |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of r.results) {
    if ("skipped" in s) {
      lines.push(`| ${s.scenario} | not run: ${s.skipped} | | | | | | | | |`);
      continue;
    }
    const expected = letters(s.expectedDeadLetters);
    lines.push(
      `| ${s.scenario} | ${
        s.ok ? "passed" : `**failed**: ${s.problems.join("; ")}`
      } | ${s.sent} | ${s.imageRows} | ${s.inferenceRows} | ${s.duplicates} | ${s.replayed} | ${
        letters(s.deadLetters)
      }${expected === letters(s.deadLetters) ? "" : ` (${expected})`} | ${
        s.recoverySeconds === null ? "—" : `${s.recoverySeconds} s`
      } | ${s.resumeSeconds === null || s.resumeSeconds === undefined ? "—" : `${s.resumeSeconds} s`} |`,
    );
  }
  // A scenario run in several rounds says each of its notes once.
  const notes = [
    ...new Set(r.results.flatMap((s) => ("notes" in s ? s.notes.map((n) => `- ${baseName(s.scenario)}: ${n}`) : []))),
  ];
  return [...lines, "", ...measureTable(r.results), ...medianTable(r.results), ...notes, ""].join("\n");
}

/** A scenario's name without its round (`--rounds`). */
const baseName = (label: string) => label.replace(/, round \d+$/, "");

/** The median of each measure over a scenario's rounds, when it ran more than one. */
function medianTable(results: ChaosReport["results"]): string[] {
  const measured = results.filter((s): s is ScenarioResult => "measures" in s && s.measures !== undefined);
  const byName = new Map<string, ScenarioResult[]>();
  for (const s of measured) byName.set(baseName(s.scenario), [...(byName.get(baseName(s.scenario)) ?? []), s]);
  if (![...byName.values()].some((rounds) => rounds.length > 1)) return [];
  const names = [...new Set(measured.flatMap((s) => Object.keys(s.measures!)))];
  const medianOf = (xs: number[]) => Math.round(median(xs) * 100) / 100;
  return [
    "Medians over the rounds:",
    "",
    `| scenario | rounds | ${names.join(" | ")} | replayed rows |`,
    `| --- | --- |${" --- |".repeat(names.length + 1)}`,
    ...[...byName].map(([name, rounds]) => {
      const cells = names.map((n) => {
        const xs = rounds.map((s) => s.measures![n]).filter((x): x is number => x !== undefined);
        return xs.length ? String(medianOf(xs)) : "—";
      });
      return `| ${name} | ${rounds.length} | ${cells.join(" | ")} | ${medianOf(rounds.map((s) => s.replayed))} |`;
    }),
    "",
  ];
}

/** What the scenarios measured beyond the counts, one row each, as a table (none when no scenario did). */
function measureTable(results: ChaosReport["results"]): string[] {
  const measured = results.filter((s): s is ScenarioResult => "measures" in s && s.measures !== undefined);
  if (measured.length === 0) return [];
  const names = [...new Set(measured.flatMap((s) => Object.keys(s.measures!)))];
  return [
    `| scenario | ${names.join(" | ")} |`,
    `| --- |${" --- |".repeat(names.length)}`,
    ...measured.map((s) => `| ${s.scenario} | ${names.map((n) => s.measures![n] ?? "—").join(" | ")} |`),
    "",
  ];
}
