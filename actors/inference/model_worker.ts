/**
 * Model worker: one worker thread with its own inference session, running one
 * batch at a time for the pool. A thread that dies, or a batch that takes longer
 * than `batchTimeoutMs` (the thread is then terminated), fails the batch with the
 * reason and then fails the actor; its supervisor starts a fresh thread under the
 * restart budget. A model that cannot load fails the start for good (not retriable).
 */
import type { Worker } from "node:worker_threads";
import type { ModelInfo } from "./engine.ts";
import { ModelMismatch } from "./engine.ts";
import type { FromThread, ToThread, WorkerSpec } from "./worker_protocol.ts";
import {
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  TroupeError,
} from "../../system/mod.ts";
import { moduleBeside, startWorkerThread } from "../../system/platform.ts";

/** The answer to a batch: raw outputs of the images that decoded, and each image's error. */
export type WorkerReply =
  | { type: "worker.done"; out: Float32Array; errors: (string | null)[]; preprocessMs: number; inferMs: number }
  | { type: "worker.failed"; reason: "worker_crashed" | "worker_hung" | "engine_error"; message: string };

/** Messages of a worker. */
/** A batch: PNGs, or input tensors already preprocessed (see ModelPoolMsg). */
export type ModelWorkerMsg = {
  type: "worker.run";
  images: (Uint8Array | Float32Array)[];
  replyTo: ActorRef<WorkerReply>;
};

/** The worker's own: its thread died between batches. */
type Msg = ModelWorkerMsg | { type: "worker.exited"; threadId: number; code: number };

/** The thread died or hung. Retriable: a fresh thread is started. */
export class WorkerLost extends TroupeError {
  /** An error saying how the worker was lost. */
  constructor(message: string) {
    super("TROUPE_ERR_WORKER_LOST", message, { retriable: true });
  }
}

/** Options of {@link modelWorker}. */
export interface ModelWorkerOptions {
  spec: WorkerSpec;
  batchTimeoutMs: number;
  /** Called with the model's description once the thread loaded it. */
  onReady?(info: ModelInfo): void;
}

interface State {
  thread: Worker;
  threadId: number;
  /** Id of the next batch sent to the thread (answers carry it). */
  nextId: number;
  batches: number;
  images: number;
  busyMs: number;
  startedAt: number;
}

const THREAD_URL = moduleBeside(import.meta.url, "./worker_thread");

/** The worker's behaviour. */
export function modelWorker(options: ModelWorkerOptions): Behaviour<ModelWorkerMsg, State> {
  const behaviour: Behaviour<Msg, State> = {
    async init(ctx) {
      const thread = startWorkerThread(THREAD_URL, { workerData: options.spec });
      // Listeners are removed one by one: removeAllListeners() would also drop the
      // Worker's own hook that connects 'message' listeners to its port.
      let onMessage!: (m: FromThread) => void;
      let onError!: (e: Error) => void;
      let onExit!: (code: number) => void;
      const first = await new Promise<FromThread>((resolve, reject) => {
        onMessage = resolve;
        onError = reject;
        onExit = (code) =>
          reject(new WorkerLost(`model worker thread exited with code ${code} while loading the model`));
        thread.once("message", onMessage).once("error", onError).once("exit", onExit);
      }).catch(async (err) => {
        await thread.terminate();
        throw err;
      }).finally(() => thread.off("message", onMessage).off("error", onError).off("exit", onExit));
      if (first.type === "fatal") {
        await thread.terminate();
        throw first.code === "TROUPE_ERR_MODEL"
          ? new ModelMismatch(first.message)
          : new TroupeError("TROUPE_ERR_MODEL_LOAD", `the model could not be loaded: ${first.message}`);
      }
      if (first.type !== "ready") throw new WorkerLost(`model worker thread said '${first.type}' before 'ready'`);
      options.onReady?.(first.info);
      const threadId = thread.threadId;
      thread.once("exit", (code) => {
        if (!ctx.signal.aborted) ctx.self.trySend({ type: "worker.exited", threadId, code });
      });
      return { thread, threadId: thread.threadId, nextId: 0, batches: 0, images: 0, busyMs: 0, startedAt: Date.now() };
    },
    async receive(state, msg) {
      if (msg.type === "worker.exited") {
        if (msg.threadId === state.threadId) {
          throw new WorkerLost(`model worker thread ${msg.threadId} exited with code ${msg.code} between batches`);
        }
        return state;
      }
      const id = state.nextId++;
      const t0 = performance.now();
      const outcome = await runOnThread(state.thread, { type: "run", id, images: msg.images }, options.batchTimeoutMs);
      if (outcome.ok) {
        state.batches++;
        state.images += msg.images.length;
        state.busyMs += performance.now() - t0;
        msg.replyTo.trySend({
          type: "worker.done",
          out: outcome.result.out,
          errors: outcome.result.errors,
          preprocessMs: outcome.result.preprocessMs,
          inferMs: outcome.result.inferMs,
        });
        return state;
      }
      msg.replyTo.trySend({ type: "worker.failed", reason: outcome.reason, message: outcome.message });
      if (outcome.lost) throw new WorkerLost(outcome.message);
      return state;
    },
    async stop(state) {
      await state.thread.terminate();
    },
    describe: (state) => ({
      threadId: state.threadId,
      batches: state.batches,
      images: state.images,
      meanBatchMs: state.batches ? Math.round((state.busyMs / state.batches) * 10) / 10 : 0,
      imagesPerBusySecond: state.busyMs ? Math.round((state.images / state.busyMs) * 1000 * 10) / 10 : 0,
    }),
  };
  return behaviour;
}

type Result = Extract<FromThread, { type: "result" }>;
type Outcome = { ok: true; result: Result } | {
  ok: false;
  lost: boolean;
  reason: "worker_crashed" | "worker_hung" | "engine_error";
  message: string;
};

/** Posts one batch to the thread and waits for its result, its error, the thread's death or the timeout. */
function runOnThread(thread: Worker, run: ToThread, timeoutMs: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    // A deadline within one batch's wait, not an actor timer: the actor is busy until it settles.
    const deadline = AbortSignal.timeout(timeoutMs);
    const settle = (o: Outcome) => {
      deadline.removeEventListener("abort", onDeadline);
      thread.off("message", onMessage).off("exit", onExit).off("error", onError);
      resolve(o);
    };
    const onMessage = (m: FromThread) => {
      if (m.type === "result" && m.id === run.id) settle({ ok: true, result: m });
      else if (m.type === "error" && m.id === run.id) {
        settle({ ok: false, lost: false, reason: "engine_error", message: m.message });
      }
    };
    const onExit = (code: number) =>
      settle({
        ok: false,
        lost: true,
        reason: "worker_crashed",
        message: `model worker thread exited with code ${code}`,
      });
    const onError = (err: Error) =>
      settle({
        ok: false,
        lost: true,
        reason: "worker_crashed",
        message: `model worker thread failed: ${err.message}`,
      });
    const onDeadline = () =>
      settle({
        ok: false,
        lost: true,
        reason: "worker_hung",
        message: `a batch of ${run.images.length} took longer than ${timeoutMs} ms`,
      });
    deadline.addEventListener("abort", onDeadline, { once: true });
    thread.on("message", onMessage).on("exit", onExit).on("error", onError);
    thread.postMessage(run);
  });
}

/** The modelWorker actor as a supervisor's child: `worker`, capacity 2 batches, 10 s at shutdown. */
export function modelWorkerSpec(
  options: ModelWorkerOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<ModelWorkerMsg> {
  return childSpec(modelWorker(options), { name: "worker", capacity: 2, shutdownMs: 10_000 }, props);
}
