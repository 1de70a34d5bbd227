// The README's figures are the results files' figures: every block agrees with the
// file it names, and there is a block for the pipeline, the runtime and the chaos suite.
import { readFileSync } from "node:fs";
import t from "tap";
import { updateReadme } from "../../tools/readme_figures.ts";

const readme = readFileSync("README.md", "utf8");

t.test("every figure block of the README is what its results file gives (npm run readme:figures)", (t) => {
  const { changed } = updateReadme(readme, process.cwd());
  t.same(changed, [], "no block differs from its file: run `npm run readme:figures` after a bench or chaos run");
  t.end();
});

t.test("the README has a block for the pipeline, the runtime, the Kafka clients, the group protocols, the simulator's profile, the chaos suite and the fleet", (t) => {
  const blocks = [...readme.matchAll(/<!-- figures (\S+) (\w+) -->/g)].map((m) => `${m[1]} ${m[2]}`);
  t.same(blocks.sort(), [
    "bench/results/chaos.md md",
    "bench/results/fleet/chaos-quick.md md",
    "bench/results/fleet_cost.md md",
    "bench/results/group_protocol/chaos.md md",
    "bench/results/kafka/latest.json pipeline",
    "bench/results/latest.json pipeline",
    "bench/results/latest.json runtime",
    "bench/results/simulator_profile.md md",
  ]);
  t.end();
});

t.test("a block that differs from its file is found and rewritten", (t) => {
  const stale = "x\n<!-- figures bench/results/chaos.md md -->\nold numbers\n<!-- /figures -->\ny\n";
  const { text, changed } = updateReadme(stale, process.cwd());
  t.same(changed, ["bench/results/chaos.md md"]);
  t.match(text, /^x\n<!-- figures bench\/results\/chaos\.md md -->\nChaos suite \(/);
  t.match(text, /<!-- \/figures -->\ny\n$/);
  t.end();
});
