/** Small statistics for the benchmarks: medians, percentiles, ratios. */

/** The median (the mean of the two middle values for an even count). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The p-th percentile (0..1), nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
}

/** One stage's figures: each side's rounds, their medians and the ratio of medians. */
export interface StageResult {
  stage: string;
  unit: string;
  troupe: { label: string; rounds: number[]; median: number };
  anchor: { label: string; rounds: number[]; median: number } | null;
  /** troupe median / anchor median. */
  ratio: number | null;
  target: number | null;
  met: boolean | null;
  /** Anything else measured (latency percentiles, depths, RSS...). */
  extra: Record<string, unknown>;
  notes: string[];
}

/** Builds a result from the rounds of both sides. */
export function stageResult(
  s: {
    stage: string;
    unit: string;
    troupe: [string, number[]];
    anchor: [string, number[]] | null;
    target: number | null;
    extra?: Record<string, unknown>;
    notes?: string[];
  },
): StageResult {
  const t = { label: s.troupe[0], rounds: s.troupe[1], median: median(s.troupe[1]) };
  const a = s.anchor ? { label: s.anchor[0], rounds: s.anchor[1], median: median(s.anchor[1]) } : null;
  const ratio = a && a.median > 0 ? t.median / a.median : null;
  return {
    stage: s.stage,
    unit: s.unit,
    troupe: t,
    anchor: a,
    ratio,
    target: s.target,
    met: ratio === null || s.target === null ? null : ratio >= s.target,
    extra: s.extra ?? {},
    notes: s.notes ?? [],
  };
}

/**
 * Runs the sides of one round, the first side going first in even rounds and last in odd
 * ones (the order rotates by one each round), so no side always runs on a cold or a warm
 * machine. Resolves with each side's result in the sides' own order.
 */
export async function alternate<T>(round: number, sides: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(sides.length);
  for (let k = 0; k < sides.length; k++) {
    const i = (k + round) % sides.length;
    out[i] = await sides[i]!();
  }
  return out;
}
