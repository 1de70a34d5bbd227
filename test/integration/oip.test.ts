// The Open Inference Protocol routes with hand-made requests: what a client that
// gets things wrong is told, the queue limit (429 + Retry-After as /v1), model
// versions, and the Triton-named serving metrics.
import { Buffer } from "node:buffer";
import t from "tap";
import { preprocessPng } from "../../actors/inference/mod.ts";
import { servePredict } from "../helpers/predict.ts";
import { TINY_INPUT, tinyPng } from "../helpers/tiny_model.ts";

const rgb = [10, 200, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
const b64 = Buffer.from(tinyPng(rgb)).toString("base64");
const json = (body: unknown): RequestInit => ({
  method: "POST",
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json" },
});
const png = (n = 1) => ({ inputs: [{ name: "image", shape: [n], datatype: "BYTES", data: Array(n).fill(b64) }] });

t.test("requests that break the protocol get 4xx and an error naming the problem", async (t) => {
  const { app } = await servePredict(t, { queue: 8, maxBodyBytes: 4096 });
  const infer = async (body: unknown, init: RequestInit = json(body)) =>
    await app.request("/v2/models/tiny/infer", init);
  const sized = JSON.stringify({
    inputs: [{ name: "i", shape: [1], datatype: "BYTES", parameters: { binary_data_size: 99 } }],
  });
  const cases: [string, Promise<Response>, number, RegExp][] = [
    ["not JSON", infer("{"), 400, /not valid JSON/],
    ["no inputs", infer({ inputs: [] }), 400, /non-empty "inputs"/],
    ["two inputs", infer({ inputs: [png().inputs[0], png().inputs[0]] }), 400, /one input \('x'\): the request has 2/],
    ["INT64", infer({ inputs: [{ name: "x", shape: [1, 3, 2, 2], datatype: "INT64", data: [] }] }), 400, /is INT64/],
    [
      "FP32 count",
      infer({ inputs: [{ name: "x", shape: [1, 3, 2, 2], datatype: "FP32", data: [1, 2] }] }),
      400,
      /must hold 12 numbers, got 2/,
    ],
    [
      "FP32 shape",
      infer({ inputs: [{ name: "x", shape: [1, 12], datatype: "FP32", data: [] }] }),
      400,
      /shape \[1, 12\]/,
    ],
    [
      "not base64",
      infer({ inputs: [{ name: "i", shape: [1], datatype: "BYTES", data: ["%%%"] }] }),
      400,
      /not a base64/,
    ],
    [
      "not a PNG",
      infer({ inputs: [{ name: "i", shape: [1], datatype: "BYTES", data: ["aGVsbG8="] }] }),
      400,
      /image 0: not a PNG/,
    ],
    [
      "count mismatch",
      infer({ inputs: [{ name: "i", shape: [2], datatype: "BYTES", data: [b64] }] }),
      400,
      /shape says 2 images, the data holds 1/,
    ],
    ["too many", infer(png(9)), 400, /a batch of 9: send 1 to 8 images/],
    [
      "unknown output",
      infer({ ...png(), outputs: [{ name: "z" }] }),
      400,
      /unknown output 'z': the model's output is 'y'/,
    ],
    [
      "classification",
      infer({ ...png(), outputs: [{ name: "y", parameters: { classification: 4 } }] }),
      400,
      /classification must be 1 to 3/,
    ],
    [
      "binary size",
      infer(null, {
        method: "POST",
        body: `${sized}xyz`,
        headers: { "inference-header-content-length": String(sized.length) },
      }),
      400,
      /binary_data_size 99: only 3 bytes follow/,
    ],
    [
      "unknown model",
      Promise.resolve(app.request("/v2/models/nope/infer", json(png()))),
      404,
      /unknown model 'nope'/,
    ],
    [
      "unknown version",
      Promise.resolve(app.request("/v2/models/tiny/versions/2/infer", json(png()))),
      404,
      /unknown version '2'/,
    ],
    ["too large", infer({ pad: "x".repeat(5000), ...png() }), 413, /larger than 4096 bytes/],
  ];
  for (const [label, pending, status, message] of cases) {
    const res = await pending;
    const body = (await res.json()) as { error: string };
    t.equal(res.status, status, `${label}: ${status}`);
    t.match(body.error, message, `${label}: ${body.error}`);
  }
  const ok = await app.request("/v2/models/tiny/versions/1/infer", json({ id: "v1", ...png() }));
  t.equal(ok.status, 200, "version 1 is the model");
  t.match(await ok.json(), {
    id: "v1",
    model_name: "tiny",
    model_version: "1",
    outputs: [{ name: "y", shape: [1, 3] }],
  });
});

t.test("a binary FP32 request and a binary answer, by hand", async (t) => {
  const { app } = await servePredict(t);
  const x = preprocessPng(tinyPng(rgb), TINY_INPUT);
  const header = JSON.stringify({
    inputs: [{ name: "x", shape: [1, 3, 2, 2], datatype: "FP32", parameters: { binary_data_size: 48 } }],
    parameters: { binary_data_output: true },
  });
  const body = Buffer.concat([Buffer.from(header), Buffer.from(x.buffer, x.byteOffset, x.byteLength)]);
  const res = await app.request("/v2/models/tiny/infer", {
    method: "POST",
    body,
    headers: { "content-type": "application/octet-stream", "inference-header-content-length": String(header.length) },
  });
  t.equal(res.status, 200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = Number(res.headers.get("inference-header-content-length"));
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, n)));
  t.same(head.outputs, [{ name: "y", shape: [1, 3], datatype: "FP32", parameters: { binary_data_size: 12 } }]);
  t.equal(bytes.length, n + 12, "12 bytes of FP32 after the header");
  const json1 = await (await app.request("/v2/models/tiny/infer", json(png()))).json() as {
    outputs: { data: number[] }[];
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset + n, 12);
  [0, 1, 2].forEach((k) =>
    t.ok(Math.abs(dv.getFloat32(k * 4, true) - json1.outputs[0]!.data[k]!) < 1e-5, `logit ${k}`)
  );
});

t.test("a flood gets 429 with Retry-After as /v1 does, and the metrics count what happened", async (t) => {
  const { app, registry } = await servePredict(t, { queue: 4 });
  const responses = await Promise.all(
    Array.from({ length: 200 }, () => app.request("/v2/models/tiny/infer", json(png()))),
  );
  const statuses = new Map<number, number>();
  for (const r of responses) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const ok = statuses.get(200) ?? 0;
  const shed = statuses.get(429) ?? 0;
  t.ok(shed > 0 && ok > 0, `some shed, some answered: ${JSON.stringify([...statuses])}`);
  t.equal(ok + shed, 200, "no other outcome");
  const first = responses.find((r) => r.status === 429)!;
  t.equal(first.headers.get("retry-after"), "1");
  t.match(await first.json(), { error: /the model queue is full \(4 images\)/ });
  const text = await registry.metrics();
  const value = (re: RegExp) => Number(text.match(re)?.[1] ?? NaN);
  t.equal(value(/^nv_inference_request_success\{model="tiny",version="1"\} (\d+)$/m), ok, "successes");
  t.equal(
    value(/^nv_inference_request_failure\{model="tiny",version="1",reason="overloaded"\} (\d+)$/m),
    shed,
    "refusals",
  );
  t.equal(value(/^nv_inference_count\{model="tiny",version="1"\} (\d+)$/m), ok, "inferences");
  const execs = value(/^nv_inference_exec_count\{model="tiny",version="1"\} (\d+)$/m);
  t.ok(execs >= 1 && execs < ok, `executions ${execs} < inferences ${ok}: batches formed`);
  t.equal(value(/^nv_inference_pending_request_count\{model="tiny",version="1"\} (\d+)$/m), 0, "nothing pending after");
  t.equal(value(/^troupe_inference_queue_seconds_count\{model="tiny",version="1"\} (\d+)$/m), ok, "queue histogram");
  t.equal(value(/^troupe_inference_batch_size_count\{model="tiny",version="1"\} (\d+)$/m), execs, "batch histogram");
  t.match(text, /^troupe_inference_compute_seconds_bucket\{le="0.005",model="tiny",version="1"\} \d+$/m);
});
