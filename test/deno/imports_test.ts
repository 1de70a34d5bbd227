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
  assert.deepEqual(forbiddenIn(await graphOf(SUBPATHS.kafka)), ["kafkajs"], "the graph shows what a subpath does load");
  assert.deepEqual(forbiddenIn(await graphOf(SUBPATHS.db)), ["kafkajs", "postgres"]);
});
