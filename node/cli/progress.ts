/**
 * Live progress of long-running commands: one line redrawn in place on a
 * terminal, or a plain line every few seconds when the output is a file or pipe.
 */
import process from "node:process";

/** A rate over a sliding window. */
export class RateMeter {
  #samples: [number, number][] = [];
  constructor(readonly windowMs = 5_000) {}

  /** Records the running total `count` now and returns the rate per second over the window. */
  sample(count: number, now = Date.now()): number {
    this.#samples.push([now, count]);
    while (this.#samples.length > 2 && (this.#samples[0] as [number, number])[0] < now - this.windowMs) {
      this.#samples.shift();
    }
    const [t0, c0] = this.#samples[0] as [number, number];
    return now > t0 ? ((count - c0) * 1000) / (now - t0) : 0;
  }
}

/** `[#######-----------]  37%` */
export function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${"#".repeat(n)}${"-".repeat(width - n)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** The current line. */
  render(): string;
  /** Redraw period on a terminal. @default 250 */
  ttyIntervalMs?: number;
  /** Period of plain lines otherwise. @default 2000 */
  lineIntervalMs?: number;
  /** @default process.stdout */
  out?: { isTTY?: boolean; write(s: string): unknown };
}

/** Starts drawing; `stop` draws the last state and ends the line (once: later calls do nothing). */
export function startProgress(options: ProgressOptions): { stop(): void } {
  const out = options.out ?? process.stdout;
  const tty = out.isTTY === true;
  const draw = () => out.write(tty ? `\r\x1b[2K${options.render()}` : `${options.render()}\n`);
  const timer = setInterval(draw, tty ? (options.ttyIntervalMs ?? 250) : (options.lineIntervalMs ?? 2_000));
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      if (tty) out.write("\n");
    },
  };
}

/** `1234` -> `1,234`; rates with one decimal. */
export function num(n: number, decimals = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
}
