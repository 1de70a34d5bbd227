import t from "tap";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { modelServiceScenario } from "../helpers/example_scenarios.ts";
import { nodeArgs } from "../helpers/entry.ts";
import { writeTinyModel } from "../helpers/tiny_model.ts";
import { until } from "../helpers/wait.ts";

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

t.test("run as a program, the service stops on SIGTERM and on SIGINT with exit 0", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-model-service-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, "tiny.onnx");
  writeTinyModel(model);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const p = spawn(process.execPath, [...await nodeArgs("examples/model_service.ts"), model], {
      env: { ...process.env, PORT: "0", MODEL_INPUT_SIZE: "2" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    p.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    await until("the service listening", () => /classifier service listening/.test(stderr), 60_000, 20);
    p.kill(signal);
    t.equal(await exited, 0, `${signal}: exit 0`);
    t.match(stderr, new RegExp(`"msg":"stopping","signal":"${signal}"`));
  }
});
