/**
 * A second sink, standing in for object storage: items appended as JSON lines to
 * files on disk, one file per key the caller picks. It knows nothing of Kafka or of
 * any other source: it takes items with their acknowledgement tokens and answers
 * `done`, `refused` (a line too long: dead-lettered by the source, with the reason)
 * or `retry` (a file could not be written: the source hands its items again later).
 * Fed from Kafka by troupe's topic consumer in test/examples/jsonl_sink.test.ts; any
 * source that hands out tokens feeds it the same way.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Ack, AckRefusal, AckReply } from "../protocols/ack.ts";
import type { ActorContext, ActorRef, Behaviour } from "../system/mod.ts";

/** Items to write, one token each, and where to answer. */
export type JsonlSinkMsg<T> = { type: "jsonl.write"; items: T[]; acks: Ack[]; replyTo: ActorRef<AckReply> };

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions<T> {
  /** The folder the files go in (made at start). */
  dir: string;
  /** The file (a name inside `dir`) an item goes to, e.g. its day. */
  fileOf(item: T): string;
  /** Longest line, in bytes; a longer item is refused as `oversize`. @default 1 MiB */
  maxLineBytes?: number;
}

/** The sink's behaviour: appends each batch, then answers for every token in it. */
export function jsonlSink<T>(options: JsonlSinkOptions<T>): Behaviour<JsonlSinkMsg<T>, { lines: number }> {
  const max = options.maxLineBytes ?? 1 << 20;
  return {
    init: async () => {
      await mkdir(options.dir, { recursive: true });
      return { lines: 0 };
    },
    receive: async (state, msg, ctx: ActorContext<JsonlSinkMsg<T>>) => {
      const files = new Map<string, { lines: string[]; acks: Ack[] }>();
      const refused: AckRefusal[] = [];
      msg.items.forEach((item, i) => {
        const ack = msg.acks[i] as Ack;
        const line = JSON.stringify(item);
        const bytes = Buffer.byteLength(line);
        if (bytes > max) return void refused.push({ ack, reason: "oversize", detail: `${bytes} bytes > ${max}` });
        const f = files.get(options.fileOf(item)) ?? { lines: [], acks: [] };
        files.set(options.fileOf(item), f);
        f.lines.push(line);
        f.acks.push(ack);
      });
      const done: Ack[] = [];
      const retry: Ack[] = [];
      for (const [file, f] of files) {
        try {
          await appendFile(join(options.dir, file), `${f.lines.join("\n")}\n`);
          done.push(...f.acks);
        } catch (err) {
          ctx.log.warn("cannot write: handed back to retry", { file, error: String(err), items: f.acks.length });
          retry.push(...f.acks);
        }
      }
      state.lines += done.length;
      msg.replyTo.trySend({ type: "ack", done, refused, retry });
      return state;
    },
    describe: (state) => ({ lines: state.lines }),
  };
}
