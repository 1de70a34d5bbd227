import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { PoolReply } from "../../actors/inference/model_pool.ts";
import { type ModelPoolTreeOptions, startModelPoolTree } from "../../actors/inference/pool_tree.ts";
import { ask, AskTimeout, silentLogger, startSystem } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { moduleBeside } from "../../system/platform.ts";
import { infer as inferPng } from "../../actors/inference/mod.ts";
import { TINY_INPUT, tinyExpected, tinyPng, writeTinyModel } from "../helpers/tiny_model.ts";
import { until } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "troupe-pool-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const modelPath = join(dir, "tiny.onnx");
writeTinyModel(modelPath);

function options(over: Partial<ModelPoolTreeOptions> = {}): ModelPoolTreeOptions {
  return {
    modelPath,
    modelName: "tiny",
    input: TINY_INPUT,
    workers: 2,
    intraOpThreads: 1,
    maxBatch: 8,
    maxDelayMs: 20,
    batchTimeoutMs: 5_000,
    queue: 64,
    topK: 3,
    labels: ["a", "b", "c"],
    outputs: "logits",
    ...over,
  };
}

const image = (seed: number) => Array.from({ length: 12 }, (_, i) => (seed * 31 + i * 17) % 250);
// The library's typed helper (actors/inference/infer.ts), as an embedding service calls the pool.
const infer = (pool: Awaited<ReturnType<typeof startModelPoolTree>>["pool"], rgb: number[]) =>
  inferPng(pool, tinyPng(rgb), { timeoutMs: 20_000 });

t.test("concurrent requests form batches larger than one, and each caller gets its own exact result", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const tree = await startModelPoolTree(sys.root, options());
  t.same(tree.info.output, { name: "y", classes: 3 });
  const images = Array.from({ length: 40 }, (_, i) => image(i));
  const replies = await Promise.all(images.map((rgb) => infer(tree.pool, rgb)));
  replies.forEach((r, i) => {
    if (!r.ok) return t.fail(r.message);
    const want = tinyExpected(images[i]!);
    const got = [0, 1, 2].map((k) => r.top.find((c) => c.index === k)!.prob);
    t.ok(
      got.every((p, k) => Math.abs(p - want[k]!) < 1e-5),
      `image ${i}: ${got.map((p) => p.toFixed(4))} = ${want.map((p) => p.toFixed(4))}`,
    );
    t.equal(r.top[0]!.label, ["a", "b", "c"][r.top[0]!.index]);
  });
  const sizes = Object.keys(tree.stats.batchSizes).map(Number);
  t.ok(Math.max(...sizes) > 1, `batches larger than one formed: ${JSON.stringify(tree.stats.batchSizes)}`);
  t.equal(tree.stats.images, 40);
});

t.test("a bad image fails alone; the rest of its batch is answered", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const tree = await startModelPoolTree(sys.root, options({ workers: 1 }));
  const bad = ask<Parameters<typeof tree.pool.send>[0], PoolReply>(
    tree.pool,
    (replyTo) => ({ type: "pool.infer", png: new Uint8Array([1, 2, 3]), replyTo }),
    { timeoutMs: 20_000 },
  );
  const [b, g] = await Promise.all([bad, infer(tree.pool, image(1))]);
  t.same(b.ok ? null : [b.reason, b.message], ["bad_image", "not a PNG: the PNG signature is missing"]);
  t.equal(g.ok, true);
});

t.test("a killed worker is replaced, its images retried once, and the pool keeps answering", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const engineModule = moduleBeside(import.meta.url, "../helpers/faulty_engine").href;
  const tree = await startModelPoolTree(sys.root, options({ workers: 1, engineModule, maxDelayMs: 1 }));
  const killer = [251, ...image(2).slice(1)];
  const r = await infer(tree.pool, killer);
  t.same(r.ok ? null : r.reason, "worker_crashed", "the image that kills its worker twice is failed with the reason");
  t.equal(tree.stats.retried, 1, "it was retried once");
  const worker = await until("worker restarted", () => {
    const w = findInSnapshot(sys.snapshot(), "/troupe/model_pool/worker_0");
    return w && w.restarts >= 2 && w.status === "running" ? w : undefined;
  });
  t.equal(worker.lastError?.code, "TROUPE_ERR_WORKER_LOST");
  const after = await infer(tree.pool, image(3));
  t.equal(after.ok, true, "the replacement worker answers");
});

t.test("an image that kills its worker fails alone: the images batched with it get their results", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const engineModule = moduleBeside(import.meta.url, "../helpers/faulty_engine").href;
  const tree = await startModelPoolTree(sys.root, options({ workers: 1, engineModule, maxDelayMs: 50 }));
  const images = Array.from({ length: 8 }, (_, i) => (i === 3 ? [251, ...image(i).slice(1)] : image(i)));
  const replies = await Promise.all(images.map((rgb) => infer(tree.pool, rgb)));
  t.same(replies.map((r) => (r.ok ? "ok" : r.reason)), ["ok", "ok", "ok", "worker_crashed", "ok", "ok", "ok", "ok"]);
  t.ok(
    replies.every((r, i) =>
      i === 3 || (r.ok && Math.abs(r.top.find((c) => c.index === 0)!.prob - tinyExpected(images[i]!)[0]!) < 1e-5)
    ),
  );
});

t.test("a hung worker is terminated after the batch timeout and replaced", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const engineModule = moduleBeside(import.meta.url, "../helpers/faulty_engine").href;
  const tree = await startModelPoolTree(
    sys.root,
    options({ workers: 1, engineModule, maxDelayMs: 1, batchTimeoutMs: 300 }),
  );
  const r = await infer(tree.pool, [252, ...image(4).slice(1)]);
  t.same(r.ok ? null : r.reason, "worker_hung");
  t.equal((await infer(tree.pool, image(5))).ok, true);
});

t.test("a model that does not fit the configured input stops the start with a clear error", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  await t.rejects(startModelPoolTree(sys.root, options({ input: { ...TINY_INPUT, width: 224, height: 224 } })), {
    code: "TROUPE_ERR_MODEL",
    message: /model input 'x' is float32 \[N, 3, 2, 2\]: the configuration expects float32 \[N, 3, 224, 224\]/,
  });
});

t.test("infer(): the pool's reply, or AskTimeout when no answer comes in time", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const tree = await startModelPoolTree(sys.root, options({ workers: 1 }));
  const r = await inferPng(tree.pool, tinyPng(image(3)), { timeoutMs: 20_000, raw: true });
  t.ok(r.ok && r.top.length === 3, "every class's score with raw");
  // A suspended pool takes the request and answers nothing: the caller's deadline ends the wait.
  await sys.control(tree.pool.path, "suspend");
  await t.rejects(inferPng(tree.pool, tinyPng(image(4)), { timeoutMs: 200 }), AskTimeout);
  await sys.control(tree.pool.path, "resume");
});
