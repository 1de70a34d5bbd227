// Runs under `deno test` with KAFKA_BROKERS set (infra/with_infra.sh): the Kafka
// service example on Deno, against the real broker.
import assert from "node:assert/strict";
import { paymentsScenario } from "../helpers/example_scenarios.ts";

Deno.test({
  name: "the payments example: each good record applied once, bad ones dead-lettered, every offset committed (Deno)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const seen = await paymentsScenario();
    assert.deepEqual(seen.totals, seen.expected);
    assert.equal(seen.handed, 400);
    assert.deepEqual(seen.deadLetters.map((d) => d.reason).sort(), ["invalid_envelope", "not_json"]);
    assert.equal(seen.committed, seen.endOffsets);
    assert.equal(seen.endOffsets, 402);
  },
});
