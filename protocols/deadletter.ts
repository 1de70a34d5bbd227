/**
 * The `troupe.deadletter` record: the rejected record's original key, value and
 * headers, plus these headers (all UTF-8 strings):
 *
 * | header                     | value                                           |
 * | -------------------------- | ----------------------------------------------- |
 * | `troupe-reason`            | one of {@link DEAD_LETTER_REASONS}              |
 * | `troupe-detail`            | a human-readable explanation                    |
 * | `troupe-source-topic`      | topic the record was read from                  |
 * | `troupe-source-partition`  | its partition                                   |
 * | `troupe-source-offset`     | its offset                                      |
 * | `troupe-consumer`          | group id of the consumer that rejected it       |
 * | `troupe-rejected-at`       | ISO 8601 time of the rejection                  |
 *
 * and, where they apply:
 *
 * | header                     | value                                           |
 * | -------------------------- | ----------------------------------------------- |
 * | `troupe-sqlstate`          | `db_rejected`: the SQLSTATE PostgreSQL gave     |
 * | `troupe-truncated`         | `true`: the value is a reference, not the bytes |
 *
 * `db_rejected` is a record that decoded but whose row PostgreSQL refused for the
 * row's own sake (a data exception, a constraint, a trigger); `troupe-detail`
 * then holds the server's message.
 *
 * A dead letter never exceeds what the dead-letter topic accepts: a value that
 * would is replaced by a {@link DeadLetterReference} (JSON), with
 * `troupe-truncated: true`; should the original headers or key still not fit,
 * they are dropped too (`troupe-truncated: value,headers` or `value,headers,key`).
 */
import { Buffer } from "node:buffer";
import { sha256Hex } from "./image_envelope.ts";

/** Why a record was rejected. */
export const DEAD_LETTER_REASONS = [
  "oversize",
  "not_json",
  "unknown_version",
  "invalid_envelope",
  "bad_base64",
  "sha256_mismatch",
  "not_png",
  "inference_failed",
  "db_rejected",
  "retries_exhausted",
] as const;

/** One of {@link DEAD_LETTER_REASONS}. */
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Header names of a dead-letter record. */
export const DEAD_LETTER_HEADERS = {
  reason: "troupe-reason",
  detail: "troupe-detail",
  topic: "troupe-source-topic",
  partition: "troupe-source-partition",
  offset: "troupe-source-offset",
  consumer: "troupe-consumer",
  at: "troupe-rejected-at",
  sqlstate: "troupe-sqlstate",
  truncated: "troupe-truncated",
} as const;

/** Where a rejected record came from and why it was rejected. */
export interface Rejection {
  /** Why the record was rejected. */
  reason: DeadLetterReason;
  /** What was wrong, for people (cut to 1,000 characters in the header). */
  detail: string;
  /** The topic the record came from. */
  topic: string;
  /** Its partition. */
  partition: number;
  /** Its offset. */
  offset: string;
  /** The consumer group that rejected it. */
  consumer: string;
  /** More `troupe-` headers (e.g. `troupe-sqlstate`). */
  extra?: Record<string, string>;
}

/** The headers of a dead-letter record: the original ones, then troupe's (which win). */
export function deadLetterHeaders(
  r: Rejection,
  original: Record<string, string>,
  at: Date = new Date(),
): Record<string, string> {
  const h = DEAD_LETTER_HEADERS;
  return {
    ...original,
    [h.reason]: r.reason,
    [h.detail]: r.detail.slice(0, 1000),
    [h.topic]: r.topic,
    [h.partition]: String(r.partition),
    [h.offset]: r.offset,
    [h.consumer]: r.consumer,
    [h.at]: at.toISOString(),
    ...r.extra,
  };
}

/** What replaces a value too big for the dead-letter topic: where the original is, and how to know it. */
export interface DeadLetterReference {
  /** Marks a reference: the original value was too big to send. */
  truncated: true;
  /** The topic the original is in. */
  topic: string;
  /** Its partition. */
  partition: number;
  /** Its offset. */
  offset: string;
  /** Size of the original value. */
  bytes: number;
  /** Lower-case hex sha256 of the original value. */
  sha256: string;
  /** Base64 of its first {@link REFERENCE_HEAD_BYTES} bytes. */
  head: string;
}

/** Bytes of the original value a {@link DeadLetterReference} keeps. */
export const REFERENCE_HEAD_BYTES = 1024;

/** The reference to a value too big to dead-letter whole. */
export function deadLetterReference(
  source: { topic: string; partition: number; offset: string },
  value: Uint8Array,
): DeadLetterReference {
  return {
    truncated: true,
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    bytes: value.byteLength,
    sha256: sha256Hex(value),
    head: Buffer.from(value.subarray(0, REFERENCE_HEAD_BYTES)).toString("base64"),
  };
}
