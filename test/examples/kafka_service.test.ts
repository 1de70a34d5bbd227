import t from "tap";
import { paymentsScenario } from "../helpers/example_scenarios.ts";

t.test("a service's own actor fed by troupe's topic consumer: every good record applied once, bad ones dead-lettered, offsets committed after", async (t) => {
  const seen = await paymentsScenario();
  t.same(seen.totals, seen.expected, "each account's total is the sum of its payments, each applied once");
  t.equal(seen.handed, 400, "400 good records handed to the ledger");
  t.same(seen.deadLetters.map((d) => d.reason).sort(), ["invalid_envelope", "not_json"]);
  t.ok(seen.deadLetters.some((d) => d.value === "{not json"), "the original bytes are kept");
  t.equal(seen.committed, seen.endOffsets, "the group committed every offset, good and bad");
  t.equal(seen.endOffsets, 402);
});
