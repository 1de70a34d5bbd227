import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";

t.test("a node bound off loopback enforces its ops token on every route but health and readiness", async (t) => {
  const token = "ops-token-for-the-test-0123456789";
  // 0.0.0.0 is off loopback (the token is required); the test reaches it through 127.0.0.1.
  const node = await startNodeProcess(t, {
    ...pipelineEnv("opstoken"),
    ROLE: "simulator",
    SIM_COUNT: "1",
    OPS_HOST: "0.0.0.0",
    OPS_TOKEN: token,
  });
  const get = (path: string, authorization?: string) =>
    fetch(`${node.base}${path}`, authorization ? { headers: { authorization } } : {});
  for (const path of ["/actors", "/actors/top", "/events", "/metrics", "/config", "/trace", "/no-such-route"]) {
    const none = await get(path);
    t.equal(none.status, 401, `${path}: no token, 401`);
    t.match(none.headers.get("www-authenticate"), /^Bearer realm="troupe-ops"/);
    t.match(await none.json(), { error: /bearer token is required/ });
    t.equal((await get(path, `Bearer ${token.replace(/.$/, "x")}`)).status, 401, `${path}: a wrong token, 401`);
    const ok = await get(path, `Bearer ${token}`);
    // With the token: /trace is refused only because controls are off, the unknown route is unknown.
    t.equal(ok.status, path === "/no-such-route" ? 404 : path === "/trace" ? 403 : 200, `${path}: the token`);
    await ok.body?.cancel();
  }
  for (const path of ["/healthz", "/readyz"]) t.equal((await get(path)).status, 200, `${path} needs no token`);
  const shell = await get("/");
  t.equal(shell.status, 200, "the page's shell needs no token: it asks for one");
  t.notMatch(await shell.text(), /\/troupe\/simulator/, "and holds no figures");
  const config = (await (await get("/config", `Bearer ${token}`)).json()) as { ops?: { token?: string } };
  t.notOk(JSON.stringify(config).includes(token), "the token is not shown in /config");
  node.proc.kill("SIGTERM");
  t.equal(await node.exited, 0);
});
