import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import t from "tap";
import { forbiddenIn, SUBPATHS } from "../helpers/subpaths.ts";

/** Every module URL Node resolves while a fresh process imports `file`. */
function loadedBy(file: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "troupe-loads-"));
  try {
    const log = join(dir, "loads.txt");
    const recorder = pathToFileURL(join(process.cwd(), "test/helpers/load_recorder.mjs")).href;
    const r = spawnSync(process.execPath, [
      "--import",
      "tsx",
      "--import",
      recorder,
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(pathToFileURL(join(process.cwd(), file)).href)})`,
    ], {
      env: { ...process.env, TROUPE_LOAD_LOG: log },
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
    return readFileSync(log, "utf8").trim().split("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test("the runtime and the inference subpaths load neither kafkajs nor postgres nor the node's configuration (Node)", async (t) => {
  for (const name of ["system", "inference"] as const) {
    const urls = loadedBy(SUBPATHS[name]);
    t.ok(urls.length > 5, `${name}: ${urls.length} modules recorded`);
    t.same(forbiddenIn(urls), [], `troupe/${name}`);
  }
});

t.test("the Kafka subpath loads a client package only when a client is used; the recorder sees what does load", async (t) => {
  t.same(forbiddenIn(loadedBy(SUBPATHS.kafka)), [], "troupe/kafka alone");
  t.same(forbiddenIn(loadedBy("actors/kafka/kafkajs/client.ts")), ["kafkajs"], "the kafkajs adapter");
  t.same(
    forbiddenIn(loadedBy("actors/kafka/platformatic/client.ts")),
    ["@platformatic/kafka"],
    "the platformatic adapter",
  );
  t.same(forbiddenIn(loadedBy(SUBPATHS.db)), ["postgres"]);
});
