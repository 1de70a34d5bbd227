// A chaos run removes all but the newest few earlier run directories, and nothing else.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { pruneRunDirs } from "../../bench/chaos_run_dirs.ts";

t.test("the newest run directories stay, older ones go, other entries are left alone", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "troupe-chaos-dirs-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const runs = ["chaos-a1", "chaos-b2", "chaos-c3", "chaos-d4", "chaos-e5", "chaos-f6"];
  runs.forEach((name, i) => {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, "broker.log"), "x");
    utimesSync(join(root, name), 1_000 + i, 1_000 + i); // chaos-f6 the newest
  });
  mkdirSync(join(root, "kafka-test"));
  writeFileSync(join(root, "chaos-notes.txt"), "not a run directory");
  const removed = pruneRunDirs(root, 4).map((p) => p.slice(root.length + 1)).sort();
  t.same(removed, ["chaos-a1", "chaos-b2"]);
  t.same(readdirSync(root).sort(), ["chaos-c3", "chaos-d4", "chaos-e5", "chaos-f6", "chaos-notes.txt", "kafka-test"]);
  t.same(pruneRunDirs(join(root, "missing")), [], "no root: nothing to do");
});
