/**
 * Process isolation from the shipped entry point: `deno task cru` (its exact flags) with a fresh
 * HOME and a module cache at a non-default place runs `isolation: process` plugins offline, from
 * that cache, with the child's own permissions as the wall; a child that ends without a result
 * still gets its audit end event.
 */
import { ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { denoDir, REPO } from "../helpers.ts";
import { auditDir, AuditLog } from "../../src/security/audit.ts";
import { assertUnchanged, type HostileWorld, hostileWorld } from "./hostile.ts";

/** The Deno flags of the `cru` task in deno.json, exactly as a user gets them. */
function taskFlags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(path.join(REPO, "deno.json")));
  const words = (config.tasks.cru as string).split(/\s+/);
  strictEqual(words[0], "deno");
  strictEqual(words[1], "run");
  strictEqual(words[words.length - 1], "cli.ts");
  return words.slice(2, -1);
}

/**
 * Run the CLI with the task's flags, the world's fresh HOME, and DENO_DIR set to a link to the
 * warm cache at a place Deno would never pick by itself. Nothing may be downloaded: the proxy
 * variables lead nowhere, so a download would fail.
 */
function run(world: HostileWorld, cache: string, args: string[]) {
  return world.cru([...args, "--json"], {
    denoFlags: taskFlags(),
    env: {
      DENO_DIR: cache,
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
    },
  });
}

function linkedCache(world: HostileWorld): string {
  const cache = path.join(world.home, "elsewhere", "deno-cache");
  Deno.mkdirSync(path.dirname(cache), { recursive: true });
  Deno.symlinkSync(denoDir(), cache);
  return cache;
}

const READER = `---
name: reader
version: 0.1.0
description: reads a note in a child process
isolation: process
capabilities: [KilnRead]
---
function main()
  local n = crucible.read_note("Home")
  print("from the child")
  return { title = n.title }
end
`;

Deno.test("process isolation: the cru task's flags run a plugin in a child, offline", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n", ".crucible/plugins/reader.lua": READER });
  const cache = linkedCache(world);
  const before = await world.checksums({ skip: ["kiln:.crucible", "home:elsewhere"] });
  const r = await run(world, cache, ["plugins", "run", "reader"]);
  strictEqual(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  strictEqual(out.ok, true, JSON.stringify(out));
  strictEqual(out.value.title, "Home");
  ok(out.logs.includes("from the child"), JSON.stringify(out.logs));
  assertUnchanged(before, await world.checksums({ skip: ["kiln:.crucible", "home:elsewhere"] }));
});

Deno.test("process isolation: a kiln config requiring it works from the cru task too", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/config.yaml": "sandbox:\n  isolation: process\n",
    ".crucible/plugins/reader.lua": READER.replace("isolation: process\n", ""),
  });
  const cache = linkedCache(world);
  const r = await run(world, cache, ["plugins", "run", "reader"]);
  strictEqual(r.code, 0, r.stdout + r.stderr);
  strictEqual(JSON.parse(r.stdout).value.title, "Home");
});

Deno.test("process isolation: the child gets none of the user's environment", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/reader.lua": READER,
  });
  const cache = linkedCache(world);
  // A secret in cru's environment: the child's environment is built, never inherited, so even a
  // child that could read its environment would not find it. What the child gets is checked
  // here from the host side, where it is decided.
  const { childEnv } = await import("../../src/sandbox/process.ts");
  Deno.env.set("CRU_TEST_SECRET", "hunter2");
  try {
    const env = childEnv();
    strictEqual(env.CRU_TEST_SECRET, undefined);
    strictEqual(env.HOME, undefined);
    ok(env.DENO_DIR, "the child is told where the module cache is");
    ok(
      Object.keys(env).every((k) =>
        ["NO_COLOR", "DENO_NO_UPDATE_CHECK", "DENO_DIR", "DENO_CERT", "DENO_TLS_CA_STORE"]
          .concat(["SSL_CERT_FILE", "SSL_CERT_DIR", "SYSTEMROOT"]).includes(k)
      ),
      JSON.stringify(Object.keys(env)),
    );
  } finally {
    Deno.env.delete("CRU_TEST_SECRET");
  }
  const r = await run(world, cache, ["plugins", "run", "reader"]);
  strictEqual(r.code, 0, r.stdout + r.stderr);
});

Deno.test("process isolation: a child killed at its timeout or out of memory is audited", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/loop.lua": `---
name: loop
description: never ends
isolation: process
---
function main() while true do end end
`,
    ".crucible/plugins/bomb.lua": `---
name: bomb
description: eats memory
isolation: process
limits: {memory: 32MB}
---
function main() local t = {} for i = 1, 1e9 do t[i] = {i} end end
`,
  });
  const cache = linkedCache(world);
  const before = await world.checksums({ skip: ["kiln:.crucible", "home:elsewhere"] });
  const loop = await run(world, cache, ["plugins", "run", "loop", "--timeout", "1500"]);
  strictEqual(loop.code, 1, loop.stderr);
  strictEqual(JSON.parse(loop.stdout).error.code, "E_TIMEOUT");
  const bomb = await run(world, cache, ["plugins", "run", "bomb"]);
  strictEqual(bomb.code, 1, bomb.stderr);
  strictEqual(JSON.parse(bomb.stdout).error.code, "E_MEMORY");
  const events = AuditLog.read(auditDir(world.kiln.root));
  for (const plugin of ["loop", "bomb"]) {
    const ends = events.filter((e) => e.plugin === plugin && e.kind === "invocation.end");
    strictEqual(ends.length, 1, plugin);
    strictEqual(ends[0].status, "error");
    strictEqual(
      events.filter((e) => e.plugin === plugin && e.kind === "invocation.start").length,
      1,
    );
  }
  assertUnchanged(before, await world.checksums({ skip: ["kiln:.crucible", "home:elsewhere"] }));
});

Deno.test("process isolation: without permission to start deno, a clear E_SANDBOX, audited", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n", ".crucible/plugins/reader.lua": READER });
  const cache = linkedCache(world);
  const r = await world.cru(["plugins", "run", "reader", "--json"], {
    denoFlags: taskFlags().filter((f) => !f.startsWith("--allow-run")),
    env: { DENO_DIR: cache },
  });
  strictEqual(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  strictEqual(out.error.code, "E_SANDBOX");
  ok(out.error.message.includes("--allow-run=deno"), out.error.message);
  const ends = AuditLog.read(auditDir(world.kiln.root)).filter((e) => e.kind === "invocation.end");
  strictEqual(ends.length, 1);
});
