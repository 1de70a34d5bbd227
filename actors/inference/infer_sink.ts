/**
 * The inference sink: takes decoded images with their acknowledgement tokens
 * (protocols/ack.ts), sends them to the model pool together (so batches form), and
 * hands each result, keyed by image id and carrying its image's token, to a sink of
 * records (protocols/record_out.ts; the inference role's is a Kafka producer on the
 * inferences topic), which answers the token `done` once the result is written. An
 * image the pool fails (bad pixels, or its worker failed twice) is answered
 * `refused` with the reason, so its source dead-letters it and nothing blocks. While
 * the pool's queue is full the sink waits, its own mailbox fills, and its source
 * pauses. It knows nothing of Kafka.
 */
import { type Ack, type AckRefusal, type AckReply, answerSource } from "../../protocols/ack.ts";
import type { HopReporter } from "../../protocols/hops.ts";
import { encodeInferenceEnvelope, INFERENCE_ENVELOPE_VERSION } from "../../protocols/inference_envelope.ts";
import { childTraceparent, TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import { type ActorContext, type ActorRef, type Behaviour, errorMessage, replyAddress } from "../../system/mod.ts";
import type { RecordOut } from "../../protocols/record_out.ts";
import type { ModelPoolMsg, PoolReply } from "./model_pool.ts";

/** An image of the images topic, decoded and verified. */
export interface ImageItem {
  /** The image's id. */
  imageId: string;
  /** When it was captured (ISO time), carried into its result. */
  capturedAt: string;
  /** The PNG bytes. */
  png: Uint8Array;
  /** The record's W3C trace context; the result's record carries a child of it. */
  traceparent?: string;
}

/** Messages of the sink: images to classify, one token each. */
export type InferSinkMsg = { type: "infer.images"; images: ImageItem[]; acks: Ack[]; replyTo: ActorRef<AckReply> };

/** Options of {@link inferSink}. */
export interface InferSinkOptions {
  /** Where the results go: a sink of records (a Kafka producer actor), which answers their tokens once written. */
  results: ActorRef<RecordOut>;
  /** The results' topic. */
  inferencesTopic: string;
  /** The model pool that classifies the images. */
  pool: ActorRef<ModelPoolMsg>;
  /** Longest wait for one image's result, ms. */
  timeoutMs: number;
  /** Counts images classified (`inferred`), shared with the consumer's figures. */
  stats?: { inferred: number };
  /** Told each image inferred (protocols/hops.ts). */
  hops?: HopReporter;
}

/** The sink's behaviour. */
export function inferSink(options: InferSinkOptions): Behaviour<InferSinkMsg, null> {
  const stats = options.stats ?? { inferred: 0 };

  /**
   * Sends one image to the pool (waiting while its queue is full); the reply, awaited with the rest of its chunk
   * (wrapped: an async function's promise would wait for it), never rejects.
   */
  const submit = async (ctx: ActorContext<InferSinkMsg>, image: ImageItem): Promise<{ reply: Promise<PoolReply> }> => {
    const address = replyAddress<PoolReply>(options.pool, options.timeoutMs);
    const msg: ModelPoolMsg = {
      type: "pool.infer",
      png: image.png,
      replyTo: address.ref,
      ...(image.traceparent ? { traceparent: image.traceparent } : {}),
    };
    await options.pool.send(msg, { signal: ctx.signal });
    address.arm();
    return {
      reply: address.reply.catch((err: unknown): PoolReply => ({
        type: "pool.result",
        ok: false,
        reason: "worker_hung",
        message: errorMessage(err),
      })),
    };
  };

  return {
    init: () => null,
    async receive(state, msg, ctx) {
      // Tokens now in someone else's hands (a result record, answered by the sink of records) or answered.
      const passed = new Set<Ack>();
      try {
        await classify(ctx, msg, passed);
      } catch (err) {
        // The chunk is not finished: what this sink still holds goes back to the source to retry (to the next
        // incarnation), so no token is left unanswered; then the failure is the supervisor's.
        const retry = msg.acks.filter((a) => !passed.has(a));
        if (retry.length > 0) await answerSource(msg.replyTo, { type: "ack", done: [], retry }, ctx.log);
        throw err;
      }
      return state;
    },
    describe: () => ({ inferred: stats.inferred }),
  };

  /** Classifies a chunk, hands each result to the sink of records and answers the refused; `passed` gets each token. */
  async function classify(ctx: ActorContext<InferSinkMsg>, msg: InferSinkMsg, passed: Set<Ack>): Promise<void> {
    const replies: Promise<PoolReply>[] = [];
    for (const image of msg.images) replies.push((await submit(ctx, image)).reply);
    const refused: AckRefusal[] = [];
    const results: { image: ImageItem; reply: Extract<PoolReply, { ok: true }>; ack: Ack }[] = [];
    for (let i = 0; i < replies.length; i++) {
      const reply = await replies[i]!;
      const image = msg.images[i]!;
      if (reply.ok) {
        results.push({ image, reply, ack: msg.acks[i]! });
        options.hops?.("inferred", image.traceparent, Date.now());
      } else {
        refused.push({
          ack: msg.acks[i]!,
          reason: reply.reason === "bad_image" ? "not_png" : "inference_failed",
          detail: `${reply.reason}: ${reply.message}`,
        });
      }
    }
    // Each result carries its image's token: the sink of records answers it once the result is written.
    for (const { image, reply, ack } of results) {
      const record: RecordOut = {
        type: "producer.record",
        topic: options.inferencesTopic,
        key: image.imageId,
        // The result is the next hop of the image's trace (a new trace when the image came without one).
        headers: { [TRACEPARENT_HEADER]: childTraceparent(image.traceparent) },
        value: encodeInferenceEnvelope({
          v: INFERENCE_ENVELOPE_VERSION,
          imageId: image.imageId,
          model: reply.model,
          top: reply.top,
          latencyMs: reply.latencyMs,
          inferredAt: new Date().toISOString(),
          capturedAt: image.capturedAt,
        }),
        ack,
        replyTo: msg.replyTo,
      };
      await options.results.send(record, { signal: ctx.signal });
      passed.add(ack);
    }
    stats.inferred += results.length;
    if (refused.length > 0) await answerSource(msg.replyTo, { type: "ack", done: [], refused }, ctx.log);
    for (const r of refused) passed.add(r.ack);
  }
}
