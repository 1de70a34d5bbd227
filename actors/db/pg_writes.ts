/**
 * The upsert contract of the `db` role. One call writes a batch in one
 * transaction with multi-row `INSERT … ON CONFLICT … DO UPDATE`:
 * - `images` on image_id: a replayed image updates its row (and `updated_at`)
 *   instead of adding one; `received_at` keeps the first arrival.
 * - `devices` on device_id: `images` counts only rows that were inserted (not
 *   updated), so replays do not inflate it; first/last seen widen.
 * - `inferences` on (image_id, model).
 * Rows with the same key within a batch are merged first (the last one wins),
 * because one INSERT cannot touch a row twice.
 */
import { Buffer } from "node:buffer";
import type { TopClass } from "../../protocols/inference_envelope.ts";
import { traceIdOf } from "../../protocols/trace_context.ts";
import type { Sql, Tx } from "./postgres.ts";

/** One row of `images`. */
export interface ImageRow {
  /** The image's id, `<device id>/<seq>` (the primary key). */
  imageId: string;
  /** The camera that took it. */
  deviceId: string;
  /** The camera's sequence number. */
  seq: number;
  /** When it was taken (ISO time). */
  capturedAt: string;
  /** The fine CIFAR-100 label (0-99). */
  fine: number;
  /** The coarse label (0-19). */
  coarse: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The PNG bytes. */
  png: Uint8Array;
  /** Lower-case hex sha256 of the PNG bytes. */
  sha256: string;
  /** The record's W3C trace context; its trace id is stored as `trace_id`. */
  traceparent?: string;
}

/** One row of `inferences`. */
export interface InferenceRow {
  /** The image's id. */
  imageId: string;
  /** The model that classified it (with the image id, the primary key). */
  model: string;
  /** The best classes, best first (stored as JSON). */
  top: TopClass[];
  /** Milliseconds from the request's arrival in the model pool to its result. */
  latencyMs: number;
  /** When it was classified (ISO time). */
  inferredAt: string;
  /** When the image was captured, if the result says (not stored: the fleet's capture-to-row latency). */
  capturedAt?: string;
  /** The result record's W3C trace context; its trace id is stored as `trace_id`. */
  traceparent?: string;
}

/** What a batch did. */
export interface BatchResult {
  /** Image rows inserted. */
  imagesInserted: number;
  /** Image rows that existed and were updated (a replay after a restart). */
  imagesUpdated: number;
  /** Inference rows inserted or updated. */
  inferences: number;
}

const IMAGE_COLUMNS: string[] = [
  "image_id",
  "device_id",
  "seq",
  "captured_at",
  "fine_label",
  "coarse_label",
  "width",
  "height",
  "png",
  "sha256",
  "trace_id",
];
const INFERENCE_COLUMNS: string[] = [
  "image_id",
  "model",
  "top",
  "top1_label",
  "top1_prob",
  "latency_ms",
  "inferred_at",
  "trace_id",
];

/** Writes a batch in one transaction. */
export function writeBatch(sql: Sql, batch: { images: ImageRow[]; inferences: InferenceRow[] }): Promise<BatchResult> {
  return sql.begin((tx) => writeRows(tx, batch)) as Promise<BatchResult>;
}

/** Writes a batch's rows within the transaction (or savepoint) `tx`. */
export async function writeRows(
  tx: Tx,
  batch: { images: ImageRow[]; inferences: InferenceRow[] },
): Promise<BatchResult> {
  const images = lastByKey(batch.images, (r) => r.imageId).sort((a, b) => cmp(a.imageId, b.imageId));
  const inferences = lastByKey(batch.inferences, (r) => `${r.imageId}\u0000${r.model}`).sort((a, b) =>
    cmp(a.imageId, b.imageId) || cmp(a.model, b.model)
  );
  {
    let imagesInserted = 0;
    let imagesUpdated = 0;
    if (images.length > 0) {
      const rows = images.map((r) => ({
        image_id: r.imageId,
        device_id: r.deviceId,
        seq: r.seq,
        captured_at: r.capturedAt,
        fine_label: r.fine,
        coarse_label: r.coarse,
        width: r.width,
        height: r.height,
        png: Buffer.from(r.png.buffer, r.png.byteOffset, r.png.byteLength),
        sha256: r.sha256,
        trace_id: traceIdOf(r.traceparent),
      }));
      const counts: { inserted: number; updated: number }[] = await tx`
        WITH up AS (
          INSERT INTO images ${values(tx, rows, IMAGE_COLUMNS)}
          ON CONFLICT (image_id) DO UPDATE SET
            device_id = excluded.device_id, seq = excluded.seq, captured_at = excluded.captured_at,
            fine_label = excluded.fine_label, coarse_label = excluded.coarse_label,
            width = excluded.width, height = excluded.height, png = excluded.png,
            sha256 = excluded.sha256, trace_id = excluded.trace_id, updated_at = now()
          RETURNING device_id, captured_at, (xmax = 0) AS inserted
        ), dev AS (
          INSERT INTO devices AS d (device_id, first_seen, last_seen, images)
          SELECT device_id, min(captured_at), max(captured_at), count(*) FILTER (WHERE inserted)
          FROM up GROUP BY device_id ORDER BY device_id
          ON CONFLICT (device_id) DO UPDATE SET
            first_seen = least(d.first_seen, excluded.first_seen),
            last_seen = greatest(d.last_seen, excluded.last_seen),
            images = d.images + excluded.images
          RETURNING 1
        )
        SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, (count(*) FILTER (WHERE NOT inserted))::int AS updated
        FROM up, (SELECT count(*) FROM dev) AS touched`;
      imagesInserted = counts[0]?.inserted ?? 0;
      imagesUpdated = counts[0]?.updated ?? 0;
    }
    if (inferences.length > 0) {
      const rows = inferences.map((r) => ({
        image_id: r.imageId,
        model: r.model,
        top: r.top,
        top1_label: r.top[0]?.label ?? "",
        top1_prob: r.top[0]?.prob ?? 0,
        latency_ms: r.latencyMs,
        inferred_at: r.inferredAt,
        trace_id: traceIdOf(r.traceparent),
      }));
      await tx`
        INSERT INTO inferences ${values(tx, rows, INFERENCE_COLUMNS)}
        ON CONFLICT (image_id, model) DO UPDATE SET
          top = excluded.top, top1_label = excluded.top1_label, top1_prob = excluded.top1_prob,
          latency_ms = excluded.latency_ms, inferred_at = excluded.inferred_at, trace_id = excluded.trace_id,
          updated_at = now()`;
    }
    return { imagesInserted, imagesUpdated, inferences: inferences.length };
  }
}

/**
 * postgres.js' multi-row VALUES helper. Its published types reject rows holding
 * a Buffer inside a transaction's template, so the call is made untyped here.
 */
function values(tx: unknown, rows: object[], columns: string[]): never {
  return (tx as (rows: object[], columns: string[]) => never)(rows, columns);
}

function lastByKey<T>(rows: T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    m.delete(k);
    m.set(k, r);
  }
  return [...m.values()];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
