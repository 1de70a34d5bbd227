/**
 * Reading a topic from its beginning and then as it grows, knowing when the records
 * it held at the start have all been read: a first view (the fleet's roster, a log
 * tail) is then the whole topic, not the part read so far.
 */
import { type ConsumedRecord, type KafkaClient, readTopicFromStart } from "../kafka/mod.ts";

/** A topic being followed. */
export interface FollowedTopic {
  /** Resolves once every record the topic held at the start was handed over, or after `timeoutMs` (default 10 s). */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Hands every record of `topic` to `onRecord`, from its beginning and then as they arrive, until `stop`. */
export async function followTopic(
  client: KafkaClient,
  topic: string,
  onRecord: (record: ConsumedRecord) => void,
): Promise<FollowedTopic> {
  // The last offset of each partition at the start, for the partitions still to be read to there.
  const behind = new Map<number, bigint>();
  let done: () => void = () => {};
  const upToDate = new Promise<void>((resolve) => (done = resolve));
  for (const p of await client.topicOffsets(topic)) {
    if (BigInt(p.high) > BigInt(p.low)) behind.set(p.partition, BigInt(p.high) - 1n);
  }
  if (behind.size === 0) done();
  const reader = await readTopicFromStart(client, topic, (r) => {
    onRecord(r);
    const last = behind.get(r.partition);
    if (last !== undefined && BigInt(r.offset) >= last) {
      behind.delete(r.partition);
      if (behind.size === 0) done();
    }
  });
  return {
    caughtUp: (timeoutMs = 10_000) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      return Promise.race([upToDate, timeout]).finally(() => clearTimeout(timer));
    },
    stop: () => reader.stop(),
  };
}
