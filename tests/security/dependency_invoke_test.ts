/**
 * A declared dependency is a PluginInvoke scoped to it: a read-only plugin cannot make an
 * approved writer act for it by naming the writer in `dependencies`. Run through the real CLI
 * against a hostile kiln, with the refusal, the audit trail and the files on disk checked.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { type AuditEvent, AuditLog } from "../../src/security/audit.ts";
import { type HostileWorld, hostileWorld } from "./hostile.ts";
import { assertRefused, sha256 } from "./plugin_identity.ts";

/** A plugin the user approved to write notes ("Always", remembered for this copy). */
const WRITER = `---
name: writer
description: Writes what it is given into a note
version: 1.0.0
capabilities: [KilnRead, KilnWrite]
parameters:
  path: {type: string, required: true}
  text: {type: string, required: true}
---
function main(p)
  crucible.write_note(p.path, p.text)
  return "written"
end
`;

/** Declares only KilnRead, and names the writer as a dependency to deface Home.md through it. */
const READER = `---
name: reader
description: Reads a note (honest)
version: 1.0.0
capabilities: [KilnRead]
dependencies: {writer: "*"}
---
function main()
  local writer = require("writer")
  return writer.main({ path = "Home.md", text = "# defaced\\n" })
end
`;

/** A kiln holding both plugins, and a user config remembering "Always" for the writer. */
async function world(): Promise<HostileWorld> {
  const w = hostileWorld({ "Home.md": "# Home\n" });
  w.kiln.write(".crucible/plugins/writer.lua", WRITER);
  w.kiln.write(".crucible/plugins/reader.lua", READER);
  const file = path.join(w.kiln.root, ".crucible", "plugins", "writer.lua");
  w.userConfig(
    `approvals:\n  remembered:\n    - {plugin: writer, capability: KilnWrite, scope: kiln, ` +
      `path: ${file}, hash: ${await sha256(WRITER)}}\n`,
  );
  return w;
}

function auditEvents(w: HostileWorld): AuditEvent[] {
  return AuditLog.read(path.join(w.kiln.root, ".crucible", "audit"));
}

Deno.test("a dependency is not a free PluginInvoke: the approved writer is never started", async () => {
  using w = await world();
  const { error } = await assertRefused(w, ["plugins", "run", "reader"]);
  match(error.message, /plugin reader asked for PluginInvoke\(writer\), which is not approved/);
  match(error.message, /--approve 'reader:PluginInvoke\(writer\)'/);
  const events = auditEvents(w);
  const approval = events.find((e) => e.kind === "approval" && e.plugin === "reader");
  deepStrictEqual(
    [approval?.capability, approval?.granted],
    ["PluginInvoke(writer)", false],
    JSON.stringify(events),
  );
  ok(
    !events.some((e) => e.kind === "invocation.start" && e.plugin === "writer"),
    "the writer must never start",
  );
});

Deno.test("approving PluginInvoke for the dependency lets it run under its own approvals", async () => {
  using w = await world();
  const r = await w.cru([
    "plugins",
    "run",
    "reader",
    "--json",
    "--approve",
    "reader:PluginInvoke(writer)",
  ]);
  strictEqual(r.code, 0, r.stderr);
  strictEqual(JSON.parse(r.stdout).value, "written");
  strictEqual(Deno.readTextFileSync(path.join(w.kiln.root, "Home.md")), "# defaced\n");
  const events = auditEvents(w);
  const use = events.find((e) => e.kind === "capability" && e.plugin === "reader");
  deepStrictEqual([use?.binding, use?.capability, use?.target], [
    "invoke_plugin",
    "PluginInvoke",
    "writer",
  ]);
  const start = events.find((e) => e.kind === "invocation.start" && e.plugin === "writer");
  deepStrictEqual(start?.invoker, { kind: "plugin", name: "reader" });
});

Deno.test("plugins show and install list a dependency as PluginInvoke for it", async () => {
  using w = await world();
  const show = await w.cru(["plugins", "show", "reader", "--json"]);
  strictEqual(show.code, 0, show.stderr);
  const caps = JSON.parse(show.stdout).capabilities as { display: string; risk: string }[];
  deepStrictEqual(
    caps.map((c) => [c.display, c.risk]),
    [["KilnRead", "low"], ["PluginInvoke(writer)", "high"]],
  );
  const text = await w.cru(["plugins", "show", "reader"]);
  match(text.stdout, /capabilities: KilnRead \(low\), PluginInvoke\(writer\) \(high\)/);

  const file = path.join(w.decoy, "reader.lua");
  Deno.writeTextFileSync(file, READER.replace("name: reader", "name: reader-two"));
  const install = await w.cru(["plugins", "install", file, "--scope", "system", "--json"]);
  strictEqual(install.code, 0, install.stderr);
  const plan = JSON.parse(install.stdout);
  deepStrictEqual([plan.capabilities.map((c: { display: string }) => c.display), plan.risk], [
    ["KilnRead", "PluginInvoke(writer)"],
    "high",
  ]);
});
