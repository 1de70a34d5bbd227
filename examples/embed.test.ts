import t from "tap";
import { createService } from "./embed.ts";

t.test("an embedding service runs its own actor and serves troupe's ops routes", async (t) => {
  const { app, system } = await createService();
  t.teardown(() => system.shutdown({ deadlineMs: 1000 }));
  t.same(await (await app.request("/add/2", { method: "POST" })).json(), { total: 2 });
  t.same(await (await app.request("/add/5", { method: "POST" })).json(), { total: 7 });
  const tree = (await (await app.request("/ops/actors")).json()).tree;
  t.equal(tree.path, "/svc");
  t.equal(tree.children[0].children[0].path, "/svc/billing/total");
  t.equal(tree.children[0].children[0].processed, 4);
  t.equal((await app.request("/ops/readyz")).status, 200);
});
