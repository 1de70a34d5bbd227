import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { DatasetError, ensureSyntheticCifar, openCifarDataset } from "../../actors/simulator/mod.ts";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { CIFAR_PIXEL_BYTES, CIFAR_RECORD_BYTES, encodeCifarRecord, planarToInterleaved } from "../../protocols/mod.ts";

async function writeDataset(dir: string, records: { coarse: number; fine: number; planes: Uint8Array }[]) {
  await writeFile(
    join(dir, "coarse_label_names.txt"),
    Array.from({ length: 20 }, (_, i) => `coarse${i}`).join("\n") + "\n",
  );
  await writeFile(
    join(dir, "fine_label_names.txt"),
    Array.from({ length: 100 }, (_, i) => `fine${i}`).join("\n") + "\n",
  );
  const out = new Uint8Array(records.length * CIFAR_RECORD_BYTES);
  records.forEach((r, i) => out.set(encodeCifarRecord(r.coarse, r.fine, r.planes), i * CIFAR_RECORD_BYTES));
  await writeFile(join(dir, "test.bin"), out);
}

t.test("reads back the pixels and labels of a file written here", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-cifar-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const rand = mulberry32(9);
  const records = Array.from(
    { length: 25 },
    (_, i) => ({
      coarse: i % 20,
      fine: (i * 7) % 100,
      planes: Uint8Array.from({ length: CIFAR_PIXEL_BYTES }, () => Math.floor(rand() * 256)),
    }),
  );
  await writeDataset(dir, records);
  const ds = await openCifarDataset(dir, "test");
  t.teardown(() => ds.close());
  t.equal(ds.count, 25);
  t.equal(ds.fineNames[7], "fine7");
  t.equal(ds.coarseNames[19], "coarse19");
  for (const i of [0, 13, 24]) {
    const r = await ds.read(i);
    const want = records[i]!;
    t.equal(r.index, i);
    t.equal(r.coarse, want.coarse);
    t.equal(r.fine, want.fine);
    t.same(Buffer.from(r.planes), Buffer.from(want.planes), `record ${i} pixels`);
  }
  const inter = planarToInterleaved(records[0]!.planes);
  t.same([inter[0], inter[1], inter[2]], [records[0]!.planes[0], records[0]!.planes[1024], records[0]!.planes[2048]]);
});

t.test("a truncated or corrupt file names the file and byte offset", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-cifar-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const planes = new Uint8Array(CIFAR_PIXEL_BYTES);
  await writeDataset(dir, [{ coarse: 1, fine: 2, planes }, { coarse: 1, fine: 2, planes }, {
    coarse: 25,
    fine: 2,
    planes,
  }]);
  const file = join(dir, "test.bin");
  await t.rejects(openCifarDataset(dir, "test"), {
    code: "TROUPE_ERR_DATASET",
    message: `${file} at byte offset ${2 * CIFAR_RECORD_BYTES}: record 2: coarse label 25 is out of range 0..19`,
  });
  await truncate(file, 2 * CIFAR_RECORD_BYTES + 100);
  const err = await openCifarDataset(dir, "test").catch((e: unknown) => e);
  t.ok(err instanceof DatasetError);
  t.equal((err as DatasetError).byteOffset, 2 * CIFAR_RECORD_BYTES);
  t.match((err as Error).message, /truncated record: 100 of 3074 bytes/);
  await writeFile(join(dir, "fine_label_names.txt"), "only\nthree\nnames\n");
  await t.rejects(openCifarDataset(dir, "test"), {
    message: /fine_label_names.txt: expected 100 label names, one per line: found 3/,
  });
  await t.rejects(openCifarDataset(join(dir, "missing"), "test"), {
    message: /coarse_label_names.txt: cannot read the label names/,
  });
});

t.test("the synthetic dataset is deterministic, class-structured and says what it is", async (t) => {
  const a = await mkdtemp(join(tmpdir(), "troupe-syn-"));
  const b = await mkdtemp(join(tmpdir(), "troupe-syn-"));
  t.teardown(async () => {
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  });
  const sa = await ensureSyntheticCifar(a, { seed: 5, count: 300 });
  const sb = await ensureSyntheticCifar(b, { seed: 5, count: 300 });
  t.equal(sa.generated, true);
  t.equal(
    (await ensureSyntheticCifar(a, { seed: 5, count: 300 })).generated,
    false,
    "reused when seed and count match",
  );
  const { readFile } = await import("node:fs/promises");
  t.same(await readFile(sa.file), await readFile(sb.file), "same seed, same bytes");
  const ds = await openCifarDataset(a, "test");
  t.teardown(() => ds.close());
  t.equal(ds.fineNames[0], "synthetic_fine_00");
  // Images of one class are closer to each other than to images of other classes.
  const byClass = new Map<number, Uint8Array[]>();
  for (let i = 0; i < ds.count; i++) {
    const r = await ds.read(i);
    t.equal(r.coarse, Math.floor(r.fine / 5));
    byClass.set(r.fine, [...(byClass.get(r.fine) ?? []), r.planes]);
  }
  const dist = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, i) => s + Math.abs(v - (y[i] as number)), 0);
  const classes = [...byClass.entries()].filter(([, v]) => v.length >= 2).slice(0, 10);
  let within = 0;
  let across = 0;
  for (let i = 0; i < classes.length; i++) {
    const [, imgs] = classes[i]!;
    within += dist(imgs[0]!, imgs[1]!);
    across += dist(imgs[0]!, classes[(i + 1) % classes.length]![1][0]!);
  }
  t.ok(within < across * 0.8, `within-class distance ${within} < across-class ${across}`);
});
