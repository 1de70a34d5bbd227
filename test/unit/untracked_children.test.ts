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
