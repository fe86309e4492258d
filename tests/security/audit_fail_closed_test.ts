/**
 * No audit, no run: a kiln whose audit folder cannot be written (a file in its place, a planted
 * symbolic link or hard link leading outside the kiln) makes a plugin fail with E_AUDIT before it
 * starts, and the audit log never writes through the planted link.
 */
import { ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";
import { loadConfig } from "../../src/config/config.ts";
import type { PluginRegistry } from "../../src/plugins/registry.ts";
import { PluginRunner } from "../../src/sandbox/invoke.ts";
import { AuditError, type AuditEvent } from "../../src/security/audit.ts";
import { fixedApprover, luaPlugin } from "../sandbox/sandbox_helpers.ts";

const WRITER = `---
name: writer
version: 0.1.0
description: rewrites Home.md
capabilities: [KilnRead, KilnWrite]
---
function main()
  crucible.write_note("Home.md", "# defaced\\n")
  return "wrote"
end
`;

/** Today's and tomorrow's day files (a run near midnight UTC uses either). */
function dayFiles(): string[] {
  const now = Date.now();
  return [now, now + 86_400_000].map((t) =>
    `audit-${new Date(t).toISOString().slice(0, 10)}.jsonl`
  );
}

async function attempt(world: ReturnType<typeof hostileWorld>) {
  const before = await world.checksums();
  const r = await world.cru([
    "plugins",
    "run",
    "writer",
    "--approve",
    "writer:KilnWrite",
    "--json",
  ]);
  strictEqual(r.code, 1, `the plugin ran unaudited: ${r.stdout} ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
  strictEqual(out.ok, false);
  strictEqual(out.error.code, "E_AUDIT", out.error.message);
  ok(out.error.message.includes("plugin writer was not run"), out.error.message);
  assertUnchanged(before, await world.checksums());
  strictEqual(Deno.readTextFileSync(path.join(world.kiln.root, "Home.md")), "# Home\n");
  return out.error.message;
}

Deno.test("audit fail-closed: a file in place of .crucible/audit stops the run before it starts", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/writer.lua": WRITER,
    ".crucible/audit": "not a folder\n",
  });
  const message = await attempt(world);
  ok(message.includes(path.join(world.kiln.root, ".crucible", "audit")), message);
  ok(message.includes("is not a folder; move that file away"), message);
});

Deno.test("audit fail-closed: .crucible/audit linked to a folder outside the kiln is refused", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/writer.lua": WRITER,
  });
  Deno.symlinkSync(world.decoy, path.join(world.kiln.root, ".crucible", "audit"));
  const message = await attempt(world);
  ok(message.includes("is a symbolic link"), message);
  // Nothing was written, rotated or deleted in the folder the link leads to.
  deepEqualDir(world.decoy, ["secret.txt"]);
});

Deno.test("audit fail-closed: a day file linked to a file outside the kiln is never appended to", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/writer.lua": WRITER,
  });
  const dir = path.join(world.kiln.root, ".crucible", "audit");
  Deno.mkdirSync(dir, { recursive: true });
  for (const day of dayFiles()) {
    Deno.symlinkSync(path.join(world.home, ".bashrc"), path.join(dir, day));
  }
  const message = await attempt(world);
  ok(message.includes("it is a symbolic link"), message);
});

Deno.test("audit fail-closed: a day file hard-linked to a file outside the kiln is refused", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/writer.lua": WRITER,
  });
  const dir = path.join(world.kiln.root, ".crucible", "audit");
  Deno.mkdirSync(dir, { recursive: true });
  const target = path.join(world.decoy, "secret.txt");
  try {
    for (const day of dayFiles()) Deno.linkSync(target, path.join(dir, day));
  } catch (e) {
    // Temp folders on different file systems cannot share a hard link: nothing to attack then.
    if (e instanceof Deno.errors.NotSupported || /cross-device/i.test(String(e))) return;
    throw e;
  }
  const message = await attempt(world);
  ok(message.includes("hard link"), message);
});

Deno.test("audit fail-closed: a healthy kiln runs and audits the same plugin", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/writer.lua": WRITER,
  });
  const r = await world.cru([
    "plugins",
    "run",
    "writer",
    "--approve",
    "writer:KilnWrite",
    "--json",
  ]);
  strictEqual(r.code, 0, r.stderr);
  strictEqual(Deno.readTextFileSync(path.join(world.kiln.root, "Home.md")), "# defaced\n");
  const dir = path.join(world.kiln.root, ".crucible", "audit");
  const text = [...Deno.readDirSync(dir)].map((e) => Deno.readTextFileSync(path.join(dir, e.name)))
    .join("");
  ok(text.includes('"kind":"invocation.start"') && text.includes('"status":"ok"'), text);
});

function deepEqualDir(dir: string, names: string[]): void {
  strictEqual(
    JSON.stringify([...Deno.readDirSync(dir)].map((e) => e.name).sort()),
    JSON.stringify(names),
  );
}

Deno.test("audit fail-closed: an audit log that fails mid-run stops the plugin with E_AUDIT", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n", "Other.md": "# Other\n" });
  const before = await world.checksums();
  // The log takes the start, then the disk fills up (or the folder goes away) mid-run.
  const audit = {
    record(event: Omit<AuditEvent, "ts">) {
      if (event.kind !== "invocation.start") {
        throw new AuditError("cannot append to the audit log: no space left on device");
      }
    },
  };
  const config = loadConfig({
    kilnRoot: world.kiln.root,
    env: (n) => n === "CRUCIBLE_CONFIG_DIR" ? world.configDir : undefined,
  });
  const runner = new PluginRunner({
    kilnRoot: world.kiln.root,
    registry: { get: () => undefined } as unknown as PluginRegistry,
    config,
    audit,
    approver: fixedApprover(["KilnWrite"]),
    configDir: world.configDir,
  });
  const p = await luaPlugin(
    "reader",
    "capabilities: [KilnRead, KilnWrite]\n",
    `function main()
       crucible.read_note("Other")
       while true do end
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    strictEqual(r.ok, false);
    strictEqual(r.error?.code, "E_AUDIT", JSON.stringify(r.error));
    ok(r.error!.message.includes("plugin reader was stopped"), r.error!.message);
    assertUnchanged(before, await world.checksums());
  } finally {
    runner.close();
    p.cleanup();
  }
});
