/**
 * The observer: samples the live tree once a second and keeps the last minute, so
 * each actor's figures can be given over a sliding window: messages in and out per
 * second, processing time and time in the mailbox (p50/p95/p99 of the runtime's
 * sampled messages), mailbox depth history, busy time, failures; and recon-style
 * top-N lists over the same window. It reads only what the runtime counts anyway:
 * sampling costs one snapshot of the tree per interval, nothing per message.
 */
import type { ActorFigures, LatencySummary, ObservedSnapshot, TopBy, TopEntry } from "../protocols/ops_responses.ts";
import type { ActorSnapshot, ActorSystem } from "../system/mod.ts";
import { type HistogramData, histogramDelta, walkSnapshot } from "../system/observe.ts";
import { keepTimerAlive } from "../system/platform.ts";
import { latencySummary } from "./_histograms.ts";

/** Options of {@link Observer}. */
export interface ObserverOptions {
  /** Milliseconds between samples. @default 1000 */
  intervalMs?: number;
  /** Samples kept (the longest window and the depth history). @default 60 */
  keep?: number;
}

interface Point {
  accepted: number;
  processed: number;
  failures: number;
  depth: number | null;
  processing: HistogramData | null;
  wait: HistogramData | null;
}

interface Sample {
  at: number;
  points: Map<string, Point>;
}

/** The rankings {@link Observer.top} offers. */
export const TOP_BY: readonly TopBy[] = ["depth", "busy", "failures", "rate"];

/** Samples a system's tree and derives windowed figures. */
export class Observer {
  /** How often it samples the tree, in milliseconds. */
  readonly intervalMs: number;
  readonly #system: ActorSystem;
  readonly #keep: number;
  #samples: Sample[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;

  /** An observer of `system`'s tree; {@link Observer.start} starts sampling. */
  constructor(system: ActorSystem, options: ObserverOptions = {}) {
    this.#system = system;
    this.intervalMs = options.intervalMs ?? 1000;
    this.#keep = options.keep ?? 60;
  }

  /** Starts sampling (the timer does not keep the process alive); stops by itself once the system stopped. */
  start(): this {
    if (this.#timer !== null) return this;
    this.sample();
    this.#timer = setInterval(() => {
      // A timer's exception would end the process: observing must never take a node down.
      try {
        this.sample();
      } catch (err) {
        this.#system.log.error("observer: sampling the tree failed", { err });
      }
    }, this.intervalMs);
    keepTimerAlive(this.#timer, false);
    return this;
  }

  /** Stops sampling (the samples taken stay). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Takes one sample now. */
  sample(): void {
    if (this.#system.status === "stopped") this.stop();
    this.#samples.push(sampleOf(this.#system.snapshot(), this.#samples.at(-1)));
    if (this.#samples.length > this.#keep) this.#samples.shift();
  }

  /** The live tree with each node's figures over the last `windowSec` seconds. */
  view(windowSec = 10): ObservedSnapshot {
    const tree = this.#system.snapshot();
    const figures = this.#figuresFor(windowSec, sampleOf(tree, this.#samples.at(-1)));
    const attach = (n: ActorSnapshot): ObservedSnapshot => ({
      ...n,
      figures: figures(n),
      children: n.children.map(attach),
    });
    return attach(tree);
  }

  /** The `n` actors ranking highest by `by` over the window. */
  top(by: TopBy, n = 10, windowSec = 10): TopEntry[] {
    const rows: TopEntry[] = [];
    const visit = (node: ObservedSnapshot) => {
      if (node.kind === "actor" || by === "failures") {
        const f = node.figures;
        const value = by === "depth"
          ? f.depthMax ?? 0
          : by === "busy"
          ? f.busy ?? 0
          : by === "rate"
          ? f.outPerSec ?? 0
          : f.failuresInWindow;
        rows.push({ path: node.path, value, figures: f });
      }
      node.children.forEach(visit);
    };
    visit(this.view(windowSec));
    return rows.sort((a, b) => b.value - a.value || a.path.localeCompare(b.path)).slice(0, n);
  }

  /** Figures between the sample that starts the window and `last` (taken now, not kept). */
  #figuresFor(windowSec: number, last: Sample): (n: ActorSnapshot) => ActorFigures {
    const since = last.at - windowSec * 1000;
    // The oldest sample inside the window (half an interval of slack), or the oldest there is.
    const first = this.#samples.find((s) => s.at >= since - this.intervalMs / 2) ?? this.#samples[0] ?? last;
    const span = (last.at - first.at) / 1000;
    const inWindow = [...this.#samples.filter((s) => s.at >= first.at), last];
    return (n) => {
      const now = last.points.get(n.path)!;
      const then = first.points.get(n.path);
      const rate = (a: number, b: number | undefined) => (b === undefined || span <= 0 ? null : (a - b) / span);
      const outPerSec = rate(now.processed, then?.processed);
      const processing = latency(now.processing, then?.processing ?? null);
      const depths = inWindow.map((s) => s.points.get(n.path)?.depth).filter((d): d is number => typeof d === "number");
      return {
        windowSec: span,
        inPerSec: rate(now.accepted, then?.accepted),
        outPerSec,
        failuresInWindow: then ? now.failures - then.failures : 0,
        processing,
        mailboxWait: latency(now.wait, then?.wait ?? null),
        depthMax: depths.length > 0 ? Math.max(...depths) : null,
        depthHistory: [...this.#samples, last].map((s) => s.points.get(n.path)?.depth ?? 0),
        busy: outPerSec === null || processing === null ? null : Math.min(1, outPerSec * processing.mean),
      };
    };
  }
}

/**
 * The figures of every node now. A histogram that took no sample since `previous`
 * is that sample's object, so a minute of samples of a large, mostly idle tree
 * holds one copy of each idle actor's histograms, not sixty.
 */
function sampleOf(tree: ActorSnapshot, previous: Sample | undefined): Sample {
  const points = new Map<string, Point>();
  const same = (h: HistogramData | null, before: HistogramData | null | undefined) =>
    h !== null && before && before.count === h.count ? before : h;
  walkSnapshot(tree, (n) => {
    const before = previous?.points.get(n.path);
    points.set(n.path, {
      accepted: n.mailbox?.accepted ?? 0,
      processed: n.processed,
      failures: n.failures,
      depth: n.mailbox?.depth ?? null,
      processing: same(n.processing ?? null, before?.processing),
      wait: same(n.mailbox?.wait ?? null, before?.wait),
    });
  });
  return { at: performance.now(), points };
}

function latency(now: HistogramData | null, then: HistogramData | null): LatencySummary | null {
  if (now === null || now.count === 0) return null;
  const delta = histogramDelta(now, then);
  return delta.count > 0 ? latencySummary(delta, "window") : latencySummary(now, "all");
}
