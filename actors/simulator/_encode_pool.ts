/**
 * The encoder's worker threads: a batch of captures goes to an idle thread and
 * comes back as record values in order. With no threads, batches are encoded on
 * the calling thread. A thread that dies fails its batch and the pool
 * (`EncoderLost`); the encoder actor restarts with a fresh pool.
 */
import type { Worker } from "node:worker_threads";
import type { Capture } from "../../protocols/capture.ts";
import { type EncodeAnswer, encodeBatch, type EncodeRequest, type EncodeResult, resultsOf } from "./_encode_batch.ts";
import { TroupeError } from "../../system/mod.ts";
import { moduleBeside, startWorkerThread } from "../../system/platform.ts";

export type { EncodeResult } from "./_encode_batch.ts";

/** An encoder thread died. Retriable: the encoder restarts with fresh threads. */
export class EncoderLost extends TroupeError {
  constructor(message: string) {
    super("TROUPE_ERR_ENCODER_LOST", message, { retriable: true });
  }
}

/** Encoder threads. */
export interface EncodePool {
  readonly threads: number;
  /** Threads without a batch (1 when encoding inline). */
  idle(): number;
  /** Why the pool cannot go on (a thread died), or null. */
  broken(): Error | null;
  run(captures: Capture[]): Promise<EncodeResult[]>;
  close(): Promise<void>;
}

const THREAD_URL = moduleBeside(import.meta.url, "./_encode_thread");

async function startThread(module: URL): Promise<Worker> {
  const thread = startWorkerThread(module);
  await new Promise<void>((resolve, reject) => {
    thread.once("message", () => resolve());
    thread.once("error", reject);
    thread.once("exit", (code) => reject(new EncoderLost(`encoder thread exited with code ${code} while starting`)));
  }).catch(async (err) => {
    await thread.terminate();
    throw err;
  });
  thread.removeAllListeners("error").removeAllListeners("exit");
  return thread;
}

/** Starts `threads` encoder threads (0: encode inline) on `module` (default: actors/_encode_thread.ts). */
export async function startEncodePool(threads: number, module: URL = THREAD_URL): Promise<EncodePool> {
  if (threads === 0) {
    return {
      threads: 0,
      idle: () => 1,
      broken: () => null,
      run: async (captures) => resultsOf(encodeBatch(0, captures)),
      close: async () => {},
    };
  }
  const started = await Promise.allSettled(Array.from({ length: threads }, () => startThread(module)));
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw failed.reason;
  }
  const idle = [...workers];
  const waiting = new Map<Worker, { id: number; resolve(r: EncodeResult[]): void; reject(e: unknown): void }>();
  let nextId = 0;
  let closing = false;
  let lost: EncoderLost | null = null;
  for (const w of workers) {
    w.on("message", (m: EncodeAnswer) => {
      const job = waiting.get(w);
      if (!job || job.id !== m.id) return;
      waiting.delete(w);
      idle.push(w);
      job.resolve(resultsOf(m));
    });
    const die = (why: string) => {
      if (closing) return;
      lost ??= new EncoderLost(`encoder thread ${why}`);
      waiting.get(w)?.reject(lost);
      waiting.delete(w);
    };
    w.on("error", (err) => die(`failed: ${err.message}`));
    w.on("exit", (code) => die(`exited with code ${code}`));
  }
  return {
    threads,
    idle: () => (lost ? 0 : idle.length),
    broken: () => lost,
    run(captures) {
      if (lost) return Promise.reject(lost);
      const w = idle.shift();
      if (!w) return Promise.reject(new Error("no idle encoder thread: wait for idle() > 0"));
      const id = nextId++;
      return new Promise<EncodeResult[]>((resolve, reject) => {
        waiting.set(w, { id, resolve, reject });
        w.postMessage({ id, captures } satisfies EncodeRequest);
      });
    },
    async close() {
      closing = true;
      // Batches still out settle as failed rather than never (their captures are the encoder's to keep).
      for (const job of waiting.values()) job.reject(new EncoderLost("encoder threads closed"));
      waiting.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
