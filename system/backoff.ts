/**
 * Restart budgets and backoff, as pure functions of time and a random source, so
 * supervisors can be tested with exact values.
 */

/** A supervisor's restart budget: at most `intensity` restarts within `periodMs`. */
export interface RestartBudgetOptions {
  /** Restarts allowed within the period; one more escalates. @default 5 */
  intensity?: number;
  /** The sliding window, in milliseconds. @default 30000 */
  periodMs?: number;
}

/** Exponential backoff between restarts. */
export interface BackoffOptions {
  /** Delay before the first restart in a window. @default 100 */
  minMs?: number;
  /** Largest delay. @default 10000 */
  maxMs?: number;
  /** Random spread, as a fraction of the delay (0 = none, 0.2 = ±20 %). @default 0.2 */
  jitter?: number;
}

/** Sliding-window restart counter. */
export class RestartBudget {
  readonly intensity: number;
  readonly periodMs: number;
  #times: number[] = [];

  constructor(options: RestartBudgetOptions = {}) {
    this.intensity = options.intensity ?? 5;
    this.periodMs = options.periodMs ?? 30_000;
  }

  /**
   * Records a restart at `now`. Returns how many restarts the window now holds,
   * and whether that is more than the budget allows.
   */
  record(now: number): { count: number; exceeded: boolean } {
    this.#times = this.#times.filter((t) => now - t < this.periodMs);
    this.#times.push(now);
    return { count: this.#times.length, exceeded: this.#times.length > this.intensity };
  }

  /** Restarts within the window ending at `now`. */
  inWindow(now: number): number {
    let n = 0;
    for (const t of this.#times) if (now - t < this.periodMs) n++;
    return n;
  }

  /** Forgets past restarts (after the supervisor itself was restarted). */
  reset(): void {
    this.#times = [];
  }
}

/**
 * The delay before the `n`-th restart within a window (n >= 1):
 * `min(maxMs, minMs * 2^(n-1))`, spread by ±jitter.
 */
export function backoffDelay(n: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const minMs = options.minMs ?? 100;
  const maxMs = options.maxMs ?? 10_000;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, n - 1));
  const spread = base * jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}
