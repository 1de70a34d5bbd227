// The processes a test starts run without tap's process tracking (test/helpers/untracked_children.mjs, preloaded
// into every test file by npm test and .taprc), and keep every other NODE_OPTIONS option.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import t from "tap";

const printOptions = ["-e", "process.stdout.write(JSON.stringify(process.env.NODE_OPTIONS ?? null))"];

t.test("a node this test starts has no tap process tracking in NODE_OPTIONS", async (t) => {
  const child = JSON.parse(execFileSync(process.execPath, printOptions).toString()) as string | null;
  t.notMatch(child ?? "", /@tapjs[\\/]processinfo/, `the child's NODE_OPTIONS: ${child}`);
});

t.test("the other options stay, quoted ones whole", async (t) => {
  const untracked = pathToFileURL(join(process.cwd(), "test/helpers/untracked_children.mjs")).href;
  const tracking = pathToFileURL(join(process.cwd(), "node_modules/@tapjs/processinfo/dist/esm/import.mjs")).href;
  const env = {
    ...process.env,
    NODE_OPTIONS: `--max-old-space-size=300 "--import=${tracking}" "--title=a b"`,
  };
  const out = execFileSync(process.execPath, [`--import=${untracked}`, ...printOptions], { env }).toString();
  t.equal(JSON.parse(out), `--max-old-space-size=300 "--title=a b"`);
});

// Found in CI's fresh clones (the first suite run about 50 s slower than any later one): tap rebuilds its runner for
// .taprc's plugins at the first run after an install, but that run's test files still got the default plugins'
// loaders (@tapjs/typescript's and @tapjs/mock's module hooks, which every worker thread of a test file goes through).
// npm test now builds tap's runner before it runs the tests (tools/tap_build.ts).
t.test("this test file runs without the loaders of the plugins .taprc removes", async (t) => {
  const loaders = process.execArgv.filter((a) => /@tapjs[\\/](typescript|mock)/.test(a));
  t.same(loaders, [], `execArgv: ${process.execArgv.join(" ")}`);
});
