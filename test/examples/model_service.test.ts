import t from "tap";
import { modelServiceScenario } from "../helpers/example_scenarios.ts";

t.test("a Hono service embeds the model pool under its own supervisor, with troupe's predict API and ops routes", async (t) => {
  const seen = await modelServiceScenario();
  t.same(
    seen.own,
    {
      service: "classifier",
      try: ["POST /v1/predict", "GET /v1/models", "POST /v2/models/{name}/infer", "GET /ops/actors"],
    },
    "the service's own route",
  );
  t.equal(seen.predict.status, 200);
  const order = [0, 1, 2].sort((a, b) => seen.expected[b]! - seen.expected[a]!);
  t.same(
    seen.predict.labels,
    order.map((i) => ["cat", "dog", "eel"][i]),
    "classes in the model's order of probability",
  );
  seen.predict.probs.forEach((p, k) =>
    t.ok(Math.abs(p - seen.expected[order[k]!]!) < 1e-5, `probability ${k} matches the model`)
  );
  t.same(seen.workerPaths, [
    "/classifier/vision/model_pool/worker_0",
    "/classifier/vision/model_pool/worker_1",
    "/classifier/vision/model_pool/pool",
  ]);
  t.equal(seen.ready, 200);
  t.equal(seen.v2.status, 200, "the Open Inference Protocol route, embedded");
  t.match(seen.v2.top1, new RegExp(`^[-\\d.e]+:${order[0]}:${["cat", "dog", "eel"][order[0]!]}$`), "its top-1 is v1's");
  t.equal(seen.metricsSuccess, 2, "both requests counted in the service's /ops/metrics");
});
