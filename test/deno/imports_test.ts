// Runs under `deno test`: Deno's own module graph of each subpath (`deno info`).
import assert from "node:assert/strict";
import { forbiddenIn, SUBPATHS } from "../helpers/subpaths.ts";

async function graphOf(file: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno info ${file} failed: ${new TextDecoder().decode(out.stderr)}`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: { specifier: string }[] };
  return info.modules.map((m) => m.specifier);
}

Deno.test("the runtime and the inference subpaths load neither kafkajs nor postgres nor the node's configuration (Deno)", async () => {
  for (const name of ["system", "inference"] as const) {
    const graph = await graphOf(SUBPATHS[name]);
    assert.ok(graph.length > 5, `${name}: ${graph.length} modules`);
    assert.deepEqual(forbiddenIn(graph), [], `troupe/${name}`);
  }
  // Deno's graph holds dynamic imports too: both Kafka adapters, of which a client loads the one it uses.
  const kafka = ["kafkajs", "@platformatic/kafka"];
  assert.deepEqual(forbiddenIn(await graphOf(SUBPATHS.kafka)), kafka, "the graph shows what a subpath can load");
  // The PostgreSQL sink knows nothing of Kafka; troupe/db-kafka feeds it from Kafka.
  assert.deepEqual(forbiddenIn(await graphOf(SUBPATHS.db)), ["postgres"], "troupe/db");
  assert.deepEqual(forbiddenIn(await graphOf(SUBPATHS["db-kafka"])), [...kafka, "postgres"], "troupe/db-kafka");
});
