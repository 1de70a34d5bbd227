/**
 * The batch consumer's interface, whichever client is behind it: a consumer-group
 * member for at-least-once processing. Whole partition batches are handed to
 * `onBatch`, offsets are committed only when the caller says so (`commit`, never
 * automatically), and partitions can be paused while downstream is full. The next
 * fetch of a partition starts after the last offset `resolve`d in `onBatch`; an
 * unresolved tail is fetched again.
 */

/** One consumed record. */
export interface ConsumedRecord {
  /** The topic it was read from. */
  topic: string;
  /** Its partition. */
  partition: number;
  /** Its offset (a decimal string: offsets go beyond 2^53). */
  offset: string;
  /** The record's key (null: none). */
  key: Uint8Array | null;
  /** The record's value (null: a tombstone). */
  value: Uint8Array | null;
  /** The record's headers, decoded as UTF-8. */
  headers: Record<string, string>;
  /**
   * The record's time in ms since the epoch: the broker's append time on a topic with
   * `message.timestamp.type=LogAppendTime`, the producer's create time otherwise.
   */
  timestamp: number;
}

/** A fetched batch of one partition, in offset order. */
export interface PartitionBatch {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
  /** The records, in offset order. */
  records: ConsumedRecord[];
  /** The next fetch of this partition starts after `offset`. */
  resolve(offset: string): void;
  /** Keeps the group membership alive during long processing; throws on a rebalance. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch is stale (rebalance): leave the rest. */
  active(): boolean;
}

/** A topic-partition. */
export interface TopicPartition {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
}

/** Options of a batch consumer. */
export interface BatchConsumerOptions {
  /** The consumer group to join. */
  groupId: string;
  /** The topics to consume. */
  topics: string[];
  /** Where a group without committed offsets starts. @default true */
  fromBeginning?: boolean;
  /** Handles a batch. A handler that throws ends the member: `onCrash` is called with the error. */
  onBatch(batch: PartitionBatch): Promise<void>;
  /** The group's assignment of this member changed. */
  onAssign?(assigned: TopicPartition[]): void;
  /**
   * The consumer crashed and will not restart by itself: its handler threw, the broker fenced it, or requests that
   * reached a broker kept failing. A broker that cannot be reached at all (restarting, or cut off) is waited for with
   * both clients, however long: a new member would do no better.
   */
  onCrash?(err: unknown): void;
  /**
   * The member stopped reaching the brokers (`false`, with the error: it keeps trying) or a broker answers it again
   * (`true`), once per change: for a node's readiness while it waits out a broker it cannot reach. Only failures to
   * reach a broker (refused, closed or timed-out connections) count: a broker that answers with an error (its group
   * coordinator still loading, say) is reachable.
   */
  onReachable?(reachable: boolean, detail: string): void;
  /** How long the group waits for a silent member before it rebalances, in milliseconds. @default 30000 */
  sessionTimeoutMs?: number;
  /**
   * Static membership (Kafka's `group.instance.id`): a member that comes back under the same id within the session
   * timeout takes its partitions back without a rebalance. Ignored by the kafkajs adapter, which has none.
   */
  groupInstanceId?: string;
  /** The most bytes fetched from one partition per request. @default 1048576 */
  maxBytesPerPartition?: number;
  /**
   * Consumer protocol with a `groupInstanceId`: how long a member refused because the group still holds its id (a
   * killed incarnation's session, 45 s on a default broker) keeps joining again before it fails. @default 60000
   */
  releaseWaitMs?: number;
  /**
   * How long a member keeps joining again while the group's coordinator is not ready (`COORDINATOR_LOAD_IN_PROGRESS`,
   * `COORDINATOR_NOT_AVAILABLE`, `NOT_COORDINATOR`: a new broker creating its offsets topic, a restarted one loading
   * it) before it fails, in milliseconds. kafkajs retries a join itself and restarts its member when the retries run
   * out: its start does not fail on it.
   * @default 60000
   */
  joinWaitMs?: number;
}

/** A running batch consumer. */
export interface BatchConsumer {
  /** The group protocol the member joined with (KIP-848's `consumer`, or `classic`). */
  readonly groupProtocol: "classic" | "consumer";
  /** Stops fetching these partitions (after the batch in hand). */
  pause(tps: TopicPartition[]): void;
  /** Fetches these partitions again. */
  resume(tps: TopicPartition[]): void;
  /** Partitions paused now. */
  paused(): TopicPartition[];
  /** Partitions assigned to this member now. */
  assigned(): TopicPartition[];
  /**
   * Records between each assigned partition's last fetched batch and its high
   * watermark at that fetch, by `topic:partition` (a partition not fetched yet is absent).
   */
  lag(): Record<string, number>;
  /** Commits `offset` (the next offset to read) of each partition. */
  commit(offsets: (TopicPartition & { offset: string })[]): Promise<void>;
  /** Leaves the group and closes the consumer's connections (after the batch in hand). */
  stop(): Promise<void>;
}
