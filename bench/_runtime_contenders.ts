/**
 * The three sides of the runtime benchmark, each able to run the same four
 * workloads: troupe (optionally a second copy from another checkout, to compare
 * a change in one run), bare nact, and a plain bounded async mailbox loop with no
 * actor machinery (the physical limit for one actor in this language).
 */
import nact from "nact";

/** One side of the runtime benchmark. */
export interface Contender {
  name: string;
  /**
   * One sender into one actor; resolves once the actor handled all `n`. Every side
   * sends the way its API is meant to be used at speed: it waits only when the
   * mailbox is full (troupe: `trySend`, else `await send`).
   */
  oneSender(n: number, capacity: number): Promise<void>;
  /** `senders` concurrent senders into one actor whose mailbox stays full. */
  manySenders(n: number, senders: number, capacity: number): Promise<void>;
  /** `n` request/reply round trips, one after another. */
  ask(n: number): Promise<void>;
  /** Spawns `n` idle actors and keeps them; `release` stops them. */
  spawn(n: number): Promise<{ release(): Promise<void> }>;
}

type TroupeModule = typeof import("../system/mod.ts");

/** troupe, from `system/mod.ts` of this checkout or of another (`module`). */
export async function troupeContender(name: string, module: string): Promise<Contender> {
  const t = (await import(module)) as TroupeModule;
  const counting = (n: number, done: () => void) => ({
    init: () => 0,
    receive: (count: number) => {
      if (++count === n) done();
      return count;
    },
  });
  const withSystem = async <T>(run: (sys: ReturnType<TroupeModule["startSystem"]>) => Promise<T>): Promise<T> => {
    const sys = t.startSystem({ logger: t.silentLogger, name: "bench" });
    try {
      return await run(sys);
    } finally {
      await sys.shutdown({ deadlineMs: 60_000 });
    }
  };
  return {
    name,
    oneSender: (n, capacity) =>
      withSystem(async (sys) => {
        let done!: () => void;
        const finished = new Promise<void>((r) => (done = r));
        const ref = await t.spawn(sys.root, counting(n, done), { name: "a", capacity });
        for (let i = 0; i < n; i++) if (!ref.trySend(i)) await ref.send(i);
        await finished;
      }),
    manySenders: (n, senders, capacity) =>
      withSystem(async (sys) => {
        let done!: () => void;
        const finished = new Promise<void>((r) => (done = r));
        const ref = await t.spawn(sys.root, counting(n, done), { name: "a", capacity });
        const each = n / senders;
        await Promise.all(Array.from({ length: senders }, async () => {
          for (let i = 0; i < each; i++) if (!ref.trySend(i)) await ref.send(i);
        }));
        await finished;
      }),
    ask: (n) =>
      withSystem(async (sys) => {
        type Req = { replyTo: { trySend(v: number): boolean } };
        const ref = await t.spawn(sys.root, {
          init: () => 0,
          receive: (count: number, msg: Req) => {
            msg.replyTo.trySend(count);
            return count + 1;
          },
        }, { name: "a", capacity: 16 });
        for (let i = 0; i < n; i++) await t.ask<Req, number>(ref, (replyTo) => ({ replyTo }), { timeoutMs: 10_000 });
      }),
    async spawn(n) {
      const sys = t.startSystem({ logger: t.silentLogger, name: "bench" });
      const sup = await t.supervise(sys.root, { name: "many" });
      const idle = { init: () => 0, receive: (s: number) => s };
      for (let i = 0; i < n; i++) await t.spawn(sup, idle, { name: `a${i}`, capacity: 8 });
      return { release: () => sys.shutdown({ deadlineMs: 120_000 }) };
    },
  };
}

// nact's published types are narrower than its runtime; the bench uses it as documented.
const n_ = nact as unknown as {
  start(): unknown;
  stop(ref: unknown): void;
  spawnStateless(parent: unknown, f: (msg: unknown) => unknown, name?: string): unknown;
  spawn(parent: unknown, f: (state: unknown, msg: unknown) => unknown, name?: string): unknown;
  dispatch(ref: unknown, msg: unknown): void;
  query(ref: unknown, make: (tmp: unknown) => unknown, timeoutMs: number): Promise<unknown>;
};

/** Bare nact: one dispatch per message, no bounded mailbox. */
export function nactContender(): Contender {
  const counting = (n: number, done: () => void) => {
    let count = 0;
    return () => {
      if (++count === n) done();
    };
  };
  return {
    name: "bare nact",
    async oneSender(n) {
      const sys = n_.start();
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      const ref = n_.spawnStateless(sys, counting(n, done), "a");
      for (let i = 0; i < n; i++) n_.dispatch(ref, i);
      await finished;
      n_.stop(sys);
    },
    async manySenders(n, senders) {
      const sys = n_.start();
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      const ref = n_.spawnStateless(sys, counting(n, done), "a");
      const each = n / senders;
      await Promise.all(Array.from({ length: senders }, async () => {
        for (let i = 0; i < each; i++) n_.dispatch(ref, i);
      }));
      await finished;
      n_.stop(sys);
    },
    async ask(n) {
      const sys = n_.start();
      let count = 0;
      const ref = n_.spawnStateless(sys, (msg) => n_.dispatch((msg as { tmp: unknown }).tmp, count++), "a");
      for (let i = 0; i < n; i++) await n_.query(ref, (tmp) => ({ tmp }), 10_000);
      n_.stop(sys);
    },
    async spawn(n) {
      const sys = n_.start();
      for (let i = 0; i < n; i++) n_.spawn(sys, (s) => s, `a${i}`);
      return { release: async () => n_.stop(sys) };
    },
  };
}

const EMPTY = Symbol("empty");

/** A bounded FIFO with an async send that waits for room and an async receive: nothing more. */
class Channel<T> {
  #items: T[] = [];
  #head = 0;
  #senders: (() => void)[] = [];
  #receiver: ((v: T) => void) | null = null;
  constructor(readonly capacity: number) {}

  send(v: T): Promise<void> | void {
    if (this.#receiver) {
      const r = this.#receiver;
      this.#receiver = null;
      r(v);
      return;
    }
    if (this.#items.length - this.#head < this.capacity) {
      this.#items.push(v);
      return;
    }
    return new Promise<void>((resolve) => this.#senders.push(resolve)).then(() => this.send(v));
  }

  poll(): T | typeof EMPTY {
    if (this.#head === this.#items.length) return EMPTY;
    const v = this.#items[this.#head++] as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#senders.shift()?.();
    return v;
  }

  next(): Promise<T> {
    return new Promise<T>((resolve) => (this.#receiver = resolve));
  }
}

/** Runs `handle` on every message of `ch`, one at a time, for ever (an idle loop costs one pending promise). */
function loop<T>(ch: Channel<T>, handle: (v: T) => void): void {
  void (async () => {
    for (;;) {
      let v = ch.poll();
      if (v === EMPTY) v = await ch.next();
      handle(v);
    }
  })();
}

/** A plain bounded mailbox and an async loop per actor, no supervision, no introspection. */
export function plainContender(): Contender {
  const counting = (n: number, done: () => void) => {
    let count = 0;
    return () => {
      if (++count === n) done();
    };
  };
  return {
    name: "plain async loop",
    async oneSender(n, capacity) {
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      const ch = new Channel<number>(capacity);
      loop(ch, counting(n, done));
      for (let i = 0; i < n; i++) {
        const wait = ch.send(i);
        if (wait) await wait;
      }
      await finished;
    },
    async manySenders(n, senders, capacity) {
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      const ch = new Channel<number>(capacity);
      loop(ch, counting(n, done));
      const each = n / senders;
      await Promise.all(Array.from({ length: senders }, async () => {
        for (let i = 0; i < each; i++) {
          const wait = ch.send(i);
          if (wait) await wait;
        }
      }));
      await finished;
    },
    async ask(n) {
      const ch = new Channel<(v: number) => void>(16);
      let count = 0;
      loop(ch, (reply) => reply(count++));
      for (let i = 0; i < n; i++) await new Promise<number>((resolve) => ch.send(resolve));
    },
    async spawn(n) {
      const keep: Channel<number>[] = [];
      for (let i = 0; i < n; i++) {
        const ch = new Channel<number>(8);
        loop(ch, () => {});
        keep.push(ch);
      }
      return { release: async () => void keep.splice(0) };
    },
  };
}
