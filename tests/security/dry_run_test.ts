/**
 * `cru plugins run --dry-run` has no side effects: state changes live in memory for the run and
 * are reported, every network request is refused with E_DRY_RUN (and reported), note writes are
 * only shown, and none of it needs KilnWrite approval, since nothing is written.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

/** A local HTTP server that counts the requests it gets. */
function countingServer(): { port: number; hits: () => number } & AsyncDisposable {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return new Response("pong");
  });
  return {
    port: server.addr.port,
    hits: () => hits,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function busy(port: number): string {
  return `---
name: busy
description: counts, phones home and writes a note
capabilities:
  - KilnRead
  - KilnWrite
  - StateManage: kiln
  - NetworkHttp: [127.0.0.1:${port}]
---
local M = {}
function M.main()
  local n = (crucible.state.get("runs", { scope = "kiln" }) or 0) + 1
  crucible.state.set("runs", n, { scope = "kiln" })
  local after = crucible.state.get("runs", { scope = "kiln" })
  local total = crucible.state.increment("total", 5)
  local got, e1 = pcall(crucible.http.get, "http://127.0.0.1:${port}/get")
  local posted, e2 = pcall(crucible.http.post, "http://127.0.0.1:${port}/post", "hello")
  crucible.write_note("Home.md", "# defaced\\n")
  return { after = after, total = total, get = e1.code, post = e2.code }
end
return M
`;
}

/** Shared state is approved (it reads other plugins' data too); KilnWrite and the network are not. */
const SHARED = ["--approve", "busy:StateManage(kiln)"];

Deno.test("a dry run saves no state, sends no request and asks no KilnWrite approval", async () => {
  await using server = countingServer();
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/busy.lua": busy(server.port),
    ".crucible/plugin-state/_kiln.json": JSON.stringify({
      version: 1,
      entries: { runs: { value: 41, expires: null, updated: 0 } },
    }),
  });
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "run", "busy", "--dry-run", "--json", ...SHARED]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(server.hits(), 0, "a dry run sent an HTTP request");
  strictEqual(res.code, 0, res.stdout + res.stderr);
  const out = JSON.parse(res.stdout);
  // The run sees its own simulated state; the refusals are E_DRY_RUN.
  deepStrictEqual(out.value, { after: 42, total: 5, get: "E_DRY_RUN", post: "E_DRY_RUN" });
  strictEqual(out.dry_run, true);
  deepStrictEqual(out.writes.map((w: { path: string }) => w.path), ["Home.md"]);
  const simulated = out.simulated.join("\n");
  match(simulated, /a real run would ask for NetworkHttp\(127\.0\.0\.1:\d+\)/);
  match(simulated, /state\.set "runs" \(kiln scope\) not saved \(dry run\)/);
  match(simulated, /state\.increment "total" not saved/);
  match(simulated, /HTTP GET http:\/\/127\.0\.0\.1:\d+\/get refused \(dry run\)/);
  match(simulated, /HTTP POST .*\/post refused/);
  match(simulated, /a real run would ask for KilnWrite/);
  ok(!/approval/i.test(res.stderr), `a dry run asked for approval: ${res.stderr}`);
});

Deno.test("the human dry-run report lists what was simulated", async () => {
  await using server = countingServer();
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/busy.lua": busy(server.port),
  });
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "run", "busy", "--dry-run", ...SHARED]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(server.hits(), 0);
  strictEqual(res.code, 0, res.stderr);
  match(res.stdout, /dry run: nothing else was done/);
  match(res.stdout, /E_DRY_RUN/);
  match(res.stdout, /dry run: 1 write not performed/);
});

Deno.test("without --dry-run the same plugin saves state and needs KilnWrite", async () => {
  await using server = countingServer();
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/busy.lua": busy(server.port),
  });
  const res = await world.cru([
    "plugins",
    "run",
    "busy",
    "--json",
    ...SHARED,
    "--approve",
    "busy:NetworkHttp",
  ]);
  strictEqual(res.code, 1);
  strictEqual(JSON.parse(res.stdout).error.code, "E_APPROVAL_DENIED");
  const saved = JSON.parse(
    Deno.readTextFileSync(`${world.kiln.root}/.crucible/plugin-state/_kiln.json`),
  );
  strictEqual(saved.entries.runs.value, 1);
  strictEqual(server.hits(), 2, "the real run sends both requests");
});
