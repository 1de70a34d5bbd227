import { Buffer } from "node:buffer";
import t from "tap";
import { captureEnvelope } from "../../protocols/capture.ts";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { syntheticImage } from "../../actors/simulator/mod.ts";
import {
  deadLetterHeaders,
  decodeImageEnvelope,
  decodeInferenceEnvelope,
  encodeImageEnvelope,
  type ImageEnvelope,
} from "../../protocols/mod.ts";

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const good = (): ImageEnvelope =>
  captureEnvelope({
    deviceId: "cam-0001",
    seq: 7,
    imageId: "cam-0001/7",
    capturedAt: "2026-11-24T18:00:00.000Z",
    record: { index: 0, coarse: 2, fine: 11, planes: syntheticImage(11, mulberry32(3)) },
  });

t.test("a good envelope decodes to its PNG bytes", async (t) => {
  const e = good();
  const d = decodeImageEnvelope(enc(encodeImageEnvelope(e)), { maxBytes: 1 << 20 });
  if (!d.ok) return t.fail(d.detail);
  t.equal(d.value.envelope.imageId, "cam-0001/7");
  t.same(d.value.envelope.label, { fine: 11, coarse: 2 });
  t.equal(Buffer.from(d.value.png).toString("base64"), e.data);
});

t.test("each kind of bad input is named", async (t) => {
  const e = good();
  const cases: [string, Uint8Array | null, string, RegExp][] = [
    ["null value", null, "not_json", /no value/],
    ["raw bytes", new Uint8Array([0xff, 0xfe, 0x00]), "not_json", /not UTF-8 JSON/],
    ["a JSON array", enc([1, 2]), "not_json", /not an object/],
    ["oversize", enc({ ...e, pad: "x".repeat(70_000) }), "oversize", /limit is 65536/],
    ["version 2", enc({ ...e, v: 2 }), "unknown_version", /version 2 is not supported/],
    ["no version", enc({ ...e, v: undefined }), "unknown_version", /version undefined/],
    ["missing deviceId", enc({ ...e, deviceId: undefined }), "invalid_envelope", /missing field deviceId/],
    ["negative seq", enc({ ...e, seq: -1 }), "invalid_envelope", /^seq:/],
    [
      "NUL in deviceId",
      enc({ ...e, deviceId: "cam\u0000" }),
      "invalid_envelope",
      /deviceId: must not contain NUL characters/,
    ],
    ["bad base64", enc({ ...e, data: "!!!!" }), "bad_base64", /not padded base64/],
    ["sha256 mismatch", enc({ ...e, sha256: "0".repeat(64) }), "sha256_mismatch", /envelope says 0000/],
    [
      "year 0000",
      enc({ ...e, capturedAt: "0000-01-01T00:00:00Z" }),
      "invalid_envelope",
      /^capturedAt: year 0000 is outside PostgreSQL's range/,
    ],
  ];
  const notPng = Buffer.from("hello, not a png");
  cases.push([
    "not a PNG",
    enc({ ...e, data: notPng.toString("base64"), sha256: (await import("../../protocols/mod.ts")).sha256Hex(notPng) }),
    "not_png",
    /PNG signature/,
  ]);
  const png = Buffer.from(e.data, "base64");
  const cut = png.subarray(0, 40);
  cases.push([
    "truncated PNG",
    enc({ ...e, data: cut.toString("base64"), sha256: (await import("../../protocols/mod.ts")).sha256Hex(cut) }),
    "not_png",
    /truncated chunk header at byte 33/,
  ]);
  cases.push(["wrong size", enc({ ...e, width: 64 }), "not_png", /PNG is 32x32, envelope says 64x32/]);
  for (const [name, value, reason, detail] of cases) {
    const d = decodeImageEnvelope(value, { maxBytes: 65_536 });
    t.equal(d.ok, false, name);
    if (!d.ok) {
      t.equal(d.reason, reason, `${name}: reason`);
      t.match(d.detail, detail, `${name}: detail`);
    }
  }
});

t.test("inference envelopes", async (t) => {
  const ok = {
    v: 1,
    imageId: "cam-0001/1",
    model: "m",
    top: [{ index: 3, label: "x", prob: 0.5 }],
    latencyMs: 2,
    inferredAt: "2026-11-24T18:00:00Z",
  };
  const d = decodeInferenceEnvelope(enc(ok), { maxBytes: 65_536 });
  t.ok(d.ok);
  const bad = decodeInferenceEnvelope(enc({ ...ok, top: [] }), { maxBytes: 65_536 });
  t.same(bad.ok ? null : bad.reason, "invalid_envelope");
  const nul = decodeInferenceEnvelope(enc({ ...ok, top: [{ index: 1, label: "a\u0000b", prob: 0.1 }] }), {
    maxBytes: 65_536,
  });
  t.same(
    nul.ok ? null : nul.detail,
    "top.0.label: must not contain NUL characters",
    "jsonb cannot hold NUL: rejected before the database",
  );
  const surrogate = decodeInferenceEnvelope(
    enc(
      `{"v":1,"imageId":"cam-0001/1","model":"m","top":[{"index":3,"label":"a\\ud800","prob":0.5}],"latencyMs":2,"inferredAt":"2026-11-24T18:00:00Z"}`,
    ),
    { maxBytes: 65_536 },
  );
  t.same(
    surrogate.ok ? null : surrogate.detail,
    "top.0.label: must be well-formed Unicode (a lone surrogate)",
    "jsonb refuses a lone surrogate: rejected before the database",
  );
  const year0 = decodeInferenceEnvelope(enc({ ...ok, inferredAt: "0000-06-01T00:00:00Z" }), { maxBytes: 65_536 });
  t.match(
    year0.ok ? null : year0.detail,
    /^inferredAt: year 0000 is outside PostgreSQL's range/,
    "timestamptz has no year 0: rejected before the database",
  );
});

t.test("dead-letter headers keep the original ones and add the reason", async (t) => {
  const h = deadLetterHeaders(
    { reason: "not_json", detail: "bad", topic: "a", partition: 3, offset: "42", consumer: "g" },
    { trace: "x", "troupe-reason": "spoofed" },
    new Date("2026-11-24T00:00:00Z"),
  );
  t.same(h, {
    trace: "x",
    "troupe-reason": "not_json",
    "troupe-detail": "bad",
    "troupe-source-topic": "a",
    "troupe-source-partition": "3",
    "troupe-source-offset": "42",
    "troupe-consumer": "g",
    "troupe-rejected-at": "2026-11-24T00:00:00.000Z",
  });
});

t.test("the RGB PNG writer produces standard PNGs that decode to the same pixels", async (t) => {
  const { encodeRgbPng } = await import("../../protocols/png_rgb.ts");
  const { decode } = await import("fast-png");
  for (const [w, h] of [[32, 32], [1, 1], [7, 3]] as const) {
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 131 + 7) % 256);
    const png = encodeRgbPng(w, h, rgb);
    const d = decode(png);
    t.same([d.width, d.height, d.channels, d.depth], [w, h, 3, 8], `${w}x${h} header`);
    t.same(Buffer.from(d.data as Uint8Array), Buffer.from(rgb), `${w}x${h} pixels`);
    t.equal(
      Buffer.from(png.subarray(png.length - 4)).toString("hex"),
      "ae426082",
      "IEND carries its well-known CRC-32",
    );
  }
  t.throws(() => encodeRgbPng(2, 2, new Uint8Array(5)), RangeError);
});
