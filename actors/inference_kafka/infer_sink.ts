/**
 * The inference sink: takes decoded images with their acknowledgement tokens
 * (protocols/ack.ts), sends them to the model pool together (so batches form),
 * produces the results to the inferences topic keyed by image id, and only after
 * Kafka acknowledged them answers the tokens `done`. An image the pool fails (bad
 * pixels, or its worker failed twice) is answered `refused` with the reason, so its
 * source dead-letters it and nothing blocks the partition. While the pool's queue is
 * full the sink waits, its own mailbox fills, and its source pauses.
 */
import type { Ack, AckRefusal, AckReply } from "../../protocols/ack.ts";
import type { HopReporter } from "../../protocols/hops.ts";
import { encodeInferenceEnvelope, INFERENCE_ENVELOPE_VERSION } from "../../protocols/inference_envelope.ts";
import { childTraceparent, TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import {
  type ActorContext,
  type ActorRef,
  type Behaviour,
  errorMessage,
  MailboxClosed,
  replyAddress,
} from "../../system/mod.ts";
import type { ModelPoolMsg, PoolReply } from "../inference/mod.ts";
import { createKafkaClient, type KafkaClient, type KafkaConnection, type KafkaProducer } from "../kafka/mod.ts";

/** An image of the images topic, decoded and verified. */
export interface ImageItem {
  imageId: string;
  capturedAt: string;
  png: Uint8Array;
  traceparent?: string;
}

/** Messages of the sink: images to classify, one token each. */
export type InferSinkMsg = { type: "infer.images"; images: ImageItem[]; acks: Ack[]; replyTo: ActorRef<AckReply> };

/** Options of {@link inferSink}. */
export interface InferSinkOptions {
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /** Where the results go. */
  inferencesTopic: string;
  pool: ActorRef<ModelPoolMsg>;
  /** Longest wait for one image's result, ms. */
  timeoutMs: number;
  /** Counts images classified (`inferred`), shared with the consumer's figures. */
  stats?: { inferred: number };
  /** Told each image inferred and its result produced (protocols/hops.ts). */
  hops?: HopReporter;
}

interface State {
  client: KafkaClient;
  producer: KafkaProducer;
}

/** The sink's behaviour. */
export function inferSink(options: InferSinkOptions): Behaviour<InferSinkMsg, State> {
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

  /** Sends the results with acks=all; resolves once the brokers have them. */
  const produce = (state: State, results: { image: ImageItem; reply: Extract<PoolReply, { ok: true }> }[]) =>
    state.producer.send(
      options.inferencesTopic,
      results.map(({ image, reply }) => ({
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
      })),
    );

  return {
    async init() {
      const client = createKafkaClient({ ...options.connection, brokers: options.brokers });
      return { client, producer: await client.producer() };
    },
    async receive(state, msg, ctx) {
      const replies: Promise<PoolReply>[] = [];
      for (const image of msg.images) replies.push((await submit(ctx, image)).reply);
      const done: Ack[] = [];
      const refused: AckRefusal[] = [];
      const results: { image: ImageItem; reply: Extract<PoolReply, { ok: true }> }[] = [];
      for (let i = 0; i < replies.length; i++) {
        const reply = await replies[i]!;
        const image = msg.images[i]!;
        if (reply.ok) {
          results.push({ image, reply });
          done.push(msg.acks[i]!);
          options.hops?.("inferred", image.traceparent, Date.now());
        } else {
          refused.push({
            ack: msg.acks[i]!,
            reason: reply.reason === "bad_image" ? "not_png" : "inference_failed",
            detail: `${reply.reason}: ${reply.message}`,
          });
        }
      }
      if (results.length > 0) {
        try {
          await produce(state, results);
        } catch (err) {
          // Kafka did not take the results: the images are handed back and classified again later.
          ctx.log.warn("results not produced: handed back to retry", { error: errorMessage(err), images: done.length });
          await answer(ctx, msg.replyTo, { type: "ack", done: [], refused, retry: done });
          return state;
        }
        const sentAt = Date.now();
        for (const r of results) options.hops?.("result_produced", r.image.traceparent, sentAt);
      }
      stats.inferred += results.length;
      await answer(ctx, msg.replyTo, { type: "ack", done, refused });
      return state;
    },
    async stop(state) {
      await state.producer.close().catch(() => {});
      await state.client.close().catch(() => {});
    },
    describe: () => ({ inferred: stats.inferred }),
  };
}

/** The answer, waiting for room in the source's mailbox; a stopping source replays what it did not hear of. */
async function answer(ctx: ActorContext<InferSinkMsg>, to: ActorRef<AckReply>, reply: AckReply): Promise<void> {
  await to.send(reply).catch((err: unknown) => {
    if (!(err instanceof MailboxClosed)) throw err;
    ctx.log.debug("answer not delivered: the source is stopping", { done: reply.done.length });
  });
}
