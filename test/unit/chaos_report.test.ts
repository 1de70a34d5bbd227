// The chaos suite's report: measures per run, their medians over rounds, each note once.
import t from "tap";
import { type ChaosReport, renderChaosMarkdown, type ScenarioResult } from "../../bench/chaos_report.ts";

const result = (scenario: string, measures: Record<string, number>, replayed: number): ScenarioResult => ({
  scenario,
  ok: true,
  problems: [],
  sent: 10,
  imageRows: 10,
  inferenceRows: 10,
  duplicates: 0,
  replayed,
  deadLetters: {},
  expectedDeadLetters: {},
  recoverySeconds: 1,
  resumeSeconds: null,
  measures,
  notes: ["the same note every round"],
});

t.test("rounds: a row per run, the medians per scenario, and each note once", async (t) => {
  const report: ChaosReport = {
    mode: "quick",
    commit: "abc",
    listener: "SASL_SSL",
    started: "2026-12-07T10:00:00.000Z",
    finished: "2026-12-07T10:10:00.000Z",
    machine: { cores: 2, cpu: "cpu", memoryGiB: 24, node: "v20" },
    shape: { images: 10, devices: 1, rate: 1, outageMs: 1, settleMs: 1 },
    results: [
      result("scale, round 1", { joinS: 3 }, 10),
      result("scale, round 2", { joinS: 7 }, 0),
      result("scale, round 3", { joinS: 4 }, 2),
    ],
  };
  const md = renderChaosMarkdown(report);
  t.match(md, "reaching the broker over SASL_SSL (TLS, SCRAM-SHA-512)");
  t.equal(
    md.match(/\| scale, round \d \| 3|\| scale, round \d \| 7|\| scale, round \d \| 4/g)?.length,
    3,
    "each run's row",
  );
  t.match(md, "| scale | 3 | 4 | 2 |", "the median of 3, 7, 4 and of the replayed rows 10, 0, 2");
  t.equal(md.split("the same note every round").length - 1, 1, "the note once");
});
