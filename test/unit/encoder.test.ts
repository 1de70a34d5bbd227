import t, { type Test } from "tap";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type Capture, encodeCapture } from "../../protocols/capture.ts";
import { pngEncoder } from "../../actors/simulator/mod.ts";
import type { ProducerMsg } from "../../actors/kafka/mod.ts";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { syntheticImage } from "../../actors/simulator/mod.ts";
import { silentLogger, spawn, startSystem, stateless, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { moduleBeside } from "../../system/platform.ts";

const fast = { backoff: { minMs: 1, maxMs: 5, jitter: 0 } };

function captures(devices: string[], perDevice: number): Capture[] {
  const random = mulberry32(9);
  const out: Capture[] = [];
  for (let seq = 0; seq < perDevice; seq++) {
    for (const deviceId of devices) {
      const fine = (seq * 7 + deviceId.length) % 100;
      out.push({
        deviceId,
        seq,
        imageId: `${deviceId}/${seq}`,
        capturedAt: new Date(1_700_000_000_000 + seq).toISOString(),
        record: { index: seq, coarse: fine % 20, fine, planes: syntheticImage(fine, random) },
      });
    }
  }
  return out;
}

/** An encoder under a supervisor, feeding a collecting producer. */
async function rig(t: Test, options: { threads: number; chunk: number; threadModule?: URL }, producerCapacity = 16) {
  const sys = startSystem({ logger: silentLogger, root: { intensity: 0 } });
  t.teardown(() => sys.shutdown({ deadlineMs: 2000 }));
  const got: { key: string | null; value: string }[] = [];
  // What the encoder's threads forward arrives when their real work is done: waited for as a count, not polled.
  const waiting: { n: number; resolve: () => void }[] = [];
  const received = (n: number) =>
    new Promise<void>((resolve) => got.length >= n ? resolve() : waiting.push({ n, resolve }));
  const producer = await spawn(
    sys.root,
    stateless<ProducerMsg>((m) => {
      if (m.type === "producer.record") {
        got.push({ key: m.key, value: typeof m.value === "string" ? m.value : new TextDecoder().decode(m.value) });
        for (const w of waiting.filter((w) => got.length >= w.n)) w.resolve();
      }
    }),
    { name: "producer", capacity: producerCapacity },
  );
  const sup = await supervise(sys.root, { name: "sim", intensity: 5, ...fast });
  const encoder = await spawn(sup, pngEncoder({ topic: "images", producer, ...options }), {
    name: "encoder",
    capacity: 8,
  });
  return { sys, got, encoder, received };
}

for (const threads of [0, 2]) {
  t.test(`${threads} threads: every capture is forwarded once, in capture order, keyed by device`, async (t) => {
    const { sys, got, encoder, received } = await rig(t, { threads, chunk: 5 });
    const all = captures(["cam-a", "cam-b", "cam-c"], 40);
    for (const capture of all) await encoder.send({ type: "encoder.encode", capture });
    await received(all.length);
    t.equal(got.length, all.length, "no record twice");
    t.same(got.map((g) => g.key), all.map((c) => c.deviceId), "keys in capture order");
    t.ok(got.every((g, i) => g.value === encodeCapture(all[i] as Capture)), "each value is its capture's envelope");
    const info = findInSnapshot(sys.snapshot(), "/troupe/sim/encoder")?.info as Record<string, number>;
    t.equal(info["threads"], threads);
    t.equal(info["encoded"], all.length);
  });
}

t.test("a thread that dies loses nothing: the encoder restarts and re-encodes what was not forwarded", async (t) => {
  const marker = join(mkdtempSync(join(tmpdir(), "troupe-enc-")), "crashed");
  process.env["TROUPE_TEST_ENCODER_MARKER"] = marker;
  t.teardown(() => void delete process.env["TROUPE_TEST_ENCODER_MARKER"]);
  const { sys, got, encoder, received } = await rig(t, {
    threads: 2,
    chunk: 4,
    threadModule: moduleBeside(import.meta.url, "../helpers/faulty_encode_thread"),
  });
  const all = captures(["cam-a", "crash", "cam-c"], 30);
  for (const capture of all) await encoder.send({ type: "encoder.encode", capture });
  await received(all.length);
  const snap = findInSnapshot(sys.snapshot(), "/troupe/sim/encoder");
  t.equal(snap?.restarts, 1, "restarted once");
  t.match(snap?.lastError?.message, /encoder thread exited with code 3/);
  t.equal(got.length, all.length, "nothing twice");
  t.same(
    got.map((g) => JSON.parse(g.value).imageId),
    all.map((c) => c.imageId),
    "nothing lost, still in capture order",
  );
});

t.test("a capture that cannot be encoded is counted and skipped; the rest go on", async (t) => {
  const { sys, got, encoder, received } = await rig(t, { threads: 1, chunk: 3 });
  const all = captures(["cam-a"], 6);
  const bad: Capture = {
    ...(all[2] as Capture),
    record: { ...(all[2] as Capture).record, planes: null as unknown as Uint8Array },
  };
  for (const capture of [...all.slice(0, 2), bad, ...all.slice(3)]) {
    await encoder.send({ type: "encoder.encode", capture });
  }
  await received(5);
  t.same(got.map((g) => JSON.parse(g.value).seq), [0, 1, 3, 4, 5]);
  const snap = findInSnapshot(sys.snapshot(), "/troupe/sim/encoder");
  t.equal((snap?.info as Record<string, number>)["failed"], 1);
  t.equal(snap?.restarts, 0, "a bad capture is not a crash");
});

t.test("a graceful stop hands on every capture already taken", async (t) => {
  const { sys, got, encoder } = await rig(t, { threads: 2, chunk: 8 }, 400);
  const all = captures(["cam-a", "cam-b"], 60);
  for (const capture of all) await encoder.send({ type: "encoder.encode", capture });
  t.ok(
    got.length < all.length,
    `the stop comes while captures are still being encoded (${got.length} of ${all.length} forwarded)`,
  );
  await sys.shutdown({ deadlineMs: 10_000 });
  t.equal(got.length, all.length, "every capture reached the producer");
  t.same(got.map((g) => JSON.parse(g.value).imageId), all.map((c) => c.imageId), "in capture order");
});
