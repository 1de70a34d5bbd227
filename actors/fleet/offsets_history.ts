/**
 * The pipeline's offsets over time, as the brokers report them: every few seconds,
 * each watched topic's log end offsets and each watched group's committed offsets,
 * kept for a quarter of an hour. From them come the flow's rates (records written to
 * a topic, records a group committed, per second), each group's lag and its status
 * (group_status.ts), and the throughput chart. Read from Kafka alone: a node that is
 * down cannot hide its group's lag.
 */
import { errorMessage, type Logger, silentLogger } from "../../system/mod.ts";
import { type CommittedOffset, partitionLag, type PartitionOffsets } from "../kafka/mod.ts";
import type { GroupSample, PartitionSample } from "./group_status.ts";

/** What the history reads offsets with (a `KafkaClient` has both). */
export interface OffsetsReader {
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
}

/** A group and the topics it reads. */
export interface WatchedGroup {
  groupId: string;
  topics: string[];
}

/** One round of reads. */
export interface OffsetsSample {
  atMs: number;
  /** Log end offsets summed over each topic's partitions. */
  topicEnds: Record<string, number>;
  /** Each group's partitions. */
  groups: Record<string, PartitionSample[]>;
}

/** Options of {@link OffsetsHistory}. */
export interface OffsetsHistoryOptions {
  reader: OffsetsReader;
  /** What to watch now (asked at each round: groups come and go with the fleet). */
  watched(): { topics: string[]; groups: WatchedGroup[] };
  /** How long samples are kept. @default 900000 (15 min) */
  keepMs?: number;
  log?: Logger;
}

/** Samples kept over a window, oldest first. */
export class OffsetsHistory {
  readonly #o: OffsetsHistoryOptions;
  readonly #samples: OffsetsSample[] = [];
  #warned = false;

  constructor(options: OffsetsHistoryOptions) {
    this.#o = options;
  }

  /** Reads every watched topic and group once, at `atMs`; a failed read is logged once per streak and skipped. */
  async sample(atMs: number): Promise<void> {
    const { topics, groups } = this.#o.watched();
    try {
      const ends = new Map<string, PartitionOffsets[]>();
      const all = new Set([...topics, ...groups.flatMap((g) => g.topics)]);
      await Promise.all([...all].map(async (t) => ends.set(t, await this.#o.reader.topicOffsets(t))));
      const sample: OffsetsSample = { atMs, topicEnds: {}, groups: {} };
      for (const [t, parts] of ends) sample.topicEnds[t] = parts.reduce((s, p) => s + Number(p.high), 0);
      await Promise.all(groups.map(async (g) => {
        const rows: PartitionSample[] = [];
        for (const topic of g.topics) {
          const committed = new Map(
            (await this.#o.reader.committedOffsets(g.groupId, topic)).map((c) => [c.partition, c.offset]),
          );
          for (const e of ends.get(topic) ?? []) {
            const c = committed.get(e.partition) ?? null;
            const lag = partitionLag(e, c);
            rows.push({
              topic,
              partition: e.partition,
              committed: c === null ? null : Number(c),
              high: Number(e.high),
              lag,
            });
          }
        }
        sample.groups[g.groupId] = rows;
      }));
      this.add(sample);
      this.#warned = false;
    } catch (err) {
      if (!this.#warned) {
        (this.#o.log ?? silentLogger).warn("offsets not readable: the fleet's rates and lag are as of the last read", {
          error: errorMessage(err),
        });
      }
      this.#warned = true;
    }
  }

  /** Adds a sample read elsewhere (and drops what is older than the window). */
  add(sample: OffsetsSample): void {
    this.#samples.push(sample);
    const keepMs = this.#o.keepMs ?? 900_000;
    while (this.#samples.length > 0 && this.#samples[0]!.atMs < sample.atMs - keepMs) this.#samples.shift();
  }

  /** Every sample kept, oldest first. */
  samples(): readonly OffsetsSample[] {
    return this.#samples;
  }
}

/** One group's samples, oldest first (rounds where it was not watched left out): what judgeGroup reads. */
export function groupSamplesOf(samples: readonly OffsetsSample[], groupId: string): GroupSample[] {
  return samples.flatMap((s) => {
    const partitions = s.groups[groupId];
    return partitions ? [{ atMs: s.atMs, partitions }] : [];
  });
}

/** Records per second written to `topic` over the last `spanMs` of samples (null: fewer than two samples have it). */
export function topicRate(samples: readonly OffsetsSample[], topic: string, spanMs = 10_000): number | null {
  return rateOf(samples, spanMs, (s) => s.topicEnds[topic]);
}

/** Records per second `groupId` committed on `topic` over the last `spanMs` of samples. */
export function groupRate(
  samples: readonly OffsetsSample[],
  groupId: string,
  topic: string,
  spanMs = 10_000,
): number | null {
  return rateOf(samples, spanMs, (s) => committedSum(s, groupId, topic));
}

/** The group's committed offsets on `topic` summed over partitions (a partition never committed: its low offset). */
export function committedSum(sample: OffsetsSample, groupId: string, topic: string): number | undefined {
  const parts = sample.groups[groupId]?.filter((p) => p.topic === topic);
  if (!parts || parts.length === 0) return undefined;
  return parts.reduce((s, p) => s + (p.committed ?? p.high - p.lag), 0);
}

/** The rate between the latest sample and the oldest within `spanMs` before it (at least the one before it). */
function rateOf(
  samples: readonly OffsetsSample[],
  spanMs: number,
  value: (s: OffsetsSample) => number | undefined,
): number | null {
  let later: { atMs: number; v: number } | null = null;
  let earlier: { atMs: number; v: number } | null = null;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i]!;
    const v = value(s);
    if (v === undefined) continue;
    if (later === null) later = { atMs: s.atMs, v };
    else if (earlier === null || s.atMs >= later.atMs - spanMs) earlier = { atMs: s.atMs, v };
    else break;
  }
  if (!later || !earlier || later.atMs <= earlier.atMs) return null;
  return Math.round((Math.max(0, later.v - earlier.v) / ((later.atMs - earlier.atMs) / 1000)) * 10) / 10;
}
