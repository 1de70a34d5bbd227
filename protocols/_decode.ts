/** Shared steps of the envelope decoders: size, UTF-8 JSON, and rejection records. */
import type { DeadLetterReason } from "./deadletter.ts";
import { z } from "zod";

/** The outcome of decoding a record: the value, or why it goes to the dead-letter topic. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; detail: string };

/** A rejection. */
export function rejectWith(
  reason: DeadLetterReason,
  detail: string,
): { ok: false; reason: DeadLetterReason; detail: string } {
  return { ok: false, reason, detail };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Checks the size and parses the bytes as a JSON object. */
export function parseJson(value: Uint8Array | null, maxBytes: number): Decoded<object> {
  if (value === null || value.length === 0) return rejectWith("not_json", "the record has no value");
  if (value.length > maxBytes) {
    return rejectWith("oversize", `value is ${value.length} bytes, the limit is ${maxBytes}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(utf8.decode(value));
  } catch (err) {
    return rejectWith("not_json", `value is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return rejectWith("not_json", "value is JSON but not an object");
  }
  return { ok: true, value: data };
}

/** The first problem of a failed schema check, as "field: problem". */
export function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid envelope";
  const where = issue.path.length > 0 ? issue.path.join(".") : "envelope";
  const missing = issue.code === "invalid_type" && issue.message.includes("undefined");
  return missing ? `missing field ${where}` : `${where}: ${issue.message}`;
}

/**
 * A string field PostgreSQL can store: `text` and `jsonb` refuse NUL characters,
 * and `jsonb` refuses a lone UTF-16 surrogate (JSON's `"\ud800"` parses in
 * JavaScript, and is written back escaped); a row the database refuses would stop
 * its partition, so such a record is rejected here, before it reaches a batch.
 */
export function storableText(min: number, max: number): z.ZodString {
  return z.string().min(min).max(max)
    // deno-lint-ignore no-control-regex -- NUL is exactly what PostgreSQL text refuses
    .regex(/^[^\u0000]*$/, "must not contain NUL characters")
    .regex(/^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/, "must be well-formed Unicode (a lone surrogate)");
}

/**
 * An ISO 8601 date-time with an offset that PostgreSQL's timestamptz can hold.
 * ISO years run from 0000, PostgreSQL's have no year 0 (1 BC is 0001 BC): a
 * `0000-…` time passes an ISO check and then fails its whole batch in the
 * database, so it is rejected here with the record's other field errors.
 */
export function storableTimestamp(): z.ZodType<string> {
  return z.iso.datetime({ offset: true }).refine(
    (v) => !v.startsWith("0000"),
    "year 0000 is outside PostgreSQL's range (years start at 0001)",
  );
}

/**
 * The steps every envelope decoder shares: size and JSON, then the version
 * (`unknown_version` names the one found), then the schema (`invalid_envelope`
 * names the first bad field).
 */
export function decodeVersioned<T>(
  value: Uint8Array | null,
  options: { maxBytes: number; version: number; schema: z.ZodType },
): Decoded<T> {
  const parsed = parseJson(value, options.maxBytes);
  if (!parsed.ok) return parsed;
  const v = (parsed.value as { v?: unknown }).v;
  if (v !== options.version) {
    return rejectWith(
      "unknown_version",
      `envelope version ${JSON.stringify(v)} is not supported: this node reads version ${options.version}`,
    );
  }
  const checked = options.schema.safeParse(parsed.value);
  if (!checked.success) return rejectWith("invalid_envelope", zodProblem(checked.error));
  return { ok: true, value: checked.data as T };
}
