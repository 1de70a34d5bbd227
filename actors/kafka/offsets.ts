/**
 * Which offset of each partition may be committed: the consumer registers every
 * offset it hands downstream (`add`) and marks it when its rows are committed in
 * the database or its record is dead-lettered (`done`). The commit point of a
 * partition is the lowest offset still in flight, or one past the highest done
 * when none is; so a commit never passes a record that is not yet written.
 * Offsets not registered are ignored by `done` (late answers of an earlier
 * incarnation), which keeps that rule; and a commit point never moves below the
 * first offset fetched or the last one committed.
 */

interface PartitionState {
  pending: Set<bigint>;
  highestDone: bigint;
  committed: bigint;
}

/** A partition's next offset to commit. */
export interface CommitPoint {
  topic: string;
  partition: number;
  /** Next offset to read, as Kafka commits it. */
  offset: string;
}

/** Offsets in flight and done, per partition. */
export class OffsetLedger {
  #parts = new Map<string, PartitionState & { topic: string; partition: number }>();

  #get(topic: string, partition: number) {
    const k = `${topic}\u0000${partition}`;
    let s = this.#parts.get(k);
    if (!s) {
      s = { topic, partition, pending: new Set(), highestDone: -1n, committed: -1n };
      this.#parts.set(k, s);
    }
    return s;
  }

  /** Registers offsets handed downstream. */
  add(topic: string, partition: number, offset: string): void {
    const fresh = !this.#parts.has(`${topic}\u0000${partition}`);
    const s = this.#get(topic, partition);
    const o = BigInt(offset);
    // The first offset fetched is where the group's committed position already is.
    if (fresh) s.committed = o;
    s.pending.add(o);
  }

  /** Marks offsets done; unregistered ones are ignored. */
  done(topic: string, partition: number, offset: string): void {
    const s = this.#parts.get(`${topic}\u0000${partition}`);
    const o = BigInt(offset);
    if (!s || !s.pending.delete(o)) return;
    if (o > s.highestDone) s.highestDone = o;
  }

  /** Commit points that moved past the last one committed (call `committed` after committing them). */
  due(): CommitPoint[] {
    const out: CommitPoint[] = [];
    for (const s of this.#parts.values()) {
      const next = this.#point(s);
      if (next !== null && next > s.committed) {
        out.push({ topic: s.topic, partition: s.partition, offset: next.toString() });
      }
    }
    return out;
  }

  /** Records a successful commit. */
  committed(points: CommitPoint[]): void {
    for (const p of points) {
      const s = this.#get(p.topic, p.partition);
      const o = BigInt(p.offset);
      if (o > s.committed) s.committed = o;
    }
  }

  /** Records handed downstream and not yet done, over all partitions. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.#parts.values()) n += s.pending.size;
    return n;
  }

  #point(s: PartitionState): bigint | null {
    if (s.pending.size > 0) {
      let min: bigint | null = null;
      for (const o of s.pending) if (min === null || o < min) min = o;
      return min;
    }
    return s.highestDone >= 0n ? s.highestDone + 1n : null;
  }
}
