/**
 * The session API and the tool registry in process: real kiln on disk, real registry, real
 * workers, real audit log.
 */
import { deepStrictEqual, match, ok } from "node:assert/strict";
import * as path from "node:path";
import { createSession, ToolRegistry } from "../../mod.ts";
import { exists, tempDemoKiln, tempKiln } from "../helpers.ts";
import { auditEvents, NOTE_WRITER } from "./mcp_helpers.ts";

const agent = { invoker: { kind: "agent" as const, name: "unit" } };

/** Config and cache folders in a temporary home, never the real one. */
function tempHome(): { env: (name: string) => string | undefined } & Disposable {
  const home = Deno.makeTempDirSync({ prefix: "cru-session-home-" });
  const vars: Record<string, string> = {
    HOME: home,
    CRUCIBLE_CONFIG_DIR: path.join(home, ".config", "crucible"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
  };
  return {
    env: (name) => vars[name] ?? Deno.env.get(name),
    [Symbol.dispose]: () => Deno.removeSync(home, { recursive: true }),
  };
}

Deno.test("a session lists, describes, validates and runs plugins and reads the kiln", async () => {
  using kiln = tempDemoKiln();
  using home = tempHome();
  const session = await createSession({ kiln: kiln.root, env: home.env });
  try {
    ok(session.plugins().some((p) => p.name === "dice-roller"));
    deepStrictEqual(session.describe("dice-roller").name, "dice-roller");
    const bad = session.validate("dice-roller", { expression: 1 });
    deepStrictEqual(bad.ok, false);
    match(!bad.ok ? bad.error.message : "", /parameter expression/);
    const good = session.validate("dice-roller", { expression: "d6" });
    deepStrictEqual(good.ok, true);
    const r = await session.run("dice-roller", { expression: "3" }, agent);
    deepStrictEqual(r.ok, true);
    deepStrictEqual((r.value as { result: number }).result, 3);
    const start = auditEvents(kiln.root).find((e) => e.kind === "invocation.start");
    deepStrictEqual(start?.invoker, { kind: "agent", name: "unit" });
    let missing = "";
    try {
      session.plugin("dice-rolr");
    } catch (e) {
      missing = (e as Error).message;
    }
    match(missing, /did you mean dice-roller/);
    deepStrictEqual(session.kiln.read("Home").path, "Home.md");
    ok(session.kiln.paths().includes("Home.md"));
    // A note written after the session opened is found by the next query.
    kiln.write("Fresh.md", "# Fresh\n\nA kraken sighting.\n");
    const hits = await session.kiln.search("kraken") as { path: string }[];
    deepStrictEqual(hits.map((h) => h.path), ["Fresh.md"]);
  } finally {
    session.close();
  }
});

Deno.test("a risky capability is refused by the default session approver", async () => {
  using kiln = tempKiln({ ".crucible/plugins/note-writer.lua": NOTE_WRITER });
  using home = tempHome();
  const session = await createSession({ kiln: kiln.root, env: home.env });
  try {
    const r = await session.run("note-writer", { path: "X.md" }, agent);
    deepStrictEqual(r.error?.code, "E_APPROVAL_DENIED");
    deepStrictEqual(exists(path.join(kiln.root, "X.md")), false);
  } finally {
    session.close();
  }
});

Deno.test("the tool registry checks arguments before anything runs", async () => {
  using kiln = tempDemoKiln();
  using home = tempHome();
  const session = await createSession({ kiln: kiln.root, env: home.env });
  const tools = new ToolRegistry(session);
  try {
    const r = await tools.call("dice-roller", { expression: ["2d6"] }, agent);
    deepStrictEqual(r.ok, false);
    match(!r.ok ? `${r.error.code} ${r.error.message}` : "", /^E_INVALID_PARAMS .*expression/);
    const traverse = await tools.call("traverse", { start: "Home", depth: 99 }, agent);
    match(!traverse.ok ? traverse.error.message : "", /parameter depth/);
    // Nothing was started, so nothing was audited.
    let events: unknown[] = [];
    try {
      events = auditEvents(kiln.root);
    } catch { /* no audit folder: nothing recorded */ }
    deepStrictEqual(events, []);
    const unknown = await tools.call("dice_roller", {}, agent);
    deepStrictEqual(!unknown.ok && unknown.error.code, "E_NOT_FOUND");
  } finally {
    session.close();
  }
});
