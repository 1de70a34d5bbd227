import { Buffer } from "node:buffer";
import { encode as encodePng } from "fast-png";
import t, { type Test } from "tap";
import { findInSnapshot } from "../../system/observe.ts";
import { moduleBeside } from "../../system/platform.ts";
import { tinyExpected, tinyPng } from "../helpers/tiny_model.ts";
import { servePredict } from "../helpers/predict.ts";

/** The tiny model behind the API, with bodies limited to 4096 bytes and images to 64 pixels a side. */
const setup = (t: Test, over: { queue?: number; workers?: number; engineModule?: string } = {}) =>
  servePredict(t, { ...over, maxBodyBytes: 4096 });

const rgb = [10, 200, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
const post = (body: string | Uint8Array, type: string): RequestInit => ({
  method: "POST",
  body: body as BodyInit,
  headers: { "content-type": type },
});
type Ok = {
  model: string;
  untrained: boolean;
  top: { index: number; label: string; prob: number }[];
  latencyMs: number;
};

t.test("PNG and base64 JSON bodies get the model's top classes", async (t) => {
  const { app, model } = await setup(t);
  const want = tinyExpected(rgb);
  const order = [0, 1, 2].sort((a, b) => want[b]! - want[a]!);
  for (
    const req of [
      post(tinyPng(rgb), "image/png"),
      post(JSON.stringify({ image: Buffer.from(tinyPng(rgb)).toString("base64") }), "application/json"),
    ]
  ) {
    const res = await app.request("/v1/predict", req);
    t.equal(res.status, 200);
    const body = (await res.json()) as Ok;
    t.equal(body.model, "tiny");
    t.equal(body.untrained, false);
    t.same(body.top.map((c) => c.index), order.slice(0, 2), "top-2 in order");
    t.same(body.top.map((c) => c.label), order.slice(0, 2).map((i) => ["cat", "dog", "eel"][i]));
    t.ok(Math.abs(body.top[0]!.prob - want[order[0]!]!) < 1e-5, "probability matches the model's exact output");
  }
  const m = await app.request("/v1/models");
  t.same(await m.json(), model);
});

t.test("bad input gets a 4xx naming the problem", async (t) => {
  const { app } = await setup(t);
  const png = tinyPng(rgb);
  const huge = encodePng({ width: 8, height: 8, data: new Uint8Array(192), channels: 3, depth: 8 });
  new DataView(huge.buffer, huge.byteOffset).setUint32(16, 100_000);
  const cases: [string, RequestInit, number, string, RegExp][] = [
    ["not a PNG", post("GIF89a, certainly not a png file", "image/png"), 400, "not_png", /PNG signature is missing/],
    ["truncated PNG", post(png.subarray(0, 45), "image/png"), 400, "bad_image", /PNG does not decode/],
    [
      "huge declared size",
      post(huge, "image/png"),
      400,
      "too_large",
      /image is 100000x8: each side must be 1 to 64 pixels/,
    ],
    [
      "invalid base64",
      post(JSON.stringify({ image: "not*base64" }), "application/json"),
      400,
      "bad_base64",
      /not padded base64/,
    ],
    [
      "JSON without image",
      post(JSON.stringify({ picture: "x" }), "application/json"),
      400,
      "bad_request",
      /must be \{ "image"/,
    ],
    ["malformed JSON", post("{", "application/json"), 400, "bad_request", /not valid JSON/],
    ["oversize body", post(new Uint8Array(5000), "image/png"), 413, "body_too_large", /larger than 4096 bytes/],
    ["wrong content type", post("hello", "text/plain"), 415, "unsupported_media_type", /got 'text\/plain'/],
  ];
  for (const [name, req, status, code, message] of cases) {
    const res = await app.request("/v1/predict", req);
    t.equal(res.status, status, `${name}: status`);
    const body = (await res.json()) as { error: { code: string; message: string } };
    t.equal(body.error.code, code, `${name}: code`);
    t.match(body.error.message, message, `${name}: message`);
  }
  t.equal((await app.request("/v1/predict", post(png, "image/png"))).status, 200, "the node still answers");
});

t.test("a flood gets 429 with Retry-After beyond the queue; memory stays bounded", async (t) => {
  const { app, sys } = await setup(t, { queue: 4 });
  const png = tinyPng(rgb);
  const rssBefore = process.memoryUsage().rss;
  let maxDepth = 0;
  const watch = setInterval(() => {
    const d = findInSnapshot(sys.snapshot(), "/troupe/model_pool/pool")?.mailbox?.depth ?? 0;
    maxDepth = Math.max(maxDepth, d);
  }, 1);
  const responses = await Promise.all(
    Array.from({ length: 300 }, () => app.request("/v1/predict", post(png, "image/png"))),
  );
  clearInterval(watch);
  const statuses = new Map<number, number>();
  for (const r of responses) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  t.ok((statuses.get(429) ?? 0) > 0, `some requests were shed: ${JSON.stringify([...statuses])}`);
  t.ok((statuses.get(200) ?? 0) > 0, "others were answered");
  t.equal((statuses.get(200) ?? 0) + (statuses.get(429) ?? 0), 300, "no other outcome");
  const shed = responses.find((r) => r.status === 429)!;
  t.equal(shed.headers.get("retry-after"), "1");
  t.same(((await shed.json()) as { error: { code: string } }).error.code, "overloaded");
  t.ok(maxDepth <= 4, `the pool's queue never passed its capacity (max seen ${maxDepth})`);
  t.ok(process.memoryUsage().rss - rssBefore < 200 * 1048576, "RSS did not balloon");
});

t.test("a killed worker is replaced and the API keeps answering", async (t) => {
  const { app, sys } = await setup(t, { engineModule: moduleBeside(import.meta.url, "../helpers/faulty_engine").href });
  const killer = tinyPng([251, ...rgb.slice(1)]);
  const res = await app.request("/v1/predict", post(killer, "image/png"));
  t.equal(res.status, 503);
  t.equal(((await res.json()) as { error: { code: string } }).error.code, "worker_crashed");
  const ok = await app.request("/v1/predict", post(tinyPng(rgb), "image/png"));
  t.equal(ok.status, 200, "answered by the replacement worker");
  t.ok(
    (findInSnapshot(sys.snapshot(), "/troupe/model_pool/worker_0")?.restarts ?? 0) >= 2,
    "the worker was restarted (the image was retried once)",
  );
});

t.test("a request's traceparent reaches the pool: its trace id shows in the pool's message trace (v1 and v2)", async (t) => {
  const { app, sys } = await setup(t);
  const pool = "/troupe/model_pool/pool";
  sys.startTrace(pool);
  const v1 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const v2 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const png = post(tinyPng(rgb), "image/png");
  t.equal((await app.request("/v1/predict", { ...png, headers: { ...png.headers, traceparent: v1 } })).status, 200);
  const body = JSON.stringify({
    inputs: [{ name: "image", shape: [1], datatype: "BYTES", data: [Buffer.from(tinyPng(rgb)).toString("base64")] }],
  });
  const r2 = await app.request("/v2/models/tiny/infer", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", traceparent: v2 },
  });
  t.equal(r2.status, 200, await r2.clone().text());
  await app.request("/v1/predict", { ...png, headers: { ...png.headers, traceparent: "not-a-traceparent" } });
  const entries = sys.trace(pool)!.entries.filter((e) => e.type === "pool.infer");
  t.same(entries.map((e) => e.traceIds), [
    ["4bf92f3577b34da6a3ce929d0e0e4736"],
    ["0af7651916cd43dd8448eb211c80319c"],
    [],
  ]);
});
