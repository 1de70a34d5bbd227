/**
 * A member's assigned partitions, each with an epoch that changes when the partition
 * is (re)assigned: a batch fetched under one epoch is stale once its partition's
 * epoch moved on. The classic protocol's rebalances are eager (every partition is
 * given up and assigned anew: every epoch moves); the consumer protocol (KIP-848)
 * moves only the partitions that changed hands, so the others keep their positions
 * and their batches in hand.
 */
import type { TopicPartition } from "../batch_consumer.ts";

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** The assignment and its epochs. */
export class Assignment {
  #list: TopicPartition[] = [];
  readonly #epochs = new Map<string, number>();
  #next = 1;

  /** The assigned partitions. */
  get list(): TopicPartition[] {
    return this.#list;
  }

  /** The epoch of a partition now; undefined when it is not assigned. */
  epochOf(key: string): number | undefined {
    return this.#epochs.get(key);
  }

  has(key: string): boolean {
    return this.#epochs.has(key);
  }

  /**
   * Takes `next` as the assignment. With `eager`, every partition starts a new epoch (a classic rebalance);
   * otherwise only the partitions added do. Returns the keys of the partitions that start a new epoch, or null when
   * nothing changed.
   */
  update(next: TopicPartition[], eager: boolean): string[] | null {
    const keys = new Map(next.map((tp) => [partitionKey(tp.topic, tp.partition), tp] as const));
    const same = keys.size === this.#epochs.size && [...keys.keys()].every((k) => this.#epochs.has(k));
    if (same && !eager) return null;
    for (const k of [...this.#epochs.keys()]) if (!keys.has(k)) this.#epochs.delete(k);
    const started: string[] = [];
    for (const k of keys.keys()) {
      if (eager || !this.#epochs.has(k)) {
        this.#epochs.set(k, this.#next++);
        started.push(k);
      }
    }
    this.#list = [...keys.values()];
    return started;
  }
}

/** The package's `{topic, partitions}` assignment as partitions. */
export function flatAssignment(
  assignments: readonly { topic: string; partitions: readonly number[] }[] | null | undefined,
): TopicPartition[] {
  return (assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
}
