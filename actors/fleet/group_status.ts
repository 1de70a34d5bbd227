/**
 * A consumer group's health in Burrow's terms, judged from its committed offsets
 * and the partitions' high watermarks sampled over a sliding window (LinkedIn's
 * Burrow judges the same way, per partition, from the offsets a group commits):
 *
 * - `OK`: the group keeps up (lag zero at some point in the window, or not growing);
 * - `WARN`: the committed offset moves but the lag grew at every sample of the window;
 * - `STALL`: the committed offset did not move over the whole window while lag stayed above zero;
 * - `STOP`: no live member (the fleet's roster says who is live).
 *
 * Pure and given the samples, so tests run on virtual time. The group's status is
 * its worst partition's.
 */

/** A group's status. */
export type GroupStatus = "OK" | "WARN" | "STALL" | "STOP";

/** One partition's offsets at one sample. */
export interface PartitionSample {
  topic: string;
  partition: number;
  /** The group's committed offset (null: it never committed on this partition). */
  committed: number | null;
  /** The log end offset. */
  high: number;
  /** Records the group has still to read. */
  lag: number;
}

/** A group's offsets read at `atMs`. */
export interface GroupSample {
  atMs: number;
  partitions: PartitionSample[];
}

/** One partition's status. */
export interface PartitionStatus {
  topic: string;
  partition: number;
  status: Exclude<GroupStatus, "STOP">;
  lag: number;
  committed: number | null;
  high: number;
}

/** A group judged. */
export interface GroupJudgement {
  status: GroupStatus;
  /** Why, in a sentence. */
  reason: string;
  /** The latest total lag (null before the first sample). */
  lag: number | null;
  partitions: PartitionStatus[];
}

/** Options of {@link judgeGroup}. */
export interface JudgeOptions {
  /** How far back the window reaches. @default 60000 */
  windowMs?: number;
  /** Samples the window needs before a trend is judged. @default 3 */
  minSamples?: number;
}

const RANK: Record<GroupStatus, number> = { OK: 0, WARN: 1, STALL: 2, STOP: 3 };

/** Judges a group from its samples (oldest first) at `nowMs`, given how many members are live. */
export function judgeGroup(
  samples: readonly GroupSample[],
  liveMembers: number,
  nowMs: number,
  options: JudgeOptions = {},
): GroupJudgement {
  const windowMs = options.windowMs ?? 60_000;
  const minSamples = options.minSamples ?? 3;
  const inWindow = samples.filter((s) => s.atMs >= nowMs - windowMs && s.atMs <= nowMs);
  const latest = samples.at(-1) ?? null;
  const lag = latest ? latest.partitions.reduce((sum, p) => sum + p.lag, 0) : null;
  const partitions: PartitionStatus[] = (latest?.partitions ?? []).map((p) => {
    const history = inWindow.flatMap((s) =>
      s.partitions.filter((q) => q.topic === p.topic && q.partition === p.partition)
    );
    return {
      topic: p.topic,
      partition: p.partition,
      lag: p.lag,
      committed: p.committed,
      high: p.high,
      ...judge(history, minSamples),
    };
  });
  if (liveMembers === 0) {
    const behind = lag ? `, ${lag} records behind` : "";
    return { status: "STOP", reason: `no live member${behind}`, lag, partitions };
  }
  let worst: PartitionStatus | null = null;
  for (const p of partitions) if (worst === null || RANK[p.status] > RANK[worst.status]) worst = p;
  if (worst === null || worst.status === "OK") {
    return { status: "OK", reason: latest ? "keeping up" : "no offsets read yet", lag, partitions };
  }
  const where = `${worst.topic}[${worst.partition}]`;
  const reason = worst.status === "STALL"
    ? `${where}: committed offset not moving for ${Math.round(windowMs / 1000)} s with ${worst.lag} records behind`
    : `${where}: lag growing at every sample (${worst.lag} now)`;
  return { status: worst.status, reason, lag, partitions };
}

function judge(history: PartitionSample[], minSamples: number): { status: PartitionStatus["status"] } {
  if (history.length < minSamples) return { status: "OK" };
  if (history.some((s) => s.lag === 0)) return { status: "OK" };
  const first = history[0]!;
  if (history.every((s) => s.committed === first.committed)) return { status: "STALL" };
  for (let i = 1; i < history.length; i++) if (history[i]!.lag <= history[i - 1]!.lag) return { status: "OK" };
  return { status: "WARN" };
}
