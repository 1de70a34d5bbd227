// The inference sink never leaves its source waiting on tokens it held when it fails: a chunk it could not finish is
// handed back to retry (the topic consumer hands it again, to the restarted sink), and only then does it fail.
import t from "tap";
import { inferSink } from "../../actors/inference/infer_sink.ts";
import type { ModelPoolMsg } from "../../actors/inference/model_pool.ts";
import type { Ack, AckReply } from "../../protocols/ack.ts";
import type { RecordOut } from "../../protocols/record_out.ts";
import { MailboxClosed, stateless } from "../../system/mod.ts";
import { createTestKit } from "../../system/testkit.ts";

const image = (imageId: string) => ({ imageId, capturedAt: "2026-12-07T19:00:00.000Z", png: new Uint8Array(8) });

t.test("a sink whose pool is gone hands its chunk back to retry, then fails", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const pool = await kit.run(stateless<ModelPoolMsg>(() => {}), { supervisorName: "pool" });
  await pool.stop();
  const results = kit.probe<RecordOut>("results");
  const source = kit.probe<AckReply>("source");
  const sink = await kit.run(
    inferSink({ results: results.ref, inferencesTopic: "inferences", pool: pool.ref, timeoutMs: 1_000 }),
    { supervisorName: "sink" },
  );
  const acks = ["a", "b"] as unknown as Ack[];
  await sink.send({ type: "infer.images", images: [image("cam/1"), image("cam/2")], acks, replyTo: source.ref });
  t.same(await source.expectMessage(), { type: "ack", done: [], retry: acks }, "both tokens handed back");
  await kit.settle();
  t.equal(sink.failures.length, 1, "then it failed (its supervisor restarts it)");
  t.ok(sink.failures[0] instanceof MailboxClosed, "because the pool's mailbox is closed");
  await results.expectNoMessage();
});
