// The fleet's roster (actors/fleet/roster.ts) on virtual time: live while heartbeats come, lost after three of the
// node's own intervals, left on its tombstone, gone an hour later; records that are not heartbeats refused and named.
import t from "tap";
import { Roster } from "../../actors/fleet/mod.ts";
import { type ActorsResponse, encodeNodeHeartbeat, encodeNodeTree, type NodeHeartbeat } from "../../protocols/mod.ts";

const T0 = Date.parse("2026-12-07T12:00:00.000Z");
const beat = (nodeId: string, atMs: number, more: Partial<NodeHeartbeat> = {}): Uint8Array =>
  new TextEncoder().encode(encodeNodeHeartbeat({
    v: 1,
    nodeId,
    roles: ["db"],
    host: "db-host",
    opsUrl: "http://198.18.0.3:7070",
    version: "0.1.0",
    commit: "abc1234",
    startedAt: new Date(T0).toISOString(),
    sentAt: new Date(atMs).toISOString(),
    intervalMs: 2_000,
    ready: true,
    waitingFor: [],
    fingerprint: { topicImages: "troupe.images" },
    figures: { rowsPerS: 10 },
    lastError: null,
    ...more,
  }));
const states = (r: Roster, now: number) => Object.fromEntries(r.view(now).map((e) => [e.nodeId, e.state]));

t.test("live, lost after three intervals, back when it beats again", async (t) => {
  const r = new Roster();
  t.ok(r.apply("db-1", beat("db-1", T0), T0));
  t.ok(r.apply("inf-1", beat("inf-1", T0, { intervalMs: 10_000 }), T0));
  t.same(states(r, T0 + 6_000), { "db-1": "live", "inf-1": "live" }, "three intervals exactly: still live");
  t.same(states(r, T0 + 6_001), { "db-1": "lost", "inf-1": "live" }, "each node judged by its own interval");
  r.apply("db-1", beat("db-1", T0 + 7_000), T0 + 7_000);
  t.same(states(r, T0 + 7_000), { "db-1": "live", "inf-1": "live" }, "a lost node that beats again is live");
});

t.test("a tombstone: left; a new heartbeat after it: live again; an hour after it left: gone", async (t) => {
  const r = new Roster();
  r.apply("db-1", beat("db-1", T0), T0);
  r.apply("db-1", null, T0 + 500);
  const [left] = r.view(T0 + 1_000);
  t.equal(left?.state, "left");
  t.equal(left?.heartbeat.roles[0], "db", "its last heartbeat is kept");
  t.same(states(r, T0 + 500 + 3_600_000), { "db-1": "left" }, "listed for an hour");
  t.same(states(r, T0 + 501 + 3_600_000), {}, "then gone");
  r.apply("db-1", beat("db-1", T0 + 4_000_000), T0 + 4_000_000);
  t.same(states(r, T0 + 4_000_000), { "db-1": "live" }, "a node that starts again is back");
  r.apply("db-2", null, T0);
  t.same(states(r, T0 + 4_000_000), { "db-1": "live" }, "a tombstone of a node never seen adds nothing");
});

t.test("a lost node goes an hour after it was lost; an older record of a node does not replace a newer one", async (t) => {
  const r = new Roster();
  r.apply("db-1", beat("db-1", T0 + 10_000, { figures: { rowsPerS: 2 } }), T0 + 10_000);
  r.apply("db-1", beat("db-1", T0, { figures: { rowsPerS: 1 } }), T0);
  t.equal(r.view(T0 + 10_000)[0]?.heartbeat.figures["rowsPerS"], 2, "the newer heartbeat stays");
  t.same(states(r, T0 + 16_001 + 3_600_000), {}, "lost at +16 s, gone an hour after");
});

t.test("records that are not heartbeats are refused with the reason, never thrown", async (t) => {
  const r = new Roster();
  const bad: [string | null, Uint8Array | null, RegExp][] = [
    [null, beat("db-1", T0), /no key/],
    ["db-1", new TextEncoder().encode("not json"), /not_json/],
    ["db-1", new TextEncoder().encode(JSON.stringify({ v: 2 })), /unknown_version/],
    ["db-1", beat("db-1", T0, { intervalMs: 5 }), /invalid_envelope: intervalMs/],
    ["db-9", beat("db-1", T0), /node 'db-1''s, the key says 'db-9'/],
  ];
  for (const [key, value, why] of bad) {
    t.notOk(r.apply(key, value, T0), `refused: ${why}`);
    t.match(r.refused.at(-1)?.detail, why);
  }
  t.equal(r.refusedCount, bad.length);
  t.same(r.view(T0), [], "none of them added a node");
});

t.test("a node's actor tree beside its heartbeat: kept, replaced, removed by its tombstone and with the node", async (t) => {
  const r = new Roster();
  const tree = (nodeId: string, sentAtMs: number, more: Record<string, unknown> = {}) =>
    new TextEncoder().encode(encodeNodeTree({
      v: 1,
      nodeId,
      sentAt: new Date(sentAtMs).toISOString(),
      actors: { node: nodeId, tree: { path: "/troupe", children: [] }, ...more } as unknown as ActorsResponse,
    }));
  r.apply("db-1", beat("db-1", T0), T0);
  t.ok(r.apply("db-1/tree", tree("db-1", T0), T0));
  t.equal(r.tree("db-1")?.tree.actors.tree.path, "/troupe");
  t.ok(r.apply("db-1/tree", tree("db-1", T0 + 10_000, { windowSec: 10 }), T0 + 10_000));
  t.equal(r.tree("db-1")?.tree.sentAt, new Date(T0 + 10_000).toISOString(), "the newer tree replaces it");
  t.same(Object.keys(states(r, T0)), ["db-1"], "a tree is not a node");
  t.notOk(r.apply("db-2/tree", tree("db-1", T0), T0), "a tree under another node's key is refused");
  t.match(r.refused.at(-1)?.detail, /the tree is node 'db-1''s, the key says 'db-2'/);
  t.notOk(r.apply("db-1/tree", new TextEncoder().encode(JSON.stringify({ v: 1, nodeId: "db-1" })), T0));
  t.match(r.refused.at(-1)?.detail, /invalid_envelope/);
  t.ok(r.apply("db-1/tree", null, T0 + 20_000));
  t.equal(r.tree("db-1"), undefined, "its tombstone removes it");
  r.apply("db-1/tree", tree("db-1", T0 + 30_000), T0 + 30_000);
  r.apply("db-1", null, T0 + 30_000);
  r.view(T0 + 30_001 + 3_600_000);
  t.equal(r.tree("db-1"), undefined, "gone with its node an hour after it left");
});
