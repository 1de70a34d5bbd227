// Runs under `deno test`: the model service example on Deno (no servers needed).
import assert from "node:assert/strict";
import { modelServiceScenario } from "../helpers/example_scenarios.ts";

Deno.test({
  name: "the model service example embeds the pool and serves predictions and ops routes on Deno",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const seen = await modelServiceScenario();
    assert.equal(seen.predict.status, 200);
    const best = seen.expected.indexOf(Math.max(...seen.expected));
    assert.equal(seen.predict.labels[0], ["cat", "dog", "eel"][best]);
    assert.ok(Math.abs(seen.predict.probs[0]! - seen.expected[best]!) < 1e-5);
    assert.deepEqual(seen.workerPaths, [
      "/classifier/vision/model_pool/worker_0",
      "/classifier/vision/model_pool/worker_1",
      "/classifier/vision/model_pool/pool",
    ]);
    assert.equal(seen.ready, 200);
    assert.equal(seen.v2.status, 200);
    assert.equal(seen.metricsSuccess, 2);
  },
});
