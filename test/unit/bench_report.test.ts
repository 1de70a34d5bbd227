import t from "tap";
import { alternate, median, percentile, stageResult } from "../../bench/_stats.ts";
import { renderMarkdown, renderSvg } from "../../bench/report.ts";

t.test("medians, percentiles and ratios", async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5, "even count: mean of the middle two");
  t.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.95), 100);
  t.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.5), 50);
  const s = stageResult({
    stage: "sink",
    unit: "rows/s",
    troupe: ["db", [40, 60]],
    anchor: ["copy", [100, 100, 100]],
    target: 0.5,
  });
  t.equal(s.ratio, 0.5);
  t.equal(s.met, true);
  const miss = stageResult({ stage: "p", unit: "x", troupe: ["a", [1]], anchor: ["b", [4]], target: 0.7 });
  t.equal(miss.met, false);
  t.equal(stageResult({ stage: "o", unit: "x", troupe: ["a", [1]], anchor: null, target: null }).ratio, null);
});

t.test("the report renders every stage in markdown and SVG", async (t) => {
  const report = {
    mode: "quick",
    started: "2026-11-24T19:00:00.000Z",
    finished: "2026-11-24T19:05:00.000Z",
    machine: { cores: 2, cpu: "test cpu", memoryGiB: 24, node: "v20" },
    results: [
      stageResult({
        stage: "producer",
        unit: "images/s",
        troupe: ["sim", [2800]],
        anchor: ["perf-test", [5000]],
        target: 0.7,
        extra: { recordBytes: 3877 },
      }),
      stageResult({
        stage: "overload",
        unit: "images/s offered",
        troupe: ["3x", [60]],
        anchor: null,
        target: null,
        notes: ["bounded"],
      }),
    ],
  };
  const md = renderMarkdown(report);
  t.match(md, "| producer | 2,800.0 images/s (sim) | 5,000.0 images/s (perf-test) | 0.56x | >= 0.7x | **no** |");
  t.match(md, "| overload | 60.0 images/s offered (3x) | — | — | — | — |");
  t.match(md, "- producer: recordBytes 3,877");
  const svg = renderSvg(report);
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.match(svg, ">producer</text>");
  t.notMatch(svg, ">overload</text>", "stages without a ratio are not charted");
});

t.test("alternate: each round starts with the next side, and results come back in the sides' order", async (t) => {
  const ran: string[][] = [];
  for (let round = 0; round < 4; round++) {
    const order: string[] = [];
    const side = (name: string) => () => Promise.resolve(void order.push(name)).then(() => name.toUpperCase());
    t.same(await alternate(round, [side("a"), side("b"), side("c")]), ["A", "B", "C"], `round ${round}: results`);
    ran.push(order);
  }
  t.same(ran, [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]], "who goes first rotates");
});
